// `cmc exp compare`'s verdicts on constructed groups of records: improved,
// regressed, no change within the noise band, inconclusive with one sample,
// the direction of a metric, and the refusals (empty side, different images
// or hosts). The statistics beneath are tested in test/unit/stats.test.ts.
//
// Reference p-values were computed independently with SciPy 1.17:
//   scipy.stats.ttest_ind(b, a, equal_var=False).
import { describe, expect, it } from 'vitest'
import { summarize } from '../../../src/collect/summarize.js'
import { CmcError } from '../../../src/errors.js'
import { compareGroups } from '../../../src/store/compare.js'
import type { ExperimentRecord } from '../../../src/store/record.js'

let seq = 0
function rec(
  values: Record<string, number[]>,
  over: Partial<ExperimentRecord> & { digest?: string; hostname?: string; hib?: Record<string, boolean> } = {},
): ExperimentRecord {
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
      metrics: Object.fromEntries(
        Object.entries(values)
          .filter(([, v]) => i < v.length)
          .map(([k, v]) => [k, v[i]]),
      ),
      exitCode: 0,
      durationMs: 1000,
    })),
    metrics: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, summarize(v, { higherIsBetter: hib[k] })])),
    status: 'ok',
    exitCode: 0,
    host: {
      hostname,
      os: 'linux',
      kernel: '6.1',
      arch: 'x86_64',
      cpuModel: 'cpu',
      cores: 8,
      memoryBytes: 1,
      gpus: [],
      docker: { version: '24', apiVersion: '1.43', os: 'linux', arch: 'amd64', runtimes: ['runc'] },
    },
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
  try {
    fn()
  } catch (e) {
    if (e instanceof CmcError) return e
    throw e
  }
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
    const c = compareGroups(
      [rec({ latency_ms: up10, run_time: up10, score: up10 }, { hib: { score: false } })],
      [rec({ latency_ms: base, run_time: base, score: base })],
    )
    const v = Object.fromEntries(c.metrics.map((m) => [m.metric, [m.higherIsBetter, m.verdict]]))
    expect(v).toEqual({ latency_ms: [false, 'improved'], run_time: [false, 'improved'], score: [false, 'improved'] })
    // an explicit higherIsBetter: true beats a latency-like name
    const d = compareGroups([rec({ time_budget: base }, { hib: { time_budget: true } })], [rec({ time_budget: up10 })])
    expect(d.metrics[0]).toMatchObject({ higherIsBetter: true, verdict: 'improved' })
  })

  it('says "no change" when the difference is significant but inside the noise band', () => {
    // +1 %: p = 1.7e-8 but the ratio interval [~1.0089, ~1.0111] lies inside +-2 %
    const a = [100, 100.1, 99.9, 100, 100],
      b = [101, 101.1, 100.9, 101, 101]
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
    const c = compareGroups(
      [rec({ images_per_s: [100, 101, 99], run_s: [1, 1.01, 0.99], p50_ms: [10, 10.1, 9.9] })],
      [rec({ images_per_s: [150, 151, 149], run_s: [1.5, 1.51, 1.49], p50_ms: [15, 15.1, 14.9] })],
    )
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
