// `cmc run --on slurm|kubernetes`: what the cluster flags (./runFlags.ts)
// become, and the submit-then-follow that `cmc run` does with them. `cmc run`
// loads this module only for --on, so a local run loads none of src/cluster.
import type { CommandIo } from '../cli/io.js'
import { CmcError } from '../errors.js'
import type { PlatformMatrix } from '../pipeline/platformMatrix.js'
import type { RunOptions } from '../pipeline/runBenchmark.js'
import { openStore } from '../store/store.js'
import { waitJob } from './followJob.js'
import { progressSink } from './jobProgress.js'
import type { BackendName } from './jobs.js'
import type { ClusterFlags } from './runFlags.js'
import { submitSweep, type Submitted } from './submitSweep.js'

/** Submits the sweep and, unless told not to, follows it until every point has its record. */
export async function runOnCluster(
  options: RunOptions & { platforms?: string[] },
  on: BackendName,
  flags: ClusterFlags,
  io: CommandIo,
): Promise<PlatformMatrix | Submitted> {
  if (on === 'slurm' && flags.namespace) throw new CmcError('CLUSTER_FLAG', '--namespace is for --on kubernetes', { hint: 'Slurm takes --partition' })
  if (on === 'kubernetes' && (flags.partition || flags.time || flags.gres || flags['sbatch-arg']?.length))
    throw new CmcError('CLUSTER_FLAG', '--partition, --time, --gres and --sbatch-arg are for --on slurm', {
      hint: 'Kubernetes takes --namespace, --gpus-per-task, --cpus-per-task and --max-parallel',
    })
  const submitted = await submitSweep({
    ...options,
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
      io.log(
        `${job.id}: ${job.backend} job ${job.submissions.map((s) => s.schedulerId).join(', ')} with ${job.points.length} points; follow it with \`cmc jobs wait ${job.id}\``,
      )
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
