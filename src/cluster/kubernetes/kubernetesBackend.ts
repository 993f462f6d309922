// placeholder until the Kubernetes backend lands
import type { ClusterBackend } from '../backend.js'
export const kubernetesBackend = {} as ClusterBackend
