import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { platformFlag, repoFlag, storeFlag } from '../cli/flags.js'
import { parseEnvFlags, parseKeyValues } from '../cli/parseEnvFlags.js'
import { parseSize } from '../cli/parseSize.js'
import { formatTable, formatNumber } from '../cli/table.js'
import { CmcError } from '../errors.js'
import { runBenchmark } from '../pipeline/runBenchmark.js'
import type { ExperimentRecord } from '../store/record.js'

export function recordRows(records: ExperimentRecord[], maxMetrics = 4) {
  return records.map((r) => {
    const metrics = Object.entries(r.metrics).slice(0, maxMetrics).map(([k, s]) => `${k}=${formatNumber(s.median)}${s.unit ? ` ${s.unit}` : ''}`).join('  ')
    return { id: r.id, platform: r.platform, params: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '), status: r.status, metrics }
  })
}

export default class Run extends BaseCommand {
  static override summary = 'Run a benchmark in its container and record the results'
  static override description = 'Builds the image when needed, expands --set sweeps (each point is one record), runs warm-ups and repeats in fresh containers, collects outputs safely and writes records to the experiment store. Exit codes: 0 all ok, 5 a benchmark failed, 6 devices cannot be passed through, 124 timeout, 130 interrupted.'
  static override examples = [
    '<%= config.bin %> run stream --set threads=1,2',
    '<%= config.bin %> run resnet18-torch --set batch=1,8,32 --repeat 5',
    '<%= config.bin %> run cuda-stream --platform cuda --gpus device=0',
    '<%= config.bin %> run stream --platform arm64 --timeout 600 --json',
  ]
  static override args = { benchmark: Args.string({ required: true, description: 'benchmark alias or uid' }) }
  static override flags = {
    platform: platformFlag,
    set: Flags.string({ char: 's', multiple: true, description: 'param=value or param=v1,v2,v3 (a sweep); repeatable' }),
    repeat: Flags.integer({ description: 'measured repeats per point (default: the benchmark\'s)', min: 1 }),
    warmup: Flags.integer({ description: 'unmeasured warm-up runs per point', min: 0 }),
    gpus: Flags.string({ description: 'NVIDIA GPUs: all | N | device=0,1' }),
    cdi: Flags.string({ multiple: true, description: 'CDI device name, e.g. nvidia.com/gpu=all' }),
    device: Flags.string({ multiple: true, description: 'host device path[:container path[:perms]]' }),
    cpus: Flags.string({ description: 'CPU limit, e.g. 1.5' }),
    memory: Flags.string({ description: 'memory limit, e.g. 2g' }),
    timeout: Flags.integer({ description: 'seconds per container run' }),
    env: Flags.string({ char: 'e', multiple: true, description: 'KEY=VALUE env for the benchmark' }),
    tag: Flags.string({ multiple: true, description: 'tag stored on the records' }),
    builder: Flags.string({ options: ['auto', 'buildkit', 'classic'], default: 'auto' }),
    store: storeFlag,
    repo: repoFlag,
  }

  async run() {
    const { args, flags } = await this.parse(Run)
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    process.once('SIGTERM', () => ac.abort())
    const records = await runBenchmark({
      target: args.benchmark, platform: flags.platform, sets: parseKeyValues(flags.set, 'set'),
      repeat: flags.repeat, warmup: flags.warmup, gpus: flags.gpus, cdi: flags.cdi, devices: flags.device,
      cpus: flags.cpus ? Number(flags.cpus) : undefined, memoryBytes: flags.memory ? parseSize(flags.memory) : undefined,
      timeoutS: flags.timeout, env: parseEnvFlags(flags.env), tags: flags.tag, storePath: flags.store, extraRepos: flags.repo,
      builder: flags.builder as 'auto', events: this.events, signal: ac.signal,
    })
    if (!this.jsonEnabled()) this.log(formatTable(recordRows(records), ['id', 'platform', 'params', 'status', 'metrics'], { maxWidth: 100 }))
    const worst = records.find((r) => r.status === 'aborted') ?? records.find((r) => r.status === 'timeout') ?? records.find((r) => r.status === 'failed')
    if (ac.signal.aborted || worst) {
      const category = ac.signal.aborted || worst?.status === 'aborted' ? 'aborted' : worst!.status === 'timeout' ? 'timeout' : 'run'
      const err = new CmcError(category, category === 'run' ? 'BENCHMARK_FAILED' : category.toUpperCase(), `${worst ? `${worst.benchmark.alias} ${worst.status}: ${worst.reason ?? ''}` : 'interrupted'}`.trim(), {
        hint: worst ? `see the logs: cmc exp show ${worst.id}` : undefined,
        data: { records: records.map((r) => ({ id: r.id, status: r.status })) },
      })
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify(records, null, 2) + '\n')
      throw err
    }
    return records
  }
}
