// placeholder until the Kubernetes backend lands
import type { ClusterJob } from '../jobs.js'
export function describeIndexedJob(job: ClusterJob, indices: number[]): string {
  return JSON.stringify({ job: job.id, indices })
}
