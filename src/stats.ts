// Statistics of benchmark samples, shared by collect (the 95% interval of a
// run's repeats) and store (`cmc exp compare`): the median, Student t
// quantiles and p-values, Welch's t-test, and the ratio of two samples from
// Welch's t-test on their logs. The t distribution is
// jstat's (one file: cmc run and exp compare load it, so a library of
// hundreds of small modules would not do), required on first use through
// src/lazy.ts; what is written here is only how cmc uses it.
import { jstat } from './lazy.js'

// Past a million degrees of freedom t is the normal to six digits, and jstat's
// series lose precision there: its figures are taken at that df.
const MAX_DF = 1e6
const dfOf = (df: number) => Math.min(df, MAX_DF)

/** exp(mean log) of positive values: the centre a ratio of log means divides. */
export function geomean(xs: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < xs.length; i++) sum += Math.log(xs[i])
  return Math.exp(sum / xs.length)
}

/** The median of values sorted in ascending order. */
export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

/** t(0.975, df): the half-width factor of a two-sided 95% t interval. */
export function tQuantile95(df: number): number {
  return jstat().studentt.inv(0.975, dfOf(df))
}

/** Two-sided p-value of t with df degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  // from the lower tail: 1 - cdf(|t|) would lose the small p-values to rounding
  // the ends exactly: jstat's series gives NaN at infinity and a hair under 1 at 0
  if (t === 0) return 1
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0
  // jstat's incomplete beta is good to about 1e-9: never above certainty
  return Math.min(1, 2 * jstat().studentt.cdf(-Math.abs(t), dfOf(df)))
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0
  return { mean, variance }
}

export interface WelchResult {
  diff: number // mean(b) - mean(a)
  ci95: [number, number]
  p: number
  df: number
}

/** Welch's t-test (unequal variances) of b against a, with the 95% interval of the difference. */
export function welch(a: number[], b: number[]): WelchResult {
  const A = meanVar(a),
    B = meanVar(b)
  const sa = A.variance / a.length,
    sb = B.variance / b.length
  const se = Math.sqrt(sa + sb)
  const diff = B.mean - A.mean
  if (se === 0) return { diff, ci95: [diff, diff], p: diff === 0 ? 1 : 0, df: Math.max(1, a.length + b.length - 2) }
  const df = (sa + sb) ** 2 / ((a.length > 1 ? sa ** 2 / (a.length - 1) : 0) + (b.length > 1 ? sb ** 2 / (b.length - 1) : 0) || 1)
  // the quantile at whole degrees of freedom below df: a slightly wider interval,
  // so that a verdict never rests on the fractional df of the approximation
  const q = tQuantile95(Math.max(1, Math.floor(df)))
  return { diff, ci95: [diff - q * se, diff + q * se], p: tTwoSidedP(diff / se, df), df }
}

export interface RatioResult {
  /** the ratio of the geometric means, b over a: the centre of ci95 */
  ratio: number
  ci95: [number, number]
  p: number
  df: number
}

/**
 * The ratio of b to a from Welch's t-test on the logs, exponentiated. Timings
 * are skewed (slow outliers, seldom fast ones), and on the log scale they are
 * near symmetric; the interval of a ratio found there is always positive, and
 * swapping the sides gives exactly its reciprocal. Every value must be positive.
 */
export function welchLogRatio(a: number[], b: number[]): RatioResult {
  const w = welch(a.map(Math.log), b.map(Math.log))
  return { ratio: Math.exp(w.diff), ci95: [Math.exp(w.ci95[0]), Math.exp(w.ci95[1])], p: w.p, df: w.df }
}

export interface CentreInterval {
  centre: number
  ci95: [number, number]
}

/**
 * The geometric mean of positive values and its 95% t interval, found on the
 * logs and exponentiated: for few repeats of a timing or a rate, an interval
 * that stays positive, as the values do, and the centre exp compare divides.
 * Undefined below two values or with a value of 0 or less.
 */
export function geomeanInterval95(xs: number[]): CentreInterval | undefined {
  if (xs.length < 2 || !xs.every((v) => v > 0)) return undefined
  const { mean, variance } = meanVar(xs.map(Math.log))
  const h = (tQuantile95(xs.length - 1) * Math.sqrt(variance)) / Math.sqrt(xs.length)
  return { centre: Math.exp(mean), ci95: [Math.exp(mean - h), Math.exp(mean + h)] }
}
