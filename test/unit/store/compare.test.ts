// `cmc exp compare`'s verdicts on constructed groups of records: improved,
// regressed, no change within the noise band, inconclusive with one sample,
// the direction of a metric, the ratio's interval on skewed timings, and the
// refusals (empty side, different images or hosts, a side mixing benchmarks,
// params or limits, a noise band that is no fraction). The statistics beneath
// are tested in test/unit/stats.test.ts.
//
// Reference values were computed independently with SciPy 1.17 on the logs:
//   scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False) for t and p;
//   the interval exp(d +- t.ppf(0.975, floor(df)) * se), d the difference of
//   the mean logs.
import { describe, expect, it } from 'vitest'
import compareCommand from '../../../src/commands/exp/compare.js'
import { compareGroups, parseNoiseBand } from '../../../src/store/compare.js'
import { imageIdentity, summaryOf } from '../../../src/store/summary.js'
import { recordOf as rec } from '../../helpers/records.js'
import { cmcErrorOf as compareErr } from '../../helpers/errors.js'

describe('compareGroups verdicts', () => {
  const base = [100, 101, 99, 100, 100]
  const up10 = [110, 111, 109, 110, 110]

  it('calls a clear throughput gain "improved" and a loss "regressed"', () => {
    // SciPy on the logs: t = 22.30, df = 7.93, p = 1.94e-8
    const c = compareGroups([rec({ throughput: base })], [rec({ throughput: up10 })])
    expect(c.metrics).toHaveLength(1)
    const m = c.metrics[0]
    expect(m.metric).toBe('throughput')
    expect(m.higherIsBetter).toBe(true)
    expect(m.ratio).toBeCloseTo(1.10000381854, 10) // the ratio of geometric means
    expect(m.p).toBeLessThan(1e-6)
    expect(m.p).toBeCloseTo(1.94360678e-8, 12)
    expect(m.ratioCi95![0]).toBeCloseTo(1.088943097, 8)
    expect(m.ratioCi95![1]).toBeCloseTo(1.111176887, 8)
    expect(m.a).toMatchObject({ n: 5, median: 100 })
    expect(m.b).toMatchObject({ n: 5, median: 110 })
    expect(m.verdict).toBe('improved')
    expect(c.warnings).toEqual([])
    expect(compareGroups([rec({ throughput: up10 })], [rec({ throughput: base })]).metrics[0].verdict).toBe('regressed')
  })

  it('gives each side the geometric mean the ratio is of, beside the median', () => {
    // the medians (15, 14) point down; the ratio points up, and so do the geometric means
    const m = compareGroups([rec({ add_gbs: [10, 15, 16] })], [rec({ add_gbs: [14, 14, 14.1] })]).metrics[0]
    expect(m.a.median).toBe(15)
    expect(m.b.median).toBe(14)
    expect(m.a.geomean).toBeCloseTo(Math.cbrt(2400), 12)
    expect(m.b.geomean).toBeCloseTo(Math.cbrt(14 * 14 * 14.1), 12)
    expect(m.ratio).toBeGreaterThan(1)
    expect(m.ratio).toBeCloseTo(m.b.geomean! / m.a.geomean!, 12)
    // a value of 0 has no logarithm: no geometric mean, as no ratio
    const z = compareGroups([rec({ errors: [0, 1, 2] })], [rec({ errors: [1, 2, 3] })]).metrics[0]
    expect(z.a.geomean).toBeNull()
    expect(z.b.geomean).toBeNull()
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
    expect(m.ratioCi95![0]).toBeGreaterThan(1)
    expect(m.ratioCi95![1]).toBeLessThan(1.02)
    expect(m.verdict).toBe('no change')
    // the same data with a 0.5 % band is a clear improvement
    expect(compareGroups([rec({ throughput: a })], [rec({ throughput: b })], { noiseBand: 0.005 }).metrics[0].verdict).toBe('improved')
  })

  it('says "no change" when a large difference is not significant, and warns about noise', () => {
    // SciPy on the logs: t = 0.617, df = 3.96, p = 0.571
    const c = compareGroups([rec({ throughput: [80, 120, 100] })], [rec({ throughput: [90, 130, 110] })])
    const m = c.metrics[0]
    expect(m.a.median).toBe(100)
    expect(m.b.median).toBe(110)
    expect(m.ratio).toBeCloseTo(1.10264514931, 10)
    expect(m.p).toBeCloseTo(0.5706763712, 6)
    expect(m.ratioCi95![0]).toBeCloseTo(0.6663483228, 8)
    expect(m.ratioCi95![1]).toBeCloseTo(1.824610769, 8)
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

  it('warns when the sides are the same runs, or share some', () => {
    const a = rec({ throughput: base }),
      b = rec({ throughput: base }),
      c = rec({ throughput: up10 })
    expect(compareGroups([a], [a]).warnings).toContain('A and B are the same run(s): the comparison is of the runs with themselves')
    expect(compareGroups([a, b], [b, c]).warnings).toContain('A and B share 1 run(s): those are compared with themselves, which pulls the ratio towards 1')
    expect(compareGroups([a, b], [c]).warnings.join()).not.toMatch(/themselves/)
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

  it('tells only a side of runs to add repeats: a published result is one number', () => {
    const pub = (v: number) => ({ ...rec({ t: [v] }), published: true })
    const c = compareGroups([rec({ t: [100, 130, 80] })], [pub(100), pub(160), pub(90)])
    expect(c.warnings).toContain('t: noisy samples (coefficient of variation A 24%, B 32%); add repeats to side A')
    const d = compareGroups([pub(100)], [rec({ t: [100, 101, 99] })])
    expect(d.warnings).toContain('t: a side has one sample, so its noise is unknown and no verdict is given')
  })

  it('a side with a single sample gets no verdict', () => {
    const c = compareGroups([rec({ t: [100] })], [rec({ t: [200] })])
    expect(c.metrics[0].verdict).toBe('inconclusive')
    expect(c.metrics[0].ratio).toBeCloseTo(2, 12)
    // one sample says nothing about its noise: no interval, rather than a point posing as one,
    // and no p-value: a t-test with no variance known is no test (it said p = 0 once)
    expect(c.metrics[0].ratioCi95).toBeNull()
    expect(c.metrics[0].p).toBeNull()
    const both = compareGroups([rec({ t: [100, 101, 99] })], [rec({ t: [200] })]).metrics[0]
    expect([both.ratioCi95, both.p, both.verdict]).toEqual([null, null, 'inconclusive'])
    expect(c.warnings.join()).toMatch(/one sample/)
  })

  it('a metric with zero or negative values has no ratio and no verdict, and says why', () => {
    const c = compareGroups([rec({ errors: [0, 1, 0], delta: [-5, -4, -6] })], [rec({ errors: [3, 4, 5], delta: [5, 4, 6] })])
    for (const m of c.metrics) {
      expect(m.ratio).toBeNull()
      expect(m.ratioCi95).toBeNull()
      // the t-test on the values themselves still stands: three samples a side
      expect(m.p).toBeLessThan(0.05)
      expect(m.verdict).toBe('inconclusive')
    }
    expect(c.warnings).toContain('delta: zero or negative values have no ratio, so no verdict is given')
    expect(c.warnings).toContain('errors: zero or negative values have no ratio, so no verdict is given')
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

describe('the ratio interval on skewed timings', () => {
  // one slow outlier per side, as timings have: B is about 9 times faster throughout
  const A = [1.0, 1.05, 0.98, 1.02, 4.1]
  const B = [0.11, 0.12, 0.1, 0.115, 0.45]

  it('stays positive: Welch on the logs, exponentiated', () => {
    // SciPy on the logs: t = -5.566, df = 8.00, p = 5.31e-4
    const m = compareGroups([rec({ seconds: A })], [rec({ seconds: B })]).metrics[0]
    expect(m.ratioCi95![0]).toBeGreaterThan(0)
    expect(m.ratioCi95![0]).toBeCloseTo(0.04288795791, 8)
    expect(m.ratioCi95![1]).toBeCloseTo(0.2805036939, 8)
    expect(m.ratio).toBeCloseTo(0.109682407975, 10)
    expect(m.p).toBeCloseTo(0.0005311487796, 8)
    expect(m.ratio).toBeGreaterThan(m.ratioCi95![0])
    expect(m.ratio).toBeLessThan(m.ratioCi95![1])
    expect(m.verdict).toBe('improved')
  })

  it('is the reciprocal when the sides are swapped, so no direction is favoured', () => {
    const ab = compareGroups([rec({ seconds: A })], [rec({ seconds: B })]).metrics[0]
    const ba = compareGroups([rec({ seconds: B })], [rec({ seconds: A })]).metrics[0]
    expect(ba.ratio).toBeCloseTo(1 / ab.ratio!, 10)
    expect(ba.ratioCi95![0]).toBeCloseTo(1 / ab.ratioCi95![1], 10)
    expect(ba.ratioCi95![1]).toBeCloseTo(1 / ab.ratioCi95![0], 10)
    expect(ba.p).toBeCloseTo(ab.p!, 12)
    expect(ba.verdict).toBe('regressed')
  })

  it('gives the verdict from that interval: every bound of it is outside the band, or no verdict', () => {
    // +3 %: significant, but the interval reaches into the 2 % band
    const a = [100, 102, 98, 101, 99],
      b = [103, 105.5, 101, 104, 102]
    const m = compareGroups([rec({ throughput: a })], [rec({ throughput: b })]).metrics[0]
    expect(m.p).toBeLessThan(0.05)
    expect(m.ratioCi95![0]).toBeLessThan(1.02)
    expect(m.verdict).toBe('no change')
    expect(compareGroups([rec({ throughput: a })], [rec({ throughput: b })], { noiseBand: 0 }).metrics[0].verdict).toBe('improved')
  })
})

describe('compareGroups refuses a side whose runs are not alike', () => {
  const base = [100, 101, 99]
  const mib = 1024 ** 2

  it('mixed params: names the param and the values on each side', () => {
    const A = [rec({ t: base }, { params: { threads: 1 } }), rec({ t: base }, { params: { threads: 2 } }), rec({ t: base }, { params: { threads: 1 } })]
    const B = [rec({ t: base }, { params: { threads: 1 } }), rec({ t: base }, { params: { threads: 1 } })]
    const e = compareErr(() => compareGroups(A, B))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.category).toBe('input')
    expect(e.message).toBe('side A mixes runs that are not alike: params.threads (1, 2)')
    expect(e.details).toEqual(['params.threads: A 1, 2; B 1'])
    expect(e.hint).toContain('--allow-mixed')
    expect(e.hint).toContain('`and params.threads = 1`')
  })

  it('a param set on some runs only is mixed too', () => {
    const A = [rec({ t: base }, { params: { size: 10 } }), rec({ t: base })]
    const e = compareErr(() => compareGroups(A, [rec({ t: base })]))
    expect(e.details).toEqual(['params.size: A 10, (unset); B (unset)'])
  })

  it('mixed limits: limited runs with unlimited ones', () => {
    const A = [rec({ t: base }, { limits: { cpus: 1, memoryBytes: 256 * mib } }), rec({ t: base })]
    const B = [rec({ t: base }), rec({ t: base })]
    const e = compareErr(() => compareGroups(A, B))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.message).toBe('side A mixes runs that are not alike: limits (cpus=1 memory=256m, none)')
    expect(e.details).toEqual(['limits: A cpus=1 memory=256m, none; B none'])
    expect(e.hint).toContain('--allow-mixed')
  })

  it('mixed benchmarks, on both sides', () => {
    const stream = { alias: 'stream', uid: 'u-stream' },
      triad = { alias: 'triad', uid: 'u-triad' }
    const A = [rec({ t: base }, { benchmark: stream }), rec({ t: base }, { benchmark: triad })]
    const B = [rec({ t: base }, { benchmark: triad }), rec({ t: base }, { benchmark: stream })]
    const e = compareErr(() => compareGroups(A, B))
    expect(e.message).toBe('both sides mix runs that are not alike: A benchmark (stream, triad); B benchmark (stream, triad)')
    expect(e.details).toEqual(['benchmark: A stream, triad; B stream, triad'])
    expect(e.hint).toContain('`and benchmark = stream`')
  })

  it('--allow-mixed pools them, with a warning saying what was pooled', () => {
    const A = [rec({ t: base }, { params: { threads: 1 } }), rec({ t: [110, 111, 109] }, { params: { threads: 2 } })]
    const c = compareGroups(A, [rec({ t: base }), rec({ t: base })], { allowMixed: true })
    expect(c.warnings).toContain('side A mixes params.threads (1, 2) (allowed)')
    expect(c.metrics[0].a.n).toBe(2)
  })

  it('sides that differ from each other, each alike, are compared, and the differences are listed', () => {
    const A = [rec({ t: base }, { params: { threads: 1 } }), rec({ t: base }, { params: { threads: 1 } })]
    const B = [rec({ t: base }, { params: { threads: 2 }, limits: { cpus: 2 } }), rec({ t: base }, { params: { threads: 2 }, limits: { cpus: 2 } })]
    const c = compareGroups(A, B)
    expect(c.differences).toEqual([
      { field: 'limits', a: ['none'], b: ['cpus=2'] },
      { field: 'params.threads', a: ['1'], b: ['2'] },
    ])
    expect(c.a.params).toEqual({ threads: ['1'] })
    expect(c.b.limits).toEqual(['cpus=2'])
    expect(c.a.benchmarks).toEqual(['bench'])
  })
})

describe('the noise band', () => {
  const a = [rec({ t: [1, 2, 3] })],
    b = [rec({ t: [1, 2, 3] })]

  it('is a fraction from 0 up to, not including, 1', () => {
    expect(parseNoiseBand('0.05')).toBe(0.05)
    expect(parseNoiseBand('0')).toBe(0)
    expect(parseNoiseBand(undefined)).toBe(0.02)
    for (const bad of ['-1', 'abc', '', '1', '2', 'NaN', 'Infinity', '0.02x']) {
      const e = compareErr(() => parseNoiseBand(bad))
      expect(e.code, bad).toBe('FLAG_VALUE')
      expect(e.message).toBe(`--noise-band ${bad}: expected a fraction of at least 0 and below 1 (0.02 is ±2%; at 1 no fall could be told from noise)`)
    }
  })

  it('out of range is refused by compareGroups too', () => {
    for (const bad of [-1, NaN, 1, 5]) expect(compareErr(() => compareGroups(a, b, { noiseBand: bad })).code).toBe('FLAG_VALUE')
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

  it('takes an older record that kept a registry digest as the image it ran, by id', () => {
    // before the identity was kept, a pushed or pulled image's record put repo@sha256 in digest
    const old = rec({ throughput: [1, 2, 3] }, { digest: '127.0.0.1:5000/cmc/img@sha256:' + 'a'.repeat(64) })
    const fresh = rec({ throughput: [1, 2, 3] }, { digest: 'sha256:id' })
    expect(imageIdentity(old.image)).toBe('sha256:id')
    const c = compareGroups([old], [fresh])
    expect(c.a.digests).toEqual(['sha256:id'])
    expect(c.b.digests).toEqual(['sha256:id'])
    expect(summaryOf(old).digest).toBe('sha256:id')
  })

  it("names in every refusal's hint only flags that `cmc exp compare` has", () => {
    const flags = Object.keys(compareCommand.flags ?? {})
    const refusals = [
      () => compareGroups([rec({ t: [1, 2] }, { digest: 'sha256:one' })], [rec({ t: [1, 2] }, { digest: 'sha256:two' })]),
      () => compareGroups([rec({ t: [1, 2] }, { hostname: 'a' })], [rec({ t: [1, 2] }, { hostname: 'b' })]),
      () => compareGroups([rec({ t: [1, 2] }), { ...rec({ t: [1, 2] }), params: { n: 2 } }], [rec({ t: [1, 2] })]),
      () => compareGroups([rec({ t: [1, 2] })], [rec({ t: [1, 2] })], { noiseBand: -1 }),
    ]
    for (const refuse of refusals) {
      const e = compareErr(refuse)
      const named = [...`${e.hint ?? ''} ${e.message}`.matchAll(/--([a-z][a-z-]+)/g)].map((m) => m[1])
      for (const flag of named) expect(flags, `${e.code} names --${flag}`).toContain(flag)
    }
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
