// `cmc exp compare`: the action and its flags as data (run by oclif and by the fast path).
import { compareGroups } from '../../store/compare.js'
import { selectComparable } from '../../store/select.js'
import { openStore } from '../../store/store.js'
import type { CommandIo } from '../io.js'
import { storeSpec, type CommandSpec, type ParsedFlags } from '../spec.js'
import { formatNumber, formatTable } from '../table.js'

export const spec = {
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
} satisfies CommandSpec

export async function action(input: { args: Record<string, string | undefined>; flags: ParsedFlags }, io: CommandIo) {
  const flags = input.flags as { 'noise-band': string; 'allow-different-images': boolean; 'allow-different-hosts': boolean; store?: string }
  const store = await openStore({ path: flags.store })
  const c = compareGroups(selectComparable(store, input.args.a!, io.events), selectComparable(store, input.args.b!, io.events), {
    noiseBand: Number(flags['noise-band']), allowDifferentImages: flags['allow-different-images'], allowDifferentHosts: flags['allow-different-hosts'],
  })
  if (!io.json) {
    io.log(`A: ${c.a.ids.length} run(s) on ${c.a.platforms.join(',')}   B: ${c.b.ids.length} run(s) on ${c.b.platforms.join(',')}`)
    const rows = c.metrics.map((m) => ({
      metric: m.metric + (m.unit ? ` (${m.unit})` : ''), A: formatNumber(m.a.median), B: formatNumber(m.b.median),
      'B/A': formatNumber(m.ratio), ci95: `${formatNumber(m.ratioCi95[0])} .. ${formatNumber(m.ratioCi95[1])}`, p: m.p.toPrecision(2),
      verdict: m.verdict === 'no change' ? 'no change (within noise)' : m.verdict,
    }))
    io.log(formatTable(rows, ['metric', 'A', 'B', 'B/A', 'ci95', 'p', 'verdict']))
    for (const w of c.warnings) io.warn(w)
  }
  return c
}
