// Kubernetes: a sweep (or a retry of some of its points) is one Indexed Job;
// a task is the pod of one completion index; what it left comes back through
// its log (podLog.ts), read once the pod has ended; a cancel deletes the Job
// and its pods (foreground), reading the logs of the running ones first.
// Untested against a live API server here: no cluster can run on these machines.
import type { ClusterBackend, TaskState } from '../backend.js'
import type { ClusterJob, Submission } from '../jobs.js'
import { jobPaths } from '../taskFiles.js'
import { readSecrets } from '../frozenRun.js'
import { inputsManifest, secretManifest, validatedJob, indexedJob } from './indexedJob.js'
import { inputData } from './podInputs.js'
import { kube, unreachable } from './kubeClient.js'
import { unpackPodLog } from './podLog.js'

const INDEX = 'batch.kubernetes.io/job-completion-index'

async function pods(job: ClusterJob, submission: Submission) {
  const { k8s, kc } = await kube(job.kubernetes?.context)
  const [namespace, name] = submission.schedulerId.split('/')
  const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })
  return list.items.map((pod) => {
    const j = Number(pod.metadata?.annotations?.[INDEX] ?? pod.metadata?.labels?.[INDEX])
    return { pod, index: submission.indices[j] ?? -1, namespace }
  })
}

export const kubernetesBackend: ClusterBackend = {
  // nodeSelector is the pod template's, one for every index
  platformPerSubmission: true,

  async submit(job, indices) {
    const manifest = validatedJob(indexedJob(job, indices, job.submissions.length))
    const { k8s, kc } = await kube(job.kubernetes?.context)
    const namespace = job.kubernetes!.namespace
    try {
      const created = await kc.makeApiClient(k8s.BatchV1Api).createNamespacedJob({ namespace, body: manifest as never })
      // the pods wait for the Secret their env names and the ConfigMap of their inputs; owned by the Job, they go when it is deleted
      const owner = { name: created.metadata!.name!, uid: created.metadata!.uid! }
      const values = readSecrets(jobPaths(job.dir).secrets)
      if (Object.keys(values).length) {
        const body = secretManifest(job, job.submissions.length, values, owner)
        await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({ namespace, body: body as never })
      }
      const inputs = job.kubernetes?.inputs
      if (inputs?.length) {
        const body = inputsManifest(job, job.submissions.length, inputData(inputs, jobPaths(job.dir).podInputs), owner)
        await kc.makeApiClient(k8s.CoreV1Api).createNamespacedConfigMap({ namespace, body: body as never })
      }
      return { schedulerId: `${namespace}/${created.metadata?.name}`, indices, submittedAt: new Date().toISOString() }
    } catch (e) {
      throw unreachable(`the Kubernetes API server refused or did not answer the Job: ${(e as Error).message}`, e)
    }
  },

  async status(job, submission) {
    const seen = new Map<number, TaskState>()
    for (const { pod, index } of await pods(job, submission)) {
      const phase = pod.status?.phase ?? 'Unknown'
      const state: TaskState = {
        index,
        phase: phase === 'Pending' ? 'pending' : phase === 'Running' ? 'running' : 'ended',
        state: phase.toUpperCase(),
        node: pod.spec?.nodeName,
        end: {
          state: phase === 'Failed' ? (pod.status?.reason === 'DeadlineExceeded' ? 'TIMEOUT' : 'FAILED') : phase.toUpperCase(),
          node: pod.spec?.nodeName,
          reason: pod.status?.reason,
        },
      }
      // a retried pod of one index: the newest says
      seen.set(index, state)
    }
    return submission.indices.map((index) => seen.get(index) ?? { index, phase: 'pending', state: 'PENDING' })
  },

  async cancel(job, submission) {
    for (const s of await kubernetesBackend.status(job, submission)) if (s.phase === 'running') await kubernetesBackend.collect(job, submission, s.index)
    const { k8s, kc } = await kube(job.kubernetes?.context)
    const [namespace, name] = submission.schedulerId.split('/')
    await kc.makeApiClient(k8s.BatchV1Api).deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' })
  },

  async collect(job, submission, index) {
    const dir = jobPaths(job.dir).task(submission.schedulerId, index)
    const found = (await pods(job, submission)).filter((p) => p.index === index).at(-1)
    if (found?.pod.metadata?.name) {
      const { k8s, kc } = await kube(job.kubernetes?.context)
      const log = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPodLog({ name: found.pod.metadata.name, namespace: found.namespace, container: 'point' })
      unpackPodLog(log, dir, (node) => jobPaths(job.dir).host(node))
    }
    return dir
  },
}
