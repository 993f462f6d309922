// Where a sweep runs when it is not here: one small interface per cluster
// engine (submit, status, cancel, collect), one folder per backend, as
// buildx has its drivers. The pipeline around them (submitSweep.ts,
// followJob.ts) is the same for every backend.
import type { EventSink } from '../events.js'
import type { ClusterJob, Submission } from './jobs.js'
import type { TaskEnd } from './replayTask.js'

export interface TaskState {
  index: number
  /** pending or running: not over yet; ended: over (its folder says whether it finished, `end` why not). */
  phase: 'pending' | 'running' | 'ended'
  /** The scheduler's word for it (PENDING, RUNNING, COMPLETED, CANCELLED...). */
  state: string
  node?: string
  end?: TaskEnd
}

export interface ClusterBackend {
  /** Whether one submission runs one platform only (a Kubernetes Job selects its nodes' architecture once for every pod). */
  platformPerSubmission?: boolean
  /** Submits the points `indices` of the job (one array job); nothing is submitted when it throws. */
  submit(job: ClusterJob, indices: number[], events: EventSink): Promise<Submission>
  /** The state of each task of a submission. */
  status(job: ClusterJob, submission: Submission): Promise<TaskState[]>
  /** Stops every task of the submission that has not ended; resolves once the scheduler says they have. */
  cancel(job: ClusterJob, submission: Submission): Promise<void>
  /** The folder of task `index` on this machine, once it holds what the task left (a shared folder, or unpacked from a pod log). */
  collect(job: ClusterJob, submission: Submission, index: number): Promise<string>
}

export async function backendFor(job: Pick<ClusterJob, 'backend'>): Promise<ClusterBackend> {
  if (job.backend === 'slurm') return (await import('./slurm/slurmBackend.js')).slurmBackend
  return (await import('./kubernetes/kubernetesBackend.js')).kubernetesBackend
}

/**
 * Submits points `indices` of the job, adding each submission to it: one, or
 * one per platform where the backend's submission runs one platform.
 */
export async function submitPoints(backend: ClusterBackend, job: ClusterJob, indices: number[], events: EventSink): Promise<Submission[]> {
  const groups = new Map<number, number[]>()
  for (const k of indices) {
    const g = backend.platformPerSubmission ? (job.points[k].platform ?? 0) : 0
    groups.set(g, [...(groups.get(g) ?? []), k])
  }
  const made: Submission[] = []
  for (const group of groups.values()) {
    const submission = await backend.submit(job, group, events)
    job.submissions.push(submission)
    made.push(submission)
  }
  return made
}
