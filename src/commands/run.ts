// `cmc run`: a benchmark's sweep, each point in fresh containers, each run a record.
import { defineCommand } from '../cli/command.js'
import { parseEnvFiles, parseEnvFlags, parseKeyValues } from '../cli/parseEnvFlags.js'
import { parseCpus, parseSize } from '../cli/parseLimits.js'
import { platformSpec, repoSpec, storeSpec } from '../cli/spec.js'
import { formatNumber, formatTable } from '../cli/table.js'
import { CmcError } from '../errors.js'
import { matrixFailure, runPlatforms } from '../pipeline/platformMatrix.js'
import type { ExperimentRecord } from '../store/record.js'
import { CLUSTER_RUN_FLAGS, refuseClusterFlags } from '../cluster/runFlags.js'
import type { Submitted } from '../cluster/submitSweep.js'

export default defineCommand({
  summary: 'Run a benchmark in its container and record the results',
  description:
    'Builds the image when needed, expands --set sweeps (each point is one record), runs warm-ups and repeats in fresh containers, collects outputs safely and writes records to the experiment store. Exit codes: 0 all ok, 3 the engine stopped answering and did not come back (--engine-wait), 5 a benchmark failed, 6 devices cannot be passed through, 124 timeout, 130 interrupted.',
  examples: [
    '<%= config.bin %> run stream --set threads=1,2',
    '<%= config.bin %> run resnet18-torch --set batch=1,8,32 --repeat 5',
    '<%= config.bin %> run cuda-stream --platform cuda --gpus device=0',
    '<%= config.bin %> run stream --platform arm64 --timeout 600 --json',
    '<%= config.bin %> run stream -p x86_64 -p arm64 --set threads=1,2',
    '<%= config.bin %> run stream --set threads=1,2,4,8 --on slurm --partition debug --max-parallel 4',
  ],
  args: [{ name: 'benchmark', required: true, description: 'benchmark alias or uid' }],
  flags: {
    platform: { ...platformSpec, multiple: true, description: `${platformSpec.description}; repeat it for a platform matrix (each platform's sweep in turn)` },
    set: { kind: 'string', char: 's', multiple: true, description: 'param=value or param=v1,v2,v3 (a sweep); repeatable' },
    repeat: { kind: 'integer', description: "measured repeats per point (default: the benchmark's)", min: 1 },
    warmup: { kind: 'integer', description: 'unmeasured warm-up runs per point', min: 0 },
    gpus: { kind: 'string', description: 'NVIDIA GPUs: all | N | device=0,1' },
    cdi: { kind: 'string', multiple: true, description: 'CDI device name, e.g. nvidia.com/gpu=all' },
    device: { kind: 'string', multiple: true, description: 'host device path[:container path[:perms]]' },
    cpus: { kind: 'string', description: 'CPU limit, e.g. 1.5' },
    memory: { kind: 'string', description: 'memory limit, e.g. 2g' },
    timeout: { kind: 'integer', description: 'seconds per container run', min: 1 },
    'engine-wait': {
      kind: 'integer',
      min: 1,
      description: 'seconds to wait for an engine that stops answering mid-run before the point is recorded failed and cmc exits 3 (default 120)',
    },
    env: { kind: 'string', char: 'e', multiple: true, description: 'KEY=VALUE env for the benchmark' },
    'env-from': {
      kind: 'string',
      multiple: true,
      description: 'file of KEY=VALUE lines (the format of docker run --env-file, which names a Node option), e.g. for secrets; --env wins',
    },
    tag: { kind: 'string', multiple: true, description: 'tag stored on the records; repeatable, or a,b for two' },
    builder: {
      kind: 'string',
      options: ['auto', 'buildkit', 'classic'],
      default: 'auto',
      description: 'image builder when the image must be built; auto: BuildKit, classic where the engine has none (Podman)',
    },
    store: storeSpec,
    repo: repoSpec,
    ...CLUSTER_RUN_FLAGS,
  },
  async action({ args, flags }, io): Promise<ExperimentRecord[] | Submitted> {
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    process.once('SIGTERM', () => ac.abort())
    const options = {
      target: args.benchmark,
      platforms: flags.platform,
      sets: parseKeyValues(flags.set, 'set'),
      repeat: flags.repeat,
      warmup: flags.warmup,
      gpus: flags.gpus,
      cdi: flags.cdi,
      devices: flags.device,
      cpus: flags.cpus === undefined ? undefined : parseCpus(flags.cpus),
      memoryBytes: flags.memory ? parseSize(flags.memory) : undefined,
      timeoutS: flags.timeout,
      engineWaitS: flags['engine-wait'],
      env: { ...parseEnvFiles(flags['env-from']), ...parseEnvFlags(flags.env) },
      tags: parseTags(flags.tag),
      storePath: flags.store,
      extraRepos: flags.repo,
      builder: flags.builder,
      events: io.events,
      signal: ac.signal,
    }
    const matrix = flags.on
      ? await (await import('../cluster/runOnCluster.js')).runOnCluster(options, flags.on, flags, io)
      : await runPlatforms(refuseClusterFlags(options, flags))
    // a dry run, or a job left to run (--detach): the job, nothing recorded yet
    if ('job' in matrix) return matrix
    const { records } = matrix
    if (!io.json) io.log(formatTable(recordRows(records), ['id', 'platform', 'params', 'status', 'metrics'], { maxWidth: 100 }))
    const failure = runFailure(records, ac.signal.aborted) ?? matrixFailure(matrix)
    if (failure) throw failure
    return records
  },
})

function recordRows(records: ExperimentRecord[], maxMetrics = 4) {
  return records.map((r) => {
    const metrics = Object.entries(r.metrics)
      .slice(0, maxMetrics)
      .map(([k, s]) => `${k}=${formatNumber(s.median)}${s.unit ? ` ${s.unit}` : ''}`)
      .join('  ')
    return {
      id: r.id,
      platform: r.platform,
      params: Object.entries(r.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      status: r.status,
      metrics,
    }
  })
}

/**
 * The error a sweep ends with: the worst of its runs (aborted, then timeout, then failed), or an
 * interruption. It carries every record, so that with --json the error is the one document and
 * still holds what was recorded.
 */
function runFailure(records: ExperimentRecord[], interrupted: boolean): CmcError | undefined {
  const worst = records.find((r) => r.status === 'aborted') ?? records.find((r) => r.status === 'timeout') ?? records.find((r) => r.status === 'failed')
  if (!interrupted && !worst) return undefined
  const code = interrupted || worst?.status === 'aborted' ? 'ABORTED' : worst!.status === 'timeout' ? 'TIMEOUT' : 'BENCHMARK_FAILED'
  return new CmcError(code, `${worst ? `${worst.benchmark.alias} ${worst.status}: ${worst.reason ?? ''}` : 'interrupted'}`.trim(), {
    hint: worst ? `see the logs: cmc exp show ${worst.id}` : undefined,
    data: { records },
  })
}

/** --tag a,b is two tags, as --tag a --tag b: a comma is never part of a tag, and an empty one is refused. */
function parseTags(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined
  const tags = values.flatMap((v) => v.split(',').map((t) => t.trim()))
  if (tags.some((t) => !t))
    throw new CmcError('FLAG_VALUE', `--tag ${values.join(' --tag ')}: a tag is empty`, { hint: 'give tags as --tag a --tag b or --tag a,b' })
  return [...new Set(tags)]
}
