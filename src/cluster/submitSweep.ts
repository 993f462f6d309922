// `cmc run BENCH --on slurm|kubernetes`: the sweep resolved and its image
// built once, here; every check that can be made before submitting made
// (the scheduler answers, the partition and its GPUs, the registry, a job
// folder the nodes share); the image sent to where the nodes get it (a
// registry, or an archive in the job folder); each point written as the
// container it runs; then one array job for the whole sweep.
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CmcError } from '../errors.js'
import { makeOutputFolder } from '../files.js'
import type { EventSink } from '../events.js'
import { containerCreateOptions } from '../engine/run.js'
import { saveImages } from '../engine/share.js'
import { containerSpec, prepareRun, type RunContext, type RunOptions } from '../pipeline/runBenchmark.js'
import { pushBuilt, pushedRefOf } from '../pipeline/shareImage.js'
import { paramLabel, renderCommand, type ParamValue } from '../pipeline/sweep.js'
import { backendFor, submitPoints } from './backend.js'
import { nodeContainer } from './dockerRunArgs.js'
import { freezeRun, saveSecrets } from './frozenRun.js'
import { newJobId, saveJob, platformsOf, type BackendName, type ClusterJob, type JobPlatform, type KubernetesOptions, type SlurmOptions } from './jobs.js'
import { podInputs, snapshotInputs, type PodInput } from './kubernetes/podInputs.js'
import { jobPaths } from './taskFiles.js'
import { renderPointFile, type ImageSource } from './taskScript.js'

export interface ClusterRunOptions extends RunOptions {
  on: BackendName
  slurm?: Omit<SlurmOptions, 'partition'> & { partition?: string }
  kubernetes?: Omit<KubernetesOptions, 'namespace'> & { namespace?: string }
  /** Where the nodes pull the image from (HOST:PORT[/namespace]); else an archive in the job folder. */
  registry?: string
  /** The shared folder job folders go in (default: <store>/jobs). */
  jobDir?: string
  /** Print what would be submitted; submit nothing. */
  dryRun?: boolean
  /** Every platform the job runs (`-p` repeated); none: `platform`, or this host's. */
  platforms?: string[]
}

export interface Submitted {
  job: ClusterJob
  /** The batch script (Slurm) or Job manifest (Kubernetes) as submitted, or as it would be with --dry-run. */
  script: string
  dryRun: boolean
}

export async function submitSweep(opts: ClusterRunOptions): Promise<Submitted> {
  const events = opts.events ?? (() => {})
  // a folder that cannot be made is said before anything is built or asked
  if (opts.jobDir) makeOutputFolder(path.resolve(opts.jobDir), '--job-dir')
  // the scheduler is asked while the plan resolves and the image is checked: a refusal ends both
  const checked = schedulerTarget(opts).then(async (target) => {
    // a dry run for Kubernetes asks no server anything
    if (opts.registry && !(opts.dryRun && opts.on === 'kubernetes')) await (await import('./slurm/slurmChecks.js')).checkRegistry(opts.registry, target.slurm)
    return target
  })
  const prepared = preparePlatforms(opts)
  prepared.catch(() => {}) // a scheduler refusal is the error to report
  const target = await checked
  const platforms = await prepared
  const { run } = platforms[0]
  const id = newJobId()
  const dir = path.join(path.resolve(opts.jobDir ?? path.join(run.store.root, 'jobs')), id)
  mkdirSync(dir, { recursive: true })
  try {
    if (target.slurm) (await import('./slurm/slurmChecks.js')).checkShared(dir, target.slurm, { code: 'JOB_DIR_NOT_SHARED', flag: '--job-dir' })
    const shipped: JobPlatform[] = []
    for (const p of platforms)
      shipped.push({ run: freezeRun(p.run), image: opts.dryRun ? await dryRunImage(p.run, opts) : await shipImage(p.run, opts, dir, events) })
    const job: ClusterJob = {
      format: 1,
      id,
      backend: opts.on,
      createdAt: new Date().toISOString(),
      cluster: target.cluster,
      partition: target.partition,
      dir,
      image: shipped[0].image,
      run: shipped[0].run,
      morePlatforms: shipped.length > 1 ? shipped.slice(1) : undefined,
      // platform after platform: task k is point k of the first platform's sweep, then of the next
      points: platforms.flatMap((p, j) =>
        p.points.map((params) => ({ params, command: renderCommand(p.run.benchmark.command, params), ...(j ? { platform: j } : {}) })),
      ),
      submissions: [],
      results: {},
      slurm: opts.on === 'slurm' ? { ...opts.slurm, partition: target.partition } : undefined,
      kubernetes: opts.on === 'kubernetes' ? { ...opts.kubernetes, namespace: target.partition, ...podInputsOf(run) } : undefined,
    }
    writePoints(
      job,
      platforms.map((p) => p.run),
    )
    if (!opts.dryRun) saveSecrets(run, jobPaths(dir).secrets)
    if (!opts.dryRun && job.kubernetes?.inputs) snapshotInputs(job.kubernetes.inputs, jobPaths(dir).podInputs)
    const indices = job.points.map((_, k) => k)
    const script = await describeSubmission(job, indices)
    if (opts.dryRun) {
      rmSync(dir, { recursive: true, force: true })
      return { job, script, dryRun: true }
    }
    saveJob(run.store, job)
    const backend = await backendFor(job)
    await submitPoints(backend, job, indices, events)
    saveJob(run.store, job)
    const ids = job.submissions.map((s) => s.schedulerId).join(', ')
    events({ type: 'log', level: 'info', message: `submitted ${job.id}: ${job.backend} job ${ids}, ${job.points.length} points` })
    return { job, script, dryRun: false }
  } catch (e) {
    // nothing was submitted: no job to follow, no folder to keep
    if (!existsSync(path.join(run.store.root, 'jobs', `${id}.json`))) rmSync(dir, { recursive: true, force: true })
    else rmSync(path.join(run.store.root, 'jobs', `${id}.json`), { force: true })
    throw e
  }
}

/**
 * Each platform asked for, resolved and its image built (or found up to
 * date) here, one after another: a platform that cannot be prepared refuses
 * the whole job before anything is submitted, since a job that silently runs
 * fewer platforms than asked for reads as a complete matrix.
 */
async function preparePlatforms(opts: ClusterRunOptions): Promise<Array<{ run: RunContext; points: Array<Record<string, ParamValue>> }>> {
  const names = opts.platforms?.length ? [...new Set(opts.platforms)] : [opts.platform]
  const prepared: Array<{ run: RunContext; points: Array<Record<string, ParamValue>> }> = []
  for (const platform of names) {
    const p = await prepareRun({ ...opts, platform, elsewhere: true })
    if (opts.on === 'kubernetes') podInputs(p.run.benchmark)
    prepared.push(p)
  }
  return prepared
}

/** The inputs a Kubernetes job's pods mount (none: nothing to say). */
function podInputsOf(run: RunContext): { inputs?: PodInput[] } {
  const inputs = podInputs(run.benchmark)
  return inputs.length ? { inputs } : {}
}

interface Target {
  cluster: string
  partition: string
  slurm?: import('./slurm/slurmChecks.js').SlurmTarget
}

/** The scheduler's side: the cluster, the partition (or namespace), what can be refused before submitting. */
async function schedulerTarget(opts: ClusterRunOptions): Promise<Target> {
  if (opts.on === 'slurm') {
    const { slurmTarget } = await import('./slurm/slurmChecks.js')
    const t = await slurmTarget({ partition: opts.slurm?.partition, gpusPerTask: opts.slurm?.gpusPerTask, gres: opts.slurm?.gres })
    return { cluster: t.cluster, partition: t.partition, slurm: t }
  }
  const { kubernetesTarget } = await import('./kubernetes/kubernetesTarget.js')
  if (!opts.registry)
    throw new CmcError('CLUSTER_FLAG', '--on kubernetes needs --registry: pods get their image from a registry', {
      hint: 'push the image where the cluster pulls from: --registry HOST:PORT[/namespace]',
    })
  return kubernetesTarget(opts.kubernetes ?? {}, Boolean(opts.dryRun))
}

/** The image as a dry run names it: what the nodes would be told to get (the reference a push would give it), nothing sent. */
async function dryRunImage(run: RunContext, opts: ClusterRunOptions): Promise<ImageSource> {
  if (opts.registry) return { via: 'registry', ref: await pushedRefOf(run.image.ref, run.plan.platform.name, opts.registry) }
  return { via: 'archive', ref: run.image.id, archive: '<job folder>/../images/<image>.tar' }
}

/** The image where the nodes get it: pushed to the registry, else saved once per image beside the job folders. */
async function shipImage(run: RunContext, opts: ClusterRunOptions, dir: string, events: EventSink): Promise<ImageSource> {
  if (opts.registry) {
    events({ type: 'phase', name: `push ${run.image.ref} to ${opts.registry}`, status: 'started' })
    const pushed = await pushBuilt(run.image.ref, run.plan.platform.name, opts.registry, events)
    return { via: 'registry', ref: pushed.pushed[0].ref }
  }
  const archive = path.join(path.dirname(dir), 'images', `${run.image.id.replace(/^sha256:/, '').slice(0, 24)}.tar`)
  if (!existsSync(archive)) {
    events({ type: 'phase', name: `save ${run.image.ref} into ${path.dirname(archive)} for the nodes`, status: 'started' })
    mkdirSync(path.dirname(archive), { recursive: true })
    const tmp = `${archive}.${process.pid}.tmp`
    try {
      await pipeline(await saveImages([run.image.ref]), createWriteStream(tmp))
      renameSync(tmp, archive)
    } catch (e) {
      rmSync(tmp, { force: true })
      throw e
    }
  }
  return { via: 'archive', ref: run.image.id, archive }
}

/** points/<k>.sh: each point's container, exactly as a local run would create it, and the image it runs in. */
function writePoints(job: ClusterJob, runs: RunContext[]): void {
  const paths = jobPaths(job.dir)
  mkdirSync(paths.pointsDir, { recursive: true })
  const platforms = platformsOf(job)
  job.points.forEach((p, k) => {
    const run = runs[p.platform ?? 0]
    const { image } = platforms[p.platform ?? 0]
    const create = containerCreateOptions(containerSpec(run, { id: `${job.id}-${k}`, command: p.command }))
    const file = renderPointFile({
      index: k,
      label: `${paramLabel(p.params)} on ${run.plan.platform.name}`,
      container: nodeContainer(create, run.benchmark.outputs.dir, { 'cmc.job': job.id }),
      image,
      dockerPlatform: run.plan.platform.dockerPlatform,
      attempts: run.warmup + run.repeat,
      timeoutS: Math.ceil(run.timeoutMs / 1000),
    })
    // env may hold secrets: readable by the submitting user (the tasks run as them)
    writeFileSync(paths.point(k), file, { mode: 0o600 })
  })
}

async function describeSubmission(job: ClusterJob, indices: number[]): Promise<string> {
  if (job.backend === 'slurm') return (await import('./slurm/slurmBackend.js')).batchScript(job, indices)
  return (await import('./kubernetes/indexedJob.js')).describeIndexedJob(job, indices)
}
