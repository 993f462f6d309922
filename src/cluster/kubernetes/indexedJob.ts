// A sweep as one Kubernetes Indexed Job: completions = the points,
// parallelism = --max-parallel, the point chosen in the pod by
// JOB_COMPLETION_INDEX (podScript.ts), GPUs as resource limits, the node's
// architecture by kubernetes.io/arch, the image from the registry. Every Job
// is checked against the Kubernetes API schema (kubernetes-models) before it
// is printed or sent.
import { createRequire } from 'node:module'
import type Docker from 'dockerode'
import { CmcError } from '../../errors.js'
import { containerCreateOptions } from '../../engine/run.js'
import { containerSpec } from '../../pipeline/runBenchmark.js'
import type { FrozenRun } from '../frozenRun.js'
import { taskPlatform, type ClusterJob, type JobPlatform } from '../jobs.js'
import { inputData, inputVolumes } from './podInputs.js'
import { podScript } from './podScript.js'

const require = createRequire(import.meta.url)

/** The Job's name: DNS-1123, at most 63 characters, from the benchmark and cmc's job id. */
export function jobName(job: ClusterJob, submission: number): string {
  const alias = job.run.benchmark.alias
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 24)
  const id = job.id.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  return `cmc-${alias}-${id}-${submission}`.replace(/-+/g, '-').slice(0, 63).replace(/-$/, '')
}

const ARCH: Record<string, string> = { amd64: 'amd64', arm64: 'arm64', x86_64: 'amd64', aarch64: 'arm64' }

/** The Job that runs points `indices` of the job (all of them, or the ones a retry runs again). */
export function indexedJob(job: ClusterJob, indices: number[], submission = job.submissions.length): Record<string, unknown> {
  const { run, image } = onePlatform(job, indices)
  const k8s = job.kubernetes!
  const name = jobName(job, submission)
  const create = (k: number): Docker.ContainerCreateOptions =>
    containerCreateOptions(containerSpec({ ...run, opts: run.opts } as never, { id: `${job.id}-${k}`, command: job.points[k].command }))
  const first = create(indices[0])
  const script = podScript({
    points: indices.map((k) => ({ index: k, command: (create(k).Cmd as string[]) ?? [] })),
    attempts: run.warmup + run.repeat,
    timeoutS: Math.ceil(run.timeoutMs / 1000),
    outputsDir: run.benchmark.outputs.dir,
  })
  const arch = ARCH[run.plan.platform.dockerPlatform.split('/')[1] ?? ''] ?? 'amd64'
  const gpu = gpuLimit(job, run)
  const labels = { 'app.kubernetes.io/managed-by': 'cmc', 'cmc.job': job.id }
  const secrets = new Set(run.benchmark.secrets)
  const inputs = k8s.inputs?.length ? inputVolumes(k8s.inputs, inputsName(job, submission)) : undefined
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: k8s.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: indices.length,
      parallelism: Math.min(k8s.parallelism ?? indices.length, indices.length),
      // a point that fails is a result (its record says so), not something to run again
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'kubernetes.io/arch': arch },
          ...(inputs ? { volumes: inputs.volumes } : {}),
          containers: [
            {
              name: 'point',
              image: image.ref,
              command: ['sh', '-c', script],
              workingDir: first.WorkingDir || undefined,
              env: [
                ...(first.Env ?? []).map((e) => podEnv(e, secrets, secretName(job, submission))),
                { name: 'CMC_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              resources: resources(job, run, gpu),
              ...(inputs ? { volumeMounts: inputs.volumeMounts } : {}),
            },
          ],
        },
      },
    },
  }
}

/** The Secret that holds a submission's declared secrets: the Job names its keys, never their values. */
export function secretName(job: ClusterJob, submission: number): string {
  return `${jobName(job, submission)}-secrets`
}

/** A container env entry: its value, or for a declared secret a reference to the submission's Secret. */
function podEnv(entry: string, secrets: Set<string>, secret: string): Record<string, unknown> {
  const name = entry.slice(0, entry.indexOf('='))
  return secrets.has(name) ? { name, valueFrom: { secretKeyRef: { name: secret, key: name } } } : { name, value: entry.slice(entry.indexOf('=') + 1) }
}

/**
 * The Secret of a submission's secret values, owned by its Job (`owner`, once the API server gave
 * the Job a uid), so that deleting the Job deletes it; checked against the API schema.
 */
export function secretManifest(
  job: ClusterJob,
  submission: number,
  values: Record<string, string>,
  owner?: { name: string; uid: string },
): Record<string, unknown> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: ownedByJob(job, secretName(job, submission), owner),
    stringData: values,
  }
  const { Secret } = require('kubernetes-models/v1/Secret') as typeof import('kubernetes-models/v1/Secret')
  return checked(manifest, Secret, 'Secret', "a secret's name must be a valid Secret key: letters, digits, '-', '_' and '.'")
}

/** The metadata of an object a submission's Job owns (once the API server gave the Job a uid): deleting the Job deletes it. */
function ownedByJob(job: ClusterJob, name: string, owner: { name: string; uid: string } | undefined): Record<string, unknown> {
  return {
    name,
    namespace: job.kubernetes!.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'cmc', 'cmc.job': job.id },
    ...(owner ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: owner.name, uid: owner.uid }] } : {}),
  }
}

/** The ConfigMap that holds a submission's inputs (podInputs.ts). */
export function inputsName(job: ClusterJob, submission: number): string {
  return `${jobName(job, submission)}-inputs`
}

/** The ConfigMap of the job's inputs for one submission, owned by its Job like the Secret; checked against the API schema. */
export function inputsManifest(
  job: ClusterJob,
  submission: number,
  data: Record<string, string>,
  owner?: { name: string; uid: string },
): Record<string, unknown> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedByJob(job, inputsName(job, submission), owner),
    binaryData: data,
    immutable: true,
  }
  const { ConfigMap } = require('kubernetes-models/v1/ConfigMap') as typeof import('kubernetes-models/v1/ConfigMap')
  return checked(manifest, ConfigMap, 'ConfigMap', "the inputs' files become its keys: check the inputs of the benchmark's meta")
}

function gpuLimit(job: ClusterJob, run: FrozenRun): { resource: string; count: number } | undefined {
  const k8s = job.kubernetes!
  const vendor = run.plan.platform.devices.gpu
  if (k8s.gpus) return { resource: vendor === 'rocm' ? 'amd.com/gpu' : k8s.gpus.resource, count: k8s.gpus.count }
  const wants = run.devices.spec.gpus !== undefined || run.devices.spec.rocm !== undefined
  if (!wants) return undefined
  return { resource: vendor === 'rocm' ? 'amd.com/gpu' : 'nvidia.com/gpu', count: 1 }
}

function resources(job: ClusterJob, run: FrozenRun, gpu: { resource: string; count: number } | undefined): Record<string, unknown> | undefined {
  const limits: Record<string, string | number> = {}
  const requests: Record<string, string | number> = {}
  if (gpu) limits[gpu.resource] = gpu.count
  const cpus = job.kubernetes?.cpus ?? run.opts.cpus
  if (cpus) requests.cpu = String(cpus)
  if (run.opts.cpus) limits.cpu = String(run.opts.cpus)
  if (run.opts.memoryBytes) limits.memory = String(run.opts.memoryBytes)
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) }
}

/** The Job checked against the Kubernetes API schema; the first field it gets wrong is named. */
export function validatedJob(manifest: Record<string, unknown>): Record<string, unknown> {
  const { Job } = require('kubernetes-models/batch/v1/Job') as typeof import('kubernetes-models/batch/v1/Job')
  return checked(manifest, Job, 'Job', 'the field named comes from the benchmark or the flags (a name, env, a resource): change it there')
}

/** A manifest checked by its kubernetes-models class, the first field it gets wrong named as a KUBE_JOB_INVALID. */
function checked<M extends Record<string, unknown>>(manifest: M, Model: new (data: never) => { validate(): void }, kind: string, hint: string): M {
  try {
    new Model(manifest as never).validate()
  } catch (e) {
    throw new CmcError('KUBE_JOB_INVALID', `the Kubernetes ${kind} for this sweep is not valid: ${(e as Error).message}`, { hint, cause: e })
  }
  return manifest
}

/**
 * The run and image of the points a Job runs. One Job selects its nodes'
 * architecture once, in the pod template, for every completion index: a
 * sweep of several platforms is one Indexed Job per platform.
 */
function onePlatform(job: ClusterJob, indices: number[]): JobPlatform {
  const platforms = new Set(indices.map((k) => job.points[k].platform ?? 0))
  if (platforms.size !== 1) throw new Error(`one Kubernetes Job runs one platform; points ${indices.join(',')} run on ${platforms.size}`)
  return taskPlatform(job, indices[0])
}

/** The Job (one platform), or a List of one Job per platform each with its inputs' ConfigMap, as `kubectl apply -f` takes them. */
export function describeIndexedJob(job: ClusterJob, indices: number[]): string {
  const groups = new Map<number, number[]>()
  for (const k of indices) groups.set(job.points[k].platform ?? 0, [...(groups.get(job.points[k].platform ?? 0) ?? []), k])
  const inputs = job.kubernetes?.inputs?.length ? job.kubernetes.inputs : undefined
  const data = inputs && inputData(inputs)
  const items = [...groups.values()].flatMap((group, j) => {
    const submission = job.submissions.length + j
    return [...(data ? [inputsManifest(job, submission, data)] : []), validatedJob(indexedJob(job, group, submission))]
  })
  return JSON.stringify(items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items }, null, 2)
}
