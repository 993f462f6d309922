// Submitted cluster jobs, as the submitting side keeps them: one JSON file per
// job under <store>/jobs/, written only by the submitter (`cmc run --on`,
// `cmc jobs wait|cancel|retry`), replaced whole (stage, then rename). Nodes
// never write here: their tasks write into the job folder (taskFiles.ts), and
// each finished task becomes a record through the store's own commit.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { replaceFile } from '../files.js'
import { nearest } from '../meta/nearest.js'
import type { ParamValue } from '../pipeline/sweep.js'
import type { RunStatus } from '../store/record.js'
import type { Store } from '../store/store.js'
import type { FrozenRun } from './frozenRun.js'
import type { PodInput } from './kubernetes/podInputs.js'
import type { ImageSource } from './taskScript.js'

/** Slurm's own flags, as `cmc run --on slurm` was given them. */
export interface SlurmOptions {
  partition: string
  time?: string
  cpusPerTask?: number
  gpusPerTask?: string
  gres?: string
  /** The %M of --array: how many tasks run at once. */
  maxParallel?: number
  sbatchArgs?: string[]
}

export interface KubernetesOptions {
  namespace: string
  context?: string
  parallelism?: number
  /** nvidia.com/gpu or amd.com/gpu per pod */
  gpus?: { resource: string; count: number }
  cpus?: number
  /** The benchmark's inputs as the pods mount them, file by file (their data: the job folder's podInputs snapshot). */
  inputs?: PodInput[]
}

export type BackendName = 'slurm' | 'kubernetes'

/** One platform of a job: its run as prepared and its image as the nodes get it. */
export interface JobPlatform {
  run: FrozenRun
  image: ImageSource
}

/** A task's point: its params and command, and the platform it runs on (its index in platformsOf; absent: the first). */
export interface JobPoint {
  params: Record<string, ParamValue>
  command: string
  platform?: number
}

/** One sbatch (or one Kubernetes Job): the points it runs, by sweep index. */
export interface Submission {
  /** The scheduler's id: Slurm's array job id, Kubernetes' namespace/name. */
  schedulerId: string
  indices: number[]
  submittedAt: string
  cancelled?: boolean
}

/** What became of a point: the record made from its latest task. */
export interface PointResult {
  record: string
  status: RunStatus
  schedulerId: string
  node?: string
}

export interface ClusterJob {
  format: 1
  id: string
  backend: BackendName
  createdAt: string
  /** The cluster's name (Slurm's ClusterName, the kubeconfig context). */
  cluster: string
  /** Slurm's partition, Kubernetes' namespace. */
  partition?: string
  /** The job folder the tasks write into (shared with the nodes; for Kubernetes, where pod logs are unpacked). */
  dir: string
  /** The image as the nodes get it (of the first platform, when there are several). */
  image: ImageSource
  /** How each submission asks the scheduler for resources. */
  slurm?: SlurmOptions
  kubernetes?: KubernetesOptions
  /** The run as prepared (of the first platform, when there are several). */
  run: FrozenRun
  /** The platforms after the first (`-p` given more than once): each its own run and image. */
  morePlatforms?: JobPlatform[]
  /** Task k runs points[k]: the sweep's points, platform after platform. */
  points: JobPoint[]
  submissions: Submission[]
  results: Record<number, PointResult>
}

export function newJobId(date = new Date()): string {
  const ts = date.toISOString().replace(/[-:]/g, '').slice(0, 15)
  return `j${ts}-${randomBytes(3).toString('hex')}`
}

const jobsDir = (store: Store) => path.join(store.root, 'jobs')
const jobFile = (store: Store, id: string) => path.join(jobsDir(store), `${id}.json`)

export function saveJob(store: Store, job: ClusterJob): void {
  mkdirSync(jobsDir(store), { recursive: true })
  replaceFile(jobFile(store, job.id), JSON.stringify(job, null, 2) + '\n', { durable: true })
}

/** Every job of the store, newest first. */
export function listJobs(store: Store): ClusterJob[] {
  if (!existsSync(jobsDir(store))) return []
  const ids = readdirSync(jobsDir(store))
    .filter((f) => /^j[\w-]+\.json$/.test(f))
    .map((f) => f.slice(0, -5))
    .sort()
    .reverse()
  return ids.map((id) => loadJob(store, id))
}

/** A job by its id, or a unique prefix of it, or the scheduler's id of one of its submissions. */
export function findJob(store: Store, id: string): ClusterJob {
  if (existsSync(jobFile(store, id))) return loadJob(store, id)
  const all = listJobs(store)
  const hits = all.filter((j) => j.id.startsWith(id) || j.submissions.some((s) => s.schedulerId === id))
  if (hits.length === 1) return hits[0]
  const near = nearest(
    id,
    all.map((j) => j.id),
    1,
  )
  throw new CmcError('JOB_NOT_FOUND', hits.length ? `${id} matches ${hits.length} jobs` : `no cluster job ${id} in ${store.root}`, {
    hint: near.length ? `did you mean ${near[0]}? (\`cmc jobs\` lists them)` : '`cmc jobs` lists the submitted jobs',
  })
}

function loadJob(store: Store, id: string): ClusterJob {
  const file = jobFile(store, id)
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterJob
  } catch (e) {
    throw new CmcError('RECORD_CORRUPT', `${file} cannot be read: ${(e as Error).message}`, { where: { file } })
  }
}

/** Every platform of the job, the first (`run`, `image`) first. */
export function platformsOf(job: Pick<ClusterJob, 'run' | 'image' | 'morePlatforms'>): JobPlatform[] {
  return [{ run: job.run, image: job.image }, ...(job.morePlatforms ?? [])]
}

/** The run and image of task k, and k's place in its platform's sweep. */
export function taskPlatform(job: ClusterJob, k: number): JobPlatform & { pointIndex: number; pointCount: number } {
  const p = job.points[k].platform ?? 0
  let pointIndex = 0
  let pointCount = 0
  job.points.forEach((q, j) => {
    if ((q.platform ?? 0) !== p) return
    if (j < k) pointIndex++
    pointCount++
  })
  return { ...platformsOf(job)[p], pointIndex, pointCount }
}

/** The points that have no ok record yet, in sweep order. */
export function pointsWithoutOk(job: ClusterJob): number[] {
  return job.points.map((_, k) => k).filter((k) => job.results[k]?.status !== 'ok')
}
