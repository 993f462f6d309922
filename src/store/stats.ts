// Statistics for `cmc exp compare`: Welch's t-test (unequal variances) with
// the Student t distribution from the regularized incomplete beta function.
import { median, tQuantile95 } from '../collect/summarize.js'

function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5]
  let y = x
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5)
  let ser = 1.000000000190015
  for (const ci of c) ser += ci / ++y
  return -tmp + Math.log((2.5066282746310005 * ser) / x)
}

function betacf(a: number, b: number, x: number): number {
  const MAXIT = 200, EPS = 3e-14, FPMIN = 1e-300
  let c = 1, d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < FPMIN) d = FPMIN
  d = 1 / d
  let h = d
  for (let m = 1; m <= MAXIT; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2))
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d; h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2))
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return h
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b
}

/** Two-sided p-value of t with df degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0
  return incompleteBeta(df / (df + t * t), df / 2, 0.5)
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

export function welch(a: number[], b: number[]): WelchResult {
  const A = meanVar(a), B = meanVar(b)
  const sa = A.variance / a.length, sb = B.variance / b.length
  const se = Math.sqrt(sa + sb)
  const diff = B.mean - A.mean
  if (se === 0) return { diff, ci95: [diff, diff], p: diff === 0 ? 1 : 0, df: Math.max(1, a.length + b.length - 2) }
  const df = (sa + sb) ** 2 / ((a.length > 1 ? sa ** 2 / (a.length - 1) : 0) + (b.length > 1 ? sb ** 2 / (b.length - 1) : 0) || 1)
  const t = diff / se
  const q = tQuantile95(Math.max(1, Math.floor(df)))
  return { diff, ci95: [diff - q * se, diff + q * se], p: tTwoSidedP(t, df), df }
}

export { median }
