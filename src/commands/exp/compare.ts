import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { compareGroups } from '../../store/compare.js'
import { selectComparable } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default class ExpCompare extends BaseCommand {
  static override summary = 'Compare two groups of runs: medians, ratio, 95% interval and a verdict per metric'
  static override description = 'A and B are record ids or queries. Verdict: improved/regressed when Welch\'s t-test gives p < 0.05 and the ratio\'s 95% interval lies outside the noise band (default ±2%); otherwise no change; inconclusive when a side has a single sample. Different images on one platform, or different hosts, are refused unless allowed.'
  static override examples = [
    `<%= config.bin %> exp compare 'benchmark = stream and platform = x86_64' 'benchmark = stream and platform = arm64'`,
    '<%= config.bin %> exp compare 20261124T101500123Z-1a2b3c4d 20261124T111500456Z-5e6f7a8b',
  ]
  static override args = {
    a: Args.string({ required: true, description: 'baseline: id or query' }),
    b: Args.string({ required: true, description: 'candidate: id or query' }),
  }
  static override flags = {
    'noise-band': Flags.string({ description: 'relative change treated as noise (default 0.02)', default: '0.02' }),
    'allow-different-images': Flags.boolean({ description: 'compare runs of different images on one platform' }),
    'allow-different-hosts': Flags.boolean({ description: 'compare runs from different hosts' }),
    store: storeFlag,
  }

  async run() {
    const { args, flags } = await this.parse(ExpCompare)
    const store = await openStore({ path: flags.store })
    const c = compareGroups(selectComparable(store, args.a, this.events), selectComparable(store, args.b, this.events), {
      noiseBand: Number(flags['noise-band']), allowDifferentImages: flags['allow-different-images'], allowDifferentHosts: flags['allow-different-hosts'],
    })
    if (!this.jsonEnabled()) {
      this.log(`A: ${c.a.ids.length} run(s) on ${c.a.platforms.join(',')}   B: ${c.b.ids.length} run(s) on ${c.b.platforms.join(',')}`)
      const rows = c.metrics.map((m) => ({
        metric: m.metric + (m.unit ? ` (${m.unit})` : ''), A: formatNumber(m.a.median), B: formatNumber(m.b.median),
        'B/A': formatNumber(m.ratio), ci95: `${formatNumber(m.ratioCi95[0])} .. ${formatNumber(m.ratioCi95[1])}`, p: m.p.toPrecision(2),
        verdict: m.verdict === 'no change' ? 'no change (within noise)' : m.verdict,
      }))
      this.log(formatTable(rows, ['metric', 'A', 'B', 'B/A', 'ci95', 'p', 'verdict']))
      for (const w of c.warnings) this.warn(w)
    }
    return c
  }
}
