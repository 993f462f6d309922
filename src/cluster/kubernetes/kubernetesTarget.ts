// Where a Kubernetes sweep goes: the kubeconfig's context and namespace,
// asked of the API server; a dry run asks nothing.
import type { KubernetesOptions } from '../jobs.js'

export async function kubernetesTarget(o: Partial<KubernetesOptions>, dryRun: boolean): Promise<{ cluster: string; partition: string }> {
  if (dryRun) return { cluster: o.context ?? 'kubeconfig context', partition: o.namespace ?? 'default' }
  const { kubeTarget } = await import('./kubeClient.js')
  const t = await kubeTarget(o.context)
  return { cluster: t.cluster, partition: o.namespace ?? t.namespace }
}
