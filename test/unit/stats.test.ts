// The statistics of src/stats.ts: Student t quantiles and two-sided p-values,
// Welch's t-test and its interval, the median. The t distribution itself is
// jstat's, good to about 1e-7 on quantiles and 1e-9 on p-values; these tests
// pin what cmc takes from it against independent references.
//
// Reference values are either closed forms (given in the comments, checkable
// by hand) or were computed independently with SciPy 1.17:
//   scipy.stats.t.ppf(0.975, df), 2 * scipy.stats.t.sf(t, df),
//   scipy.stats.ttest_ind(b, a, equal_var=False) (+ .confidence_interval()).
import { describe, expect, it } from 'vitest'
import { median, tQuantile95, tTwoSidedP, welch } from '../../src/stats.js'

describe('tQuantile95', () => {
  it('matches the closed forms for df = 1 and df = 2', () => {
    // df = 1 (Cauchy): t(p) = tan(pi (p - 1/2)) -> tan(0.475 pi) = 12.7062047
    expect(tQuantile95(1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 6)
    expect(tQuantile95(1)).toBeCloseTo(12.7062047, 6)
    // df = 2: t(p) = (2p - 1) / sqrt(2 p (1 - p)) -> 0.95 / sqrt(0.04875) = 4.3026527
    expect(tQuantile95(2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.975 * 0.025), 6)
  })

  it('matches SciPy where the old table was rounded, and tends to the normal 1.96', () => {
    // scipy.stats.t.ppf(0.975, df)
    expect(tQuantile95(4)).toBeCloseTo(2.7764451051977934, 6)
    expect(tQuantile95(5)).toBeCloseTo(2.5705818356363146, 6)
    expect(tQuantile95(10)).toBeCloseTo(2.228138851986274, 6)
    expect(tQuantile95(24)).toBeCloseTo(2.0638985616280245, 6)
    expect(tQuantile95(30)).toBeCloseTo(2.0422724563012378, 6)
    expect(tQuantile95(120)).toBeCloseTo(1.9799304050824402, 6)
    expect(tQuantile95(1e6)).toBeCloseTo(1.9599663568141068, 6)
    // in the limit the normal's Phi^-1(0.975) = 1.959963985
    expect(tQuantile95(1e12)).toBeCloseTo(1.959963985, 5) // taken at 1e6 df, within 3e-6 of the normal
  })

  it('is the point where the two-sided p-value is 0.05', () => {
    for (const df of [1, 2, 3, 7, 24.5, 300]) expect(tTwoSidedP(tQuantile95(df), df)).toBeCloseTo(0.05, 7)
  })
})

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([1, 2, 3])).toBe(2)
    expect(median([1, 2, 3, 10])).toBe(2.5)
    expect(median([7])).toBe(7)
  })
})

describe('tTwoSidedP', () => {
  it('gives 0.05 at the tabulated 97.5% quantiles', () => {
    // t(0.975, 10) = 2.228 -> 2 * t.sf(2.228, 10) = 0.0500118
    expect(tTwoSidedP(2.228, 10)).toBeCloseTo(0.0500118, 6)
    // t(0.975, 1) = 12.706 -> 0.0500008
    expect(tTwoSidedP(12.706, 1)).toBeCloseTo(0.0500008, 6)
    // large df tends to the normal: 2 * (1 - Phi(1.96)) = 0.049996
    expect(tTwoSidedP(1.96, 1e6)).toBeCloseTo(0.0499961, 5)
  })

  it('matches closed forms for df = 1 and df = 2', () => {
    // df = 1 (Cauchy): p = 1 - (2/pi) atan(t)
    expect(tTwoSidedP(1, 1)).toBeCloseTo(0.5, 7)
    expect(tTwoSidedP(3, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(3), 7)
    // df = 2: p = 1 - t / sqrt(2 + t^2); t = 2 -> 1 - 2/sqrt(6) = 0.1835034
    expect(tTwoSidedP(2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 7)
  })

  it('is symmetric in t, 1 at t = 0, 0 at infinity, and takes fractional df', () => {
    expect(tTwoSidedP(-2.228, 10)).toBeCloseTo(tTwoSidedP(2.228, 10), 14)
    expect(tTwoSidedP(0, 5)).toBe(1)
    expect(tTwoSidedP(Infinity, 5)).toBe(0)
    expect(tTwoSidedP(-Infinity, 5)).toBe(0)
    // 2 * t.sf(3.5, 7.3) = 0.009343138528485555
    expect(tTwoSidedP(3.5, 7.3)).toBeCloseTo(0.0093431385, 7)
  })
})

describe('welch', () => {
  it("reproduces the textbook example (Wikipedia, Welch's t-test, example 1)", () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    // SciPy: t = 2.455356, df = 24.988529, p = 0.021378, mean diff = 2.1666667,
    // exact 95% CI [0.349237, 3.984096] (with the t quantile at df = 24.99)
    const w = welch(a1, a2)
    expect(w.diff).toBeCloseTo(2.1666667, 6)
    expect(w.df).toBeCloseTo(24.988529, 5)
    expect(w.p).toBeCloseTo(0.021378, 5)
    // the code takes the quantile at floor(df) = 24 (2.0639 vs 2.0596): a slightly wider,
    // conservative interval that contains the exact one and is within 0.01 of it;
    // SciPy with t.ppf(0.975, 24): [0.3454320, 3.9879013]
    expect(w.ci95[0]).toBeLessThanOrEqual(0.349237)
    expect(w.ci95[1]).toBeGreaterThanOrEqual(3.984096)
    expect(w.ci95[0]).toBeCloseTo(0.349237, 1)
    expect(w.ci95[1]).toBeCloseTo(3.984096, 1)
    expect(Math.abs(w.ci95[0] - 0.349237)).toBeLessThan(0.01)
    expect(w.ci95[0]).toBeCloseTo(0.3454319897, 7)
    expect(w.ci95[1]).toBeCloseTo(3.9879013434, 7)
    // swapping the sides flips the sign of the difference, not the p-value
    const r = welch(a2, a1)
    expect(r.diff).toBeCloseTo(-2.1666667, 6)
    expect(r.p).toBeCloseTo(w.p, 12)
  })

  it('computes t, df and p for a hand-checkable pair', () => {
    // a = 1..5: mean 3, s^2 = 2.5;  b = 2,4,..,10: mean 6, s^2 = 10
    // se^2 = 2.5/5 + 10/5 = 2.5; t = 3 / sqrt(2.5) = 1.897367
    // df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.882353
    // SciPy: p = 0.10753119; CI uses t(0.975, floor(5.88) = 5) = 2.5705818 (scipy.stats.t.ppf):
    // 3 +- 2.5705818 * 1.581139
    const w = welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    expect(w.diff).toBe(3)
    expect(w.df).toBeCloseTo(5.882353, 6)
    expect(w.p).toBeCloseTo(0.10753119, 7)
    expect(w.ci95[0]).toBeCloseTo(3 - 2.5705818356363146 * Math.sqrt(2.5), 7)
    expect(w.ci95[1]).toBeCloseTo(3 + 2.5705818356363146 * Math.sqrt(2.5), 7)
  })

  it('handles zero variance: identical constants give p = 1, different constants p = 0', () => {
    expect(welch([5, 5, 5], [5, 5, 5])).toEqual({ diff: 0, ci95: [0, 0], p: 1, df: 4 })
    const w = welch([5, 5, 5], [6, 6, 6])
    expect(w.p).toBe(0)
    expect(w.ci95).toEqual([1, 1])
  })
})
