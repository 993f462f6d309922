// placeholder until the Kubernetes backend lands
import type { KubernetesOptions } from '../jobs.js'
export async function kubernetesTarget(o: Partial<KubernetesOptions>, _dryRun: boolean): Promise<{ cluster: string; partition: string }> {
  return { cluster: o.context ?? 'kubernetes', partition: o.namespace ?? 'default' }
}
