// `cmc exp compare`: two groups of runs, per metric, with a verdict.
import { defineCommand } from '../../cli/command.js'
import { perFlag, readStoreSpec } from '../../cli/spec.js'
import { comparisonTable } from '../../cli/compareTable.js'
import { parseNoiseBand } from '../../store/compare.js'
import { openRecordStore } from '../../store/storeApi.js'

export default defineCommand({
  summary: 'Compare two groups of runs: geometric means, ratio, 95% interval and a verdict per metric',
  description:
    "A and B are record ids or queries. The ratio B/A and its 95% interval come from Welch's t-test on the logs of the samples; the columns A GEOMEAN and B GEOMEAN are the geometric means it divides (--json has the medians too). Verdict: improved/regressed when p < 0.05 and the ratio's interval lies outside the noise band (default ±2%); otherwise no change; inconclusive when a side has a single sample. A side mixing benchmarks, params or limits, different images on one platform, different hosts, emulated against native runs and sides with no metric in common are refused unless allowed. Where a side holds published MLPerf results (source = mlperf), the LoadGen headline result is compared: both sides must share scenario, mode, metric and unit, hosts and images are not compared, and a side holds one published result (one system in one round: results of several are not repeats) unless compared --per accelerator (each system's result divided by its accelerator count is a sample) or --allow-mixed.",
  examples: [
    `<%= config.bin %> exp compare 'benchmark = stream and platform = x86_64' 'benchmark = stream and platform = arm64'`,
    `<%= config.bin %> exp compare 'benchmark = stream and params.threads = 1' 'benchmark = stream and params.threads = 4'`,
    `<%= config.bin %> exp compare 'not source = mlperf and scenario = Offline' 'source = mlperf and benchmark = resnet50 and scenario = Offline and accelerator ~ H100' --per accelerator`,
    '<%= config.bin %> exp compare 20261124T101500123Z-1a2b3c4d 20261124T111500456Z-5e6f7a8b',
  ],
  args: [
    { name: 'a', required: true, description: 'baseline: id or query' },
    { name: 'b', required: true, description: 'candidate: id or query' },
  ],
  flags: {
    'noise-band': {
      kind: 'string',
      description: 'relative change treated as noise: a fraction of at least 0 and below 1 (default 0.02, ±2%)',
      default: '0.02',
    },
    'allow-mixed': {
      kind: 'boolean',
      description: 'pool runs of different benchmarks, params or limits on one side, or published results of different systems or rounds',
    },
    'allow-different-images': { kind: 'boolean', description: 'compare runs of different images on one platform' },
    'allow-different-hosts': { kind: 'boolean', description: 'compare runs from different hosts' },
    per: perFlag,
    'allow-emulated': { kind: 'boolean', description: 'give a verdict between an emulated run (another architecture under qemu) and a native one' },
    store: readStoreSpec,
  },
  async action({ args, flags }, io) {
    const noiseBand = parseNoiseBand(flags['noise-band'])
    const store = await openRecordStore(flags.store, { events: io.events })
    const comparison = await store.compare(
      args.a,
      args.b,
      {
        noiseBand,
        allowMixed: flags['allow-mixed'],
        allowDifferentImages: flags['allow-different-images'],
        allowDifferentHosts: flags['allow-different-hosts'],
        ...(flags.per === 'accelerator' ? { per: 'accelerator' as const } : {}),
        allowEmulated: flags['allow-emulated'],
      },
      io.events,
    )
    if (!io.json) {
      const { a, b, differences, metrics, warnings } = comparison
      io.log(`A: ${a.ids.length} run(s) on ${a.platforms.join(',')}   B: ${b.ids.length} run(s) on ${b.platforms.join(',')}`)
      for (const d of differences) io.log(`A and B differ in ${d.field}: ${d.a.join(', ')} vs ${d.b.join(', ')}`)
      io.log(comparisonTable(metrics))
      for (const w of warnings) io.warn(w)
    }
    return comparison
  },
})
