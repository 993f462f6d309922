// Statistics behind `cmc exp compare`: the regularized incomplete beta, the
// Student t two-sided p-value, Welch's t-test and its interval, and the
// verdicts of compareGroups on constructed groups of records.
//
// Reference values are either closed forms (given in the comments, checkable
// by hand) or were computed independently with SciPy 1.17:
//   scipy.stats.beta.cdf(x, a, b), 2 * scipy.stats.t.sf(t, df),
//   scipy.stats.ttest_ind(b, a, equal_var=False) (+ .confidence_interval()).
import { describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { compareGroups } from '../../../src/store/compare.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { incompleteBeta, tTwoSidedP, welch } from '../../../src/store/stats.js'
import { summarize } from '../../../src/collect/summarize.js'

describe('incompleteBeta', () => {
  it('matches closed forms', () => {
    // I_x(1, 1) = x
    expect(incompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 12)
    // I_x(a, 1) = x^a
    expect(incompleteBeta(0.6, 3.5, 1)).toBeCloseTo(0.6 ** 3.5, 10)
    // I_x(1, b) = 1 - (1 - x)^b: I_0.4(1, 7) = 1 - 0.6^7 = 0.9720064
    expect(incompleteBeta(0.4, 1, 7)).toBeCloseTo(0.9720064, 10)
    // I_x(a, 2) = x^a (a + 1 - a x): I_0.75(10, 2) = 0.75^10 * 3.5 = 0.197097...
    expect(incompleteBeta(0.75, 10, 2)).toBeCloseTo(0.75 ** 10 * 3.5, 10)
    // I_x(1/2, 1/2) = (2/pi) asin(sqrt x)
    expect(incompleteBeta(0.1, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.1)), 9)
    // symmetry: I_1/2(a, a) = 1/2
    expect(incompleteBeta(0.5, 3, 3)).toBeCloseTo(0.5, 12)
    expect(incompleteBeta(0.5, 17.5, 17.5)).toBeCloseTo(0.5, 10)
  })

  it('matches SciPy on a non-trivial case and clamps the ends', () => {
    // scipy.stats.beta.cdf(0.3, 2.5, 4) = 0.3521975859067672
    expect(incompleteBeta(0.3, 2.5, 4)).toBeCloseTo(0.3521975859067672, 9)
    // the reflection I_x(a, b) = 1 - I_{1-x}(b, a)
    expect(incompleteBeta(0.7, 4, 2.5)).toBeCloseTo(1 - 0.3521975859067672, 9)
    expect(incompleteBeta(0, 2, 3)).toBe(0)
    expect(incompleteBeta(-1, 2, 3)).toBe(0)
    expect(incompleteBeta(1, 2, 3)).toBe(1)
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
    expect(tTwoSidedP(1, 1)).toBeCloseTo(0.5, 10)
    expect(tTwoSidedP(3, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(3), 10)
    // df = 2: p = 1 - t / sqrt(2 + t^2); t = 2 -> 1 - 2/sqrt(6) = 0.1835034
    expect(tTwoSidedP(2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 10)
  })

  it('is symmetric in t, 1 at t = 0, 0 at infinity, and takes fractional df', () => {
    expect(tTwoSidedP(-2.228, 10)).toBeCloseTo(tTwoSidedP(2.228, 10), 14)
    expect(tTwoSidedP(0, 5)).toBe(1)
    expect(tTwoSidedP(Infinity, 5)).toBe(0)
    expect(tTwoSidedP(-Infinity, 5)).toBe(0)
    // 2 * t.sf(3.5, 7.3) = 0.009343138528485555
    expect(tTwoSidedP(3.5, 7.3)).toBeCloseTo(0.0093431385, 8)
  })
})

describe('welch', () => {
  it('reproduces the textbook example (Wikipedia, Welch\'s t-test, example 1)', () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    // SciPy: t = 2.455356, df = 24.988529, p = 0.021378, mean diff = 2.1666667,
    // exact 95% CI [0.349237, 3.984096] (with the t quantile at df = 24.99)
    const w = welch(a1, a2)
    expect(w.diff).toBeCloseTo(2.1666667, 6)
    expect(w.df).toBeCloseTo(24.988529, 5)
    expect(w.p).toBeCloseTo(0.021378, 5)
    // the code takes the quantile at floor(df) = 24 (2.064 vs 2.0596): a slightly wider,
    // conservative interval that contains the exact one and is within 0.01 of it
    expect(w.ci95[0]).toBeLessThanOrEqual(0.349237)
    expect(w.ci95[1]).toBeGreaterThanOrEqual(3.984096)
    expect(w.ci95[0]).toBeCloseTo(0.349237, 1)
    expect(w.ci95[1]).toBeCloseTo(3.984096, 1)
    expect(Math.abs(w.ci95[0] - 0.349237)).toBeLessThan(0.01)
    // swapping the sides flips the sign of the difference, not the p-value
    const r = welch(a2, a1)
    expect(r.diff).toBeCloseTo(-2.1666667, 6)
    expect(r.p).toBeCloseTo(w.p, 12)
  })

  it('computes t, df and p for a hand-checkable pair', () => {
    // a = 1..5: mean 3, s^2 = 2.5;  b = 2,4,..,10: mean 6, s^2 = 10
    // se^2 = 2.5/5 + 10/5 = 2.5; t = 3 / sqrt(2.5) = 1.897367
    // df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.882353
    // SciPy: p = 0.10753119; CI uses t(0.975, floor(5.88) = 5) = 2.571: 3 +- 2.571 * 1.581139
    const w = welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    expect(w.diff).toBe(3)
    expect(w.df).toBeCloseTo(5.882353, 6)
    expect(w.p).toBeCloseTo(0.10753119, 7)
    expect(w.ci95[0]).toBeCloseTo(3 - 2.571 * Math.sqrt(2.5), 9)
    expect(w.ci95[1]).toBeCloseTo(3 + 2.571 * Math.sqrt(2.5), 9)
  })

  it('handles zero variance: identical constants give p = 1, different constants p = 0', () => {
    expect(welch([5, 5, 5], [5, 5, 5])).toEqual({ diff: 0, ci95: [0, 0], p: 1, df: 4 })
    const w = welch([5, 5, 5], [6, 6, 6])
    expect(w.p).toBe(0)
    expect(w.ci95).toEqual([1, 1])
  })
})

// ---------------------------------------------------------------- compare --

let seq = 0
function rec(values: Record<string, number[]>, over: Partial<ExperimentRecord> & { digest?: string; hostname?: string; hib?: Record<string, boolean> } = {}): ExperimentRecord {
  const { digest = 'sha256:img1', hostname = 'lab-1', hib = {}, ...rest } = over
  const n = Math.max(...Object.values(values).map((v) => v.length))
  const id = `20261124T1000${String(seq).padStart(5, '0')}Z-${(seq++).toString(16).padStart(8, '0')}`
  return {
    format: 1,
    id,
    createdAt: '2026-11-24T10:00:00.000Z',
    cmcVersion: '0.1.0',
    benchmark: { alias: 'bench', uid: 'u-bench' },
    image: { alias: 'img', uid: 'u-img', planHash: 'p', ref: 'cmc/img:x', digest, id: 'sha256:id' },
    platform: 'x86_64',
    params: {},
    repeats: Array.from({ length: n }, (_, i) => ({
      index: i,
      metrics: Object.fromEntries(Object.entries(values).filter(([, v]) => i < v.length).map(([k, v]) => [k, v[i]])),
      exitCode: 0,
      durationMs: 1000,
    })),
    metrics: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, summarize(v, { higherIsBetter: hib[k] })])),
    status: 'ok',
    exitCode: 0,
    host: { hostname, os: 'linux', kernel: '6.1', arch: 'x86_64', cpuModel: 'cpu', cores: 8, memoryBytes: 1, gpus: [], docker: { version: '24', apiVersion: '1.43', os: 'linux', arch: 'amd64', runtimes: ['runc'] } },
    command: 'bench',
    env: {},
    devices: { paths: [], groups: [] },
    logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
    outputs: [],
    refused: [],
    timings: { buildMs: 0, startedAt: '2026-11-24T10:00:00.000Z', endedAt: '2026-11-24T10:00:05.000Z', totalMs: 5000, runMs: [] },
    tags: [],
    ...rest,
  }
}

function compareErr(fn: () => unknown): CmcError {
  try { fn() } catch (e) { if (e instanceof CmcError) return e; throw e }
  throw new Error('expected a CmcError')
}

describe('compareGroups verdicts', () => {
  const base = [100, 101, 99, 100, 100]
  const up10 = [110, 111, 109, 110, 110]

  it('calls a clear throughput gain "improved" and a loss "regressed"', () => {
    // SciPy: t = 22.36, df = 8, p = 1.69e-8
    const c = compareGroups([rec({ throughput: base })], [rec({ throughput: up10 })])
    expect(c.metrics).toHaveLength(1)
    const m = c.metrics[0]
    expect(m.metric).toBe('throughput')
    expect(m.higherIsBetter).toBe(true)
    expect(m.ratio).toBeCloseTo(1.1, 12)
    expect(m.p).toBeLessThan(1e-6)
    expect(m.p).toBeCloseTo(1.6924559e-8, 12)
    expect(m.ratioCi95[0]).toBeGreaterThan(1.02)
    expect(m.a).toMatchObject({ n: 5, median: 100 })
    expect(m.b).toMatchObject({ n: 5, median: 110 })
    expect(m.verdict).toBe('improved')
    expect(c.warnings).toEqual([])
    expect(compareGroups([rec({ throughput: up10 })], [rec({ throughput: base })]).metrics[0].verdict).toBe('regressed')
  })

  it('reverses the direction for latency-like names and for higherIsBetter: false', () => {
    const c = compareGroups([rec({ latency_ms: up10, run_time: up10, score: up10 }, { hib: { score: false } })], [rec({ latency_ms: base, run_time: base, score: base })])
    const v = Object.fromEntries(c.metrics.map((m) => [m.metric, [m.higherIsBetter, m.verdict]]))
    expect(v).toEqual({ latency_ms: [false, 'improved'], run_time: [false, 'improved'], score: [false, 'improved'] })
    // an explicit higherIsBetter: true beats a latency-like name
    const d = compareGroups([rec({ time_budget: base }, { hib: { time_budget: true } })], [rec({ time_budget: up10 })])
    expect(d.metrics[0]).toMatchObject({ higherIsBetter: true, verdict: 'improved' })
  })

  it('says "no change" when the difference is significant but inside the noise band', () => {
    // +1 %: p = 1.7e-8 but the ratio interval [~1.0089, ~1.0111] lies inside +-2 %
    const a = [100, 100.1, 99.9, 100, 100], b = [101, 101.1, 100.9, 101, 101]
    const m = compareGroups([rec({ throughput: a })], [rec({ throughput: b })]).metrics[0]
    expect(m.p).toBeLessThan(0.05)
    expect(m.ratioCi95[0]).toBeGreaterThan(1)
    expect(m.ratioCi95[1]).toBeLessThan(1.02)
    expect(m.verdict).toBe('no change')
    // the same data with a 0.5 % band is a clear improvement
    expect(compareGroups([rec({ throughput: a })], [rec({ throughput: b })], { noiseBand: 0.005 }).metrics[0].verdict).toBe('improved')
  })

  it('says "no change" when a large difference is not significant, and warns about noise', () => {
    // SciPy: t = 0.612, df = 4, p = 0.573
    const c = compareGroups([rec({ throughput: [80, 120, 100] })], [rec({ throughput: [90, 130, 110] })])
    const m = c.metrics[0]
    expect(m.ratio).toBeCloseTo(1.1, 12)
    expect(m.p).toBeCloseTo(0.5733923, 6)
    expect(m.verdict).toBe('no change')
    expect(m.a.cv).toBeCloseTo(0.2, 12) // sd 20 / mean 100
    expect(c.warnings).toContain('throughput: noisy samples (coefficient of variation A 20%, B 18%); add repeats')
  })

  it('warns when a side has fewer than 3 samples', () => {
    const c = compareGroups([rec({ throughput: [100, 100.5] })], [rec({ throughput: [150, 150.5] })])
    expect(c.warnings).toContain('throughput: fewer than 3 samples on a side; the verdict has little power')
    expect(compareGroups([rec({ throughput: base })], [rec({ throughput: up10 })]).warnings.join()).not.toMatch(/fewer than 3/)
  })

  it('uses one median per record when a side has several records', () => {
    // each record's repeats are wildly spread, but the per-record medians are tight
    const A = [rec({ throughput: [10, 100, 190] }), rec({ throughput: [20, 101, 180] }), rec({ throughput: [5, 99, 200] })]
    const B = [rec({ throughput: [15, 110, 200] }), rec({ throughput: [30, 111, 170] }), rec({ throughput: [1, 109, 300] })]
    const c = compareGroups(A, B)
    const m = c.metrics[0]
    expect(m.a.n).toBe(3)
    expect(m.b.n).toBe(3)
    expect(m.a.median).toBe(100)
    expect(m.b.median).toBe(110)
    expect(m.verdict).toBe('improved') // the repeats themselves (cv ~ 80 %) would never give this
    expect(c.a.ids).toEqual(A.map((r) => r.id))
  })

  it('skips a metric missing on one side with a warning', () => {
    const c = compareGroups([rec({ throughput: base, extra: base })], [rec({ throughput: up10 })])
    expect(c.metrics.map((m) => m.metric)).toEqual(['throughput'])
    expect(c.warnings).toContain('metric extra is missing on side B')
  })
})

describe('compareGroups edge cases', () => {
  it('whether the sides differ does not depend on the order records are listed', () => {
    const A = [rec({ t: [1, 2, 3] }, { digest: 'sha256:d1', hostname: 'h1' }), rec({ t: [1, 2, 3] }, { digest: 'sha256:d2', hostname: 'h2' })]
    const B = [rec({ t: [1, 2, 3] }, { digest: 'sha256:d2', hostname: 'h2' }), rec({ t: [1, 2, 3] }, { digest: 'sha256:d1', hostname: 'h1' })]
    const c = compareGroups(A, B)
    expect(c.warnings).toEqual(expect.not.arrayContaining([expect.stringMatching(/different/)]))
    expect(c.a.digests).toEqual(['sha256:d1', 'sha256:d2'])
  })

  it('a side with a single sample gets no verdict', () => {
    const c = compareGroups([rec({ t: [100] })], [rec({ t: [200] })])
    expect(c.metrics[0].verdict).toBe('inconclusive')
    expect(c.warnings.join()).toMatch(/one sample/)
  })

  it('rates named *_per_s are higher-is-better; *_s and *_ms are times', () => {
    const c = compareGroups([rec({ images_per_s: [100, 101, 99], run_s: [1, 1.01, 0.99], p50_ms: [10, 10.1, 9.9] })],
      [rec({ images_per_s: [150, 151, 149], run_s: [1.5, 1.51, 1.49], p50_ms: [15, 15.1, 14.9] })])
    const v = Object.fromEntries(c.metrics.map((m) => [m.metric, m.verdict]))
    expect(v).toEqual({ images_per_s: 'improved', p50_ms: 'regressed', run_s: 'regressed' })
  })
})

describe('compareGroups refusals', () => {
  it('refuses an empty side', () => {
    const e = compareErr(() => compareGroups([], [rec({ t: [1] })]))
    expect(e.code).toBe('COMPARE_EMPTY')
    expect(e.message).toBe('side A matches no records')
    expect(compareErr(() => compareGroups([rec({ t: [1] })], [])).message).toBe('side B matches no records')
  })

  it('refuses different images on the same platform unless allowed', () => {
    const A = [rec({ throughput: [1, 2, 3] }, { digest: 'sha256:one' })]
    const B = [rec({ throughput: [1, 2, 3] }, { digest: 'sha256:two' })]
    const e = compareErr(() => compareGroups(A, B))
    expect(e.code).toBe('COMPARE_DIFFERENT_IMAGES')
    expect(e.details).toEqual(['A: sha256:one', 'B: sha256:two'])
    expect(e.hint).toContain('--allow-different-images')
    const c = compareGroups(A, B, { allowDifferentImages: true })
    expect(c.warnings).toContain('the sides ran different images (allowed)')
    expect(c.a.digests).toEqual(['sha256:one'])
    expect(c.b.digests).toEqual(['sha256:two'])
  })

  it('allows different images across platforms, with a warning', () => {
    const A = [rec({ throughput: [1, 2, 3] }, { digest: 'sha256:one', platform: 'x86_64' })]
    const B = [rec({ throughput: [1, 2, 3] }, { digest: 'sha256:two', platform: 'arm64' })]
    const c = compareGroups(A, B)
    expect(c.warnings).toContain('comparing platforms x86_64 vs arm64: the images differ by design')
  })

  it('refuses different hosts unless allowed', () => {
    const A = [rec({ throughput: [1, 2, 3] }, { hostname: 'lab-1' })]
    const B = [rec({ throughput: [1, 2, 3] }, { hostname: 'lab-2' })]
    const e = compareErr(() => compareGroups(A, B))
    expect(e.code).toBe('COMPARE_DIFFERENT_HOSTS')
    expect(e.message).toBe('the sides ran on different hosts (lab-1 vs lab-2)')
    const c = compareGroups(A, B, { allowDifferentHosts: true })
    expect(c.warnings).toContain('the sides ran on different hosts (allowed)')
    expect(c.warnings.filter((w) => /image/.test(w))).toEqual([])
    expect(c.metrics[0].verdict).toBe('no change')
  })

  it('compares the same image on the same host without warnings', () => {
    const c = compareGroups([rec({ throughput: [1, 2, 3] })], [rec({ throughput: [1, 2, 3] })])
    expect(c.warnings.filter((w) => /image|host/.test(w))).toEqual([])
    expect(c.metrics[0].p).toBe(1)
    expect(c.noiseBand).toBe(0.02)
  })
})
