// Summary statistics of per-repeat values: median, mean, min, max, stdev and a
// 95% confidence interval. For the median, a distribution-free interval from
// order statistics (binomial, n >= 6); below that, the t-interval of the mean,
// which is what few samples can support.
import { median, tQuantile95 } from '../stats.js'
import type { MetricSummary } from '../store/record.js'

/** The fewest values whose median gets the order-statistics interval; below, ci95 is the mean's t interval. */
export const MEDIAN_INTERVAL_MIN = 6

export function summarize(values: number[], meta: { unit?: string; higherIsBetter?: boolean } = {}): MetricSummary {
  const s = [...values].sort((a, b) => a - b)
  const n = s.length
  const mean = s.reduce((a, b) => a + b, 0) / n
  const stdev = n > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
  let ci: [number, number]
  if (n >= MEDIAN_INTERVAL_MIN) {
    // ranks j..k with P(X_(j) <= median <= X_(k)) >= 0.95, normal approximation to Bin(n, 1/2)
    const half = (1.96 * Math.sqrt(n)) / 2
    const j = Math.max(1, Math.floor(n / 2 - half))
    const k = Math.min(n, Math.ceil(n / 2 + half + 1))
    ci = [s[j - 1], s[k - 1]]
  } else if (n > 1) {
    const h = (tQuantile95(n - 1) * stdev) / Math.sqrt(n)
    ci = [mean - h, mean + h]
  } else ci = [s[0], s[0]]
  return { n, median: median(s), mean, min: s[0], max: s[n - 1], stdev, ci95: ci, ...meta }
}
