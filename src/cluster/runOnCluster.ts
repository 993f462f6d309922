// `cmc run --on slurm|kubernetes`: the cluster flags as data (declared once,
// spread into `cmc run`'s flags), what they become, and the submit-then-follow
// that `cmc run` does with them.
import type { CommandIo } from '../cli/io.js'
import type { FlagSpec } from '../cli/spec.js'
import { CmcError } from '../errors.js'
import type { PlatformMatrix } from '../pipeline/platformMatrix.js'
import type { RunOptions } from '../pipeline/runBenchmark.js'
import { openStore } from '../store/store.js'
import { waitJob } from './followJob.js'
import { progressSink } from './jobProgress.js'
import type { BackendName } from './jobs.js'
import { submitSweep, type Submitted } from './submitSweep.js'

export const CLUSTER_RUN_FLAGS = {
  on: {
    kind: 'string',
    options: ['slurm', 'kubernetes'],
    description: 'run the sweep on a cluster: one Slurm array job, or one Kubernetes Indexed Job, each task one point',
  },
  partition: { kind: 'string', description: "Slurm partition (default: the cluster's default one)" },
  time: { kind: 'string', description: "Slurm time limit per task, in Slurm's words (30, 1:00:00, 1-0)" },
  'gpus-per-task': { kind: 'string', description: 'Slurm --gpus-per-task ([type:]N); on Kubernetes, GPUs per pod' },
  gres: { kind: 'string', description: 'Slurm --gres, e.g. gpu:a100:1' },
  'cpus-per-task': { kind: 'integer', min: 1, description: 'Slurm --cpus-per-task; on Kubernetes, the CPU request per pod' },
  'max-parallel': { kind: 'integer', min: 1, description: 'tasks running at once (Slurm --array=...%M, Kubernetes parallelism)' },
  'sbatch-arg': { kind: 'string', multiple: true, description: 'any other sbatch option, e.g. --sbatch-arg=--account=proj (repeatable)' },
  registry: {
    kind: 'string',
    description: 'registry HOST:PORT[/namespace] the nodes pull the image from (default for Slurm: an image archive in the job folder)',
  },
  'job-dir': { kind: 'string', description: 'folder shared with the nodes where job folders go (default: <store>/jobs)' },
  namespace: { kind: 'string', description: "Kubernetes namespace (default: the kubeconfig context's)" },
  'dry-run': { kind: 'boolean', description: 'print the batch script (or the Job) and submit nothing' },
  detach: { kind: 'boolean', description: 'submit and return; `cmc jobs wait ID` imports the records later' },
} as const satisfies Record<string, FlagSpec>

type ClusterFlags = {
  partition?: string
  time?: string
  'gpus-per-task'?: string
  gres?: string
  'cpus-per-task'?: number
  'max-parallel'?: number
  'sbatch-arg'?: string[]
  registry?: string
  'job-dir'?: string
  namespace?: string
  'dry-run'?: boolean
  detach?: boolean
}

/** A local run given cluster flags: said, rather than silently run here. */
export function refuseClusterFlags<T>(options: T, flags: ClusterFlags): T {
  const given = (Object.keys(CLUSTER_RUN_FLAGS) as Array<keyof ClusterFlags>).filter((k) => k in flags && flags[k] !== undefined && flags[k] !== false)
  if (given.length)
    throw new CmcError('CLUSTER_FLAG', `--${given[0]} is for a cluster run, and there is no --on`, {
      hint: `add --on slurm (or --on kubernetes) to run the sweep on a cluster, or drop --${given.join(', --')}`,
    })
  return options
}

/** Submits the sweep and, unless told not to, follows it until every point has its record. */
export async function runOnCluster(
  options: RunOptions & { platforms?: string[] },
  on: BackendName,
  flags: ClusterFlags,
  io: CommandIo,
): Promise<PlatformMatrix | Submitted> {
  const platforms = [...new Set(options.platforms ?? [])]
  if (platforms.length > 1)
    throw new CmcError('CLUSTER_FLAG', `--on ${on} runs one platform per job; ${platforms.length} were given`, {
      hint: `submit one job per platform: ${platforms.map((p) => `-p ${p}`).join(', then ')}`,
    })
  if (on === 'slurm' && flags.namespace) throw new CmcError('CLUSTER_FLAG', '--namespace is for --on kubernetes', { hint: 'Slurm takes --partition' })
  if (on === 'kubernetes' && (flags.partition || flags.time || flags.gres || flags['sbatch-arg']?.length))
    throw new CmcError('CLUSTER_FLAG', '--partition, --time, --gres and --sbatch-arg are for --on slurm', {
      hint: 'Kubernetes takes --namespace, --gpus-per-task, --cpus-per-task and --max-parallel',
    })
  const submitted = await submitSweep({
    ...options,
    platform: platforms[0] ?? options.platform,
    on,
    slurm: {
      partition: flags.partition,
      time: flags.time,
      cpusPerTask: flags['cpus-per-task'],
      gpusPerTask: flags['gpus-per-task'],
      gres: flags.gres,
      maxParallel: flags['max-parallel'],
      sbatchArgs: flags['sbatch-arg'],
    },
    kubernetes: {
      namespace: flags.namespace,
      parallelism: flags['max-parallel'],
      cpus: flags['cpus-per-task'],
      gpus: flags['gpus-per-task'] ? { resource: 'nvidia.com/gpu', count: Number(flags['gpus-per-task'].split(':').at(-1)) || 1 } : undefined,
    },
    registry: flags.registry,
    jobDir: flags['job-dir'],
    dryRun: flags['dry-run'],
  })
  if (submitted.dryRun) {
    if (!io.json) io.log(submitted.script)
    return submitted
  }
  const { job } = submitted
  if (flags.detach) {
    if (!io.json)
      io.log(`${job.id}: ${job.backend} job ${job.submissions[0].schedulerId} with ${job.points.length} points; follow it with \`cmc jobs wait ${job.id}\``)
    return submitted
  }
  const store = await openStore({ path: options.storePath })
  const events = progressSink(io)
  const records = await waitJob(store, job, { events, signal: options.signal })
  events.end()
  if (options.signal?.aborted)
    io.warn(`stopped following ${job.id}; it goes on running: \`cmc jobs wait ${job.id}\` imports its records, \`cmc jobs cancel ${job.id}\` stops it`)
  return { records, failed: [] }
}
