// The table `exp compare` and `exp reproduce` print: each side's centre, the
// ratio with its interval and p, and the verdict, under the sides' own names.
import { describe, expect, it } from 'vitest'
import { comparisonTable } from '../../../src/cli/compareTable.js'
import type { MetricComparison } from '../../../src/store/compare.js'

const side = (geomean: number | null, median: number) => ({ n: 3, median, geomean, cv: 0.01 })
const metric = (over: Partial<MetricComparison>): MetricComparison => ({
  metric: 'gflops',
  higherIsBetter: true,
  a: side(100, 100),
  b: side(110, 110),
  ratio: 1.1,
  ratioCi95: [1.05, 1.15],
  p: 0.0012,
  verdict: 'improved',
  ...over,
})

describe('the comparison table', () => {
  it('names its sides and shows the interval and p behind each verdict', () => {
    const lines = comparisonTable([metric({}), metric({ metric: 'ms', unit: 'ms', verdict: 'no change', p: 0.4 })], ['before', 'now']).split('\n')
    expect(lines[0]).toMatch(/^METRIC +BEFORE GEOMEAN +NOW GEOMEAN +NOW\/BEFORE +CI95 +P +VERDICT$/)
    expect(lines[1]).toMatch(/^gflops +100 +110 +1\.10 +1\.05 \.\. 1\.15 +0\.0012 +improved$/)
    expect(lines[2]).toMatch(/^ms \(ms\) .* 0\.40 +no change \(within noise\)$/)
  })

  it("never cuts a metric's name, however long", () => {
    const name = 'completed_samples_per_second_per_accelerator'
    const table = comparisonTable([metric({ metric: name, unit: 'samples/s per accelerator' })])
    expect(table).toContain(`${name} (samples/s per accelerator)`)
    expect(table).not.toContain('…')
  })

  it('says n/a where a side has one sample, and the median where no geometric mean exists', () => {
    const [, row] = comparisonTable([metric({ a: side(null, 0), ratio: null, ratioCi95: null, p: null, verdict: 'inconclusive' })]).split('\n')
    expect(row).toMatch(/^gflops +0 \(median\) +110 +n\/a +n\/a +n\/a +inconclusive$/)
  })
})
