// The only place that talks to a Kubernetes API server: @kubernetes/client-node
// and the user's kubeconfig (KUBECONFIG, else ~/.kube/config, else the
// in-cluster service account), both loaded on first use, so that no other
// command pays for them.
import { CmcError } from '../../errors.js'

type Client = typeof import('@kubernetes/client-node')

let loaded: Promise<{ k8s: Client; kc: import('@kubernetes/client-node').KubeConfig }> | undefined

export function kube(context?: string) {
  loaded ??= (async () => {
    const k8s = await import('@kubernetes/client-node')
    const kc = new k8s.KubeConfig()
    try {
      kc.loadFromDefault()
    } catch (e) {
      throw unreachable(`the kubeconfig cannot be read: ${(e as Error).message}`, e)
    }
    if (context) kc.setCurrentContext(context)
    if (!kc.getCurrentCluster()) throw unreachable('no Kubernetes cluster is configured (no current context in the kubeconfig)')
    return { k8s, kc }
  })()
  return loaded
}

export function unreachable(message: string, cause?: unknown): CmcError {
  return new CmcError('SCHEDULER_UNREACHABLE', message, {
    hint: 'point KUBECONFIG (or ~/.kube/config) at the cluster, choose its context (`kubectl config use-context NAME`), and check it with `kubectl version`',
    cause,
  })
}

/** The current context's name and namespace, and that its API server answers. */
export async function kubeTarget(context?: string): Promise<{ cluster: string; namespace: string }> {
  const { k8s, kc } = await kube(context)
  const ctx = kc.getContextObject(kc.getCurrentContext())
  try {
    await kc.makeApiClient(k8s.VersionApi).getCode()
  } catch (e) {
    throw unreachable(`the Kubernetes API server at ${kc.getCurrentCluster()?.server} does not answer: ${(e as Error).message}`, e)
  }
  return { cluster: kc.getCurrentContext(), namespace: ctx?.namespace ?? 'default' }
}
