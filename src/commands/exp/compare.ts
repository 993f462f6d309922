// `cmc exp compare`: two groups of runs, per metric, with a verdict.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { compareGroups } from '../../store/compare.js'
import { selectComparable } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Compare two groups of runs: medians, ratio, 95% interval and a verdict per metric',
  description:
    "A and B are record ids or queries. Verdict: improved/regressed when Welch's t-test gives p < 0.05 and the ratio's 95% interval lies outside the noise band (default ±2%); otherwise no change; inconclusive when a side has a single sample. Different images on one platform, or different hosts, are refused unless allowed.",
  examples: [
    `<%= config.bin %> exp compare 'benchmark = stream and platform = x86_64' 'benchmark = stream and platform = arm64'`,
    '<%= config.bin %> exp compare 20261124T101500123Z-1a2b3c4d 20261124T111500456Z-5e6f7a8b',
  ],
  args: [
    { name: 'a', required: true, description: 'baseline: id or query' },
    { name: 'b', required: true, description: 'candidate: id or query' },
  ],
  flags: {
    'noise-band': { kind: 'string', description: 'relative change treated as noise (default 0.02)', default: '0.02' },
    'allow-different-images': { kind: 'boolean', description: 'compare runs of different images on one platform' },
    'allow-different-hosts': { kind: 'boolean', description: 'compare runs from different hosts' },
    store: storeSpec,
  },
  async action({ args, flags }, io) {
    const store = await openStore({ path: flags.store })
    const comparison = compareGroups(selectComparable(store, args.a, io.events), selectComparable(store, args.b, io.events), {
      noiseBand: Number(flags['noise-band']),
      allowDifferentImages: flags['allow-different-images'],
      allowDifferentHosts: flags['allow-different-hosts'],
    })
    if (!io.json) {
      const { a, b, metrics, warnings } = comparison
      io.log(`A: ${a.ids.length} run(s) on ${a.platforms.join(',')}   B: ${b.ids.length} run(s) on ${b.platforms.join(',')}`)
      const rows = metrics.map((m) => ({
        metric: m.metric + (m.unit ? ` (${m.unit})` : ''),
        A: formatNumber(m.a.median),
        B: formatNumber(m.b.median),
        'B/A': formatNumber(m.ratio),
        ci95: `${formatNumber(m.ratioCi95[0])} .. ${formatNumber(m.ratioCi95[1])}`,
        p: m.p.toPrecision(2),
        verdict: m.verdict === 'no change' ? 'no change (within noise)' : m.verdict,
      }))
      io.log(formatTable(rows, ['metric', 'A', 'B', 'B/A', 'ci95', 'p', 'verdict']))
      for (const w of warnings) io.warn(w)
    }
    return comparison
  },
})
