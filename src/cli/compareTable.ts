// How a metric's comparison reads in the terminal, for `cmc exp compare` and
// `cmc exp reproduce` alike: each side's centre is its geometric mean, the
// quantity B/A is the ratio of, so the centres and the ratio never point in
// opposite directions; the medians stay in --json.
import type { MetricComparison, SideMetric } from '../store/compare.js'
import { formatNumber, formatTable } from './table.js'

/** An interval, a ratio or a p-value that is not defined (one sample, a value of 0 or less). */
export const shown = (v: number | null) => (v === null ? 'n/a' : formatNumber(v))

/** A p-value to two figures; n/a where no test can be made. */
export const pValue = (p: number | null) => (p === null ? 'n/a' : p.toPrecision(2))

/** A side's geometric mean; a side with a value of 0 or less has none, and its median is shown, labelled. */
export function centre(s: SideMetric): string {
  return s.geomean !== null ? formatNumber(s.geomean) : `${formatNumber(s.median)} (median)`
}

export function ratioInterval(m: MetricComparison): string {
  return m.ratioCi95 ? `${shown(m.ratioCi95[0])} .. ${shown(m.ratioCi95[1])}` : 'n/a'
}

/** The comparison of each metric as a table, its sides named as the command names them (A and B, before and now). */
export function comparisonTable(metrics: MetricComparison[], sides: [string, string] = ['A', 'B']): string {
  const [a, b] = sides
  const rows = metrics.map((m) => ({
    metric: m.metric + (m.unit ? ` (${m.unit})` : ''),
    [`${a} geomean`]: centre(m.a),
    [`${b} geomean`]: centre(m.b),
    [`${b}/${a}`]: shown(m.ratio),
    ci95: ratioInterval(m),
    p: pValue(m.p),
    verdict: m.verdict === 'no change' ? 'no change (within noise)' : m.verdict,
  }))
  // a metric's name is what the row is of: LoadGen's per-accelerator names with their units run long, and are never cut
  return formatTable(rows, ['metric', `${a} geomean`, `${b} geomean`, `${b}/${a}`, 'ci95', 'p', 'verdict'], { maxWidth: 160 })
}
