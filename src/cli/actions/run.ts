// `cmc run`: the action and its flags as data (run by oclif and by the fast path).
import { CmcError } from '../../errors.js'
import { askVersionEarly } from '../../engine/endpoint.js'
import type { ExperimentRecord } from '../../store/record.js'
import type { CommandIo } from '../io.js'
import { parseEnvFlags, parseKeyValues } from '../parseEnvFlags.js'
import { parseSize } from '../parseSize.js'
import { platformSpec, repoSpec, storeSpec, type CommandSpec, type ParsedFlags } from '../spec.js'
import { formatNumber, formatTable } from '../table.js'

export const spec = {
  args: [{ name: 'benchmark', required: true, description: 'benchmark alias or uid' }],
  flags: {
    platform: platformSpec,
    set: { kind: 'string', char: 's', multiple: true, description: 'param=value or param=v1,v2,v3 (a sweep); repeatable' },
    repeat: { kind: 'integer', description: 'measured repeats per point (default: the benchmark\'s)', min: 1 },
    warmup: { kind: 'integer', description: 'unmeasured warm-up runs per point', min: 0 },
    gpus: { kind: 'string', description: 'NVIDIA GPUs: all | N | device=0,1' },
    cdi: { kind: 'string', multiple: true, description: 'CDI device name, e.g. nvidia.com/gpu=all' },
    device: { kind: 'string', multiple: true, description: 'host device path[:container path[:perms]]' },
    cpus: { kind: 'string', description: 'CPU limit, e.g. 1.5' },
    memory: { kind: 'string', description: 'memory limit, e.g. 2g' },
    timeout: { kind: 'integer', description: 'seconds per container run', min: 1 },
    env: { kind: 'string', char: 'e', multiple: true, description: 'KEY=VALUE env for the benchmark' },
    tag: { kind: 'string', multiple: true, description: 'tag stored on the records' },
    builder: { kind: 'string', options: ['auto', 'buildkit', 'classic'], default: 'auto', description: 'image builder when the image must be built' },
    store: storeSpec,
    repo: repoSpec,
  },
} satisfies CommandSpec

export function recordRows(records: ExperimentRecord[], maxMetrics = 4) {
  return records.map((r) => {
    const metrics = Object.entries(r.metrics).slice(0, maxMetrics).map(([k, s]) => `${k}=${formatNumber(s.median)}${s.unit ? ` ${s.unit}` : ''}`).join('  ')
    return { id: r.id, platform: r.platform, params: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '), status: r.status, metrics }
  })
}

interface RunFlags {
  platform?: string; set?: string[]; repeat?: number; warmup?: number; gpus?: string; cdi?: string[]; device?: string[]
  cpus?: string; memory?: string; timeout?: number; env?: string[]; tag?: string[]; builder: 'auto' | 'buildkit' | 'classic'; store?: string; repo?: string[]
}

/** --cpus as docker takes it: a positive number of CPUs, fractions allowed. */
export function parseCpus(raw: string): number {
  const n = Number(raw)
  // the engine's own floor is 0.01 CPU; below it the container would fail only at start
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0.01) throw new CmcError('input', 'FLAG_VALUE', `--cpus ${raw} is not a number of CPUs (0.01 or more)`, { hint: 'e.g. --cpus 2 or --cpus 1.5' })
  return n
}

export async function action(input: { args: Record<string, string | undefined>; flags: ParsedFlags }, io: CommandIo): Promise<ExperimentRecord[]> {
  const flags = input.flags as unknown as RunFlags
  // the engine answers /version while the pipeline's modules load
  askVersionEarly()
  const { runBenchmark } = await import('../../pipeline/runBenchmark.js')
  const ac = new AbortController()
  process.once('SIGINT', () => ac.abort())
  process.once('SIGTERM', () => ac.abort())
  const records = await runBenchmark({
    target: input.args.benchmark!, platform: flags.platform, sets: parseKeyValues(flags.set, 'set'),
    repeat: flags.repeat, warmup: flags.warmup, gpus: flags.gpus, cdi: flags.cdi, devices: flags.device,
    cpus: flags.cpus === undefined ? undefined : parseCpus(flags.cpus), memoryBytes: flags.memory ? parseSize(flags.memory) : undefined,
    timeoutS: flags.timeout, env: parseEnvFlags(flags.env), tags: flags.tag, storePath: flags.store, extraRepos: flags.repo,
    builder: flags.builder, events: io.events, signal: ac.signal,
  })
  if (!io.json) io.log(formatTable(recordRows(records), ['id', 'platform', 'params', 'status', 'metrics'], { maxWidth: 100 }))
  const worst = records.find((r) => r.status === 'aborted') ?? records.find((r) => r.status === 'timeout') ?? records.find((r) => r.status === 'failed')
  if (ac.signal.aborted || worst) {
    const category = ac.signal.aborted || worst?.status === 'aborted' ? 'aborted' : worst!.status === 'timeout' ? 'timeout' : 'run'
    const err = new CmcError(category, category === 'run' ? 'BENCHMARK_FAILED' : category.toUpperCase(), `${worst ? `${worst.benchmark.alias} ${worst.status}: ${worst.reason ?? ''}` : 'interrupted'}`.trim(), {
      hint: worst ? `see the logs: cmc exp show ${worst.id}` : undefined,
      data: { records: records.map((r) => ({ id: r.id, status: r.status })) },
    })
    if (io.json) process.stdout.write(JSON.stringify(records, null, 2) + '\n')
    throw err
  }
  return records
}
