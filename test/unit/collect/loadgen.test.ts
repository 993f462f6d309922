// LoadGen logs of every shape, read exactly: v0.5 MultiStream (per-query and
// per-sample blocks with the same labels), v0.5 plain-text detail logs, LLM SingleStream (TTFT and TPOT
// early stopping), 64-bit seeds, INVALID with each reason, Server, Offline,
// SingleStream, MultiStream and token metrics; the summary and the detail
// log give the same names, and the headline is the metric MLPerf reports.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { combineLoadgen, headlineOf, normalizeMode, normalizeScenario, parseLoadgenDetail, parseLoadgenSummary } from '../../../src/collect/parseLoadgen.js'
import { repoRoot } from '../../helpers/tmp.js'

const read = (dir: string, file: string) => readFileSync(path.join(repoRoot, 'test', 'fixtures', 'loadgen', dir, file), 'utf8')
const summary = (dir: string) => parseLoadgenSummary(read(dir, 'mlperf_log_summary.txt'))
const detail = (dir: string) => parseLoadgenDetail(read(dir, 'mlperf_log_detail.txt'))

describe('v0.5 summaries', () => {
  const r = summary('v05-multistream')

  it('reads "Multi Stream" and "Performance" as MultiStream and PerformanceOnly', () => {
    expect(r.scenario).toBe('MultiStream')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.sut).toBe('TinySUT')
    expect(r.valid).toBe(true)
  })

  it('keeps the per-query block apart from the per-sample block that reuses its labels', () => {
    expect(r.metrics['50_00_percentile_per_query_latency_ns']).toBe(43831598)
    expect(r.metrics['99_90_percentile_per_query_latency_ns']).toBe(52994417)
    expect(r.metrics['50_00_percentile_latency_ns']).toBe(31149851)
    expect(r.metrics['99_90_percentile_latency_ns']).toBe(51177340)
    expect(r.metrics.mean_latency_ns).toBe(30811702)
    // the issue intervals are a third block, not latencies
    expect(r.metrics['99_90_percentile_issue_interval']).toBe(2)
  })

  it('headline: samples per query, the v0.5 MultiStream result; the setting of the same name stays a setting', () => {
    expect(r.headline).toEqual({ metric: 'samples_per_query', value: 56, unit: 'samples/query', higherIsBetter: true })
    expect(r.settings.samples_per_query).toBe(56)
    expect(r.settings.min_query_count).toBe(270336)
  })
})

describe('v0.5 detail logs (plain text, not :::MLLOG lines)', () => {
  it('reads the version, the time, the SUT and the effective scenario, mode and settings', () => {
    const r = detail('v05-multistream')
    expect(r.version).toBe('.5a1 @ 0c0ffee123')
    expect(r.datetime).toBe('2019-10-11T09:30:00Z')
    expect(r.sut).toBe('TinySUT')
    expect(r.scenario).toBe('MultiStream')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.settings).toEqual({
      samples_per_query: 56,
      target_qps: 20,
      target_latency_ns: 50000000,
      target_latency_percentile: 0.99,
      max_async_queries: 1,
      min_duration_ms: 60000,
      max_duration_ms: 0,
      min_query_count: 270336,
      max_query_count: 0,
      min_sample_count: 15138816,
      qsl_rng_seed: '3133965575612453542',
      sample_index_rng_seed: '665484352860916858',
      schedule_rng_seed: '3622009729038561421',
      accuracy_log_rng_seed: 0,
      print_timestamps: 'false',
      performance_sample_count: 256,
    })
    // the requested settings (48 samples per query asked) are not what ran
    expect(r.metrics).toEqual({})
    expect(r.warnings).toBe(0)
    expect(r.errors).toBe(0)
    expect(r.invalidReasons).toEqual([])
  })

  it('beside its summary: the summary’s results, the detail’s version and time', () => {
    const r = combineLoadgen(summary('v05-multistream'), detail('v05-multistream'))
    expect(r.headline).toEqual({ metric: 'samples_per_query', value: 56, unit: 'samples/query', higherIsBetter: true })
    expect(r.metrics['50_00_percentile_per_query_latency_ns']).toBe(43831598)
    expect(r.version).toBe('.5a1 @ 0c0ffee123')
    expect(r.datetime).toBe('2019-10-11T09:30:00Z')
    expect(r.settings.min_sample_count).toBe(15138816)
    expect(r.settings.min_query_count).toBe(270336)
  })

  it('counts errors and warnings; an error continued on the next line at the same time is one reason', () => {
    const r = detail('v05-offline-error')
    expect(r.scenario).toBe('Offline')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.sut).toBe('OfflineSUT')
    expect(r.settings).toEqual({ samples_per_query: 364800, target_qps: 5500, min_query_count: 1, qsl_rng_seed: '13281865557512327830' })
    expect(r.errors).toBe(2)
    expect(r.warnings).toBe(1)
    expect(r.invalidReasons).toEqual([
      'error: Ending early: Ran out of generated queries to issue before the minimum query count and test duration were reached. Please update the relevant expected latency or target qps in the TestSettings so they are more accurate.',
      'error: A second made-up error.',
    ])
  })
})

describe('test settings and 64-bit seeds', () => {
  it('keeps seeds beyond 2^53 exact, as text, and out of the metrics', () => {
    const r = summary('singlestream-valid')
    expect(r.settings.qsl_rng_seed).toBe('13281865557512327830')
    expect(r.settings.sample_index_rng_seed).toBe('198141574272810017')
    expect(r.settings.schedule_rng_seed).toBe('7575108116881280410')
    expect(r.settings).toMatchObject({ target_qps: 2000, target_latency_ns: 0, min_duration_ms: 600000, min_query_count: 1024, performance_sample_count: 1024 })
    for (const name of Object.keys(r.settings)) expect(r.metrics).not.toHaveProperty(name)
  })

  it('a flag the detail log states as true or false is 1 or 0, as the summary prints it', () => {
    expect(detail('llm-singlestream').settings.use_token_latencies).toBe(1)
    const line = (key: string, value: unknown) =>
      `:::MLLOG ${JSON.stringify({ key, value, time_ms: 0.01, namespace: 'mlperf::logging', event_type: 'POINT_IN_TIME', metadata: { is_error: false, is_warning: false, file: 'test_settings_internal.cc', line_no: 1, pid: 1, tid: 1 } })}`
    const d = parseLoadgenDetail(
      [line('effective_scenario', 'Offline'), line('effective_print_timestamps', false), line('effective_performance_issue_unique', false)].join('\n'),
    )
    expect(d.settings).toEqual({ print_timestamps: 0, performance_issue_unique: 0 })
    expect(summary('offline-valid').settings).toMatchObject(d.settings)
  })

  it('reads the detail log’s integer seeds exactly too', () => {
    const r = detail('llm-server-tokens')
    expect(r.settings.qsl_rng_seed).toBe('3066443479025735752')
    expect(r.settings.schedule_rng_seed).toBe('14962580496156340209')
    expect(r.settings.target_qps).toBe(12.4)
  })
})

describe('headline per scenario', () => {
  it('SingleStream: the early-stopping estimate at the 90th percentile, in ns, lower is better', () => {
    const r = summary('singlestream-valid')
    expect(r.metrics.early_stopping_latency_ns).toBe(412301)
    expect(r.headline).toEqual({ metric: 'early_stopping_latency_ns', value: 412301, unit: 'ns', higherIsBetter: false })
    expect(r.metrics['90_00_percentile_latency_ns']).toBe(412077)
    expect(r.metrics.qps_with_loadgen_overhead).toBe(2455.99)
    expect(r.earlyStopping[0]!.estimates).toEqual([
      { percentile: 90, ns: 412301 },
      { percentile: 99, ns: 455719 },
    ])
  })

  it('MultiStream: the 99th percentile estimate; the per-query latencies under their own names', () => {
    const r = summary('multistream-valid')
    expect(r.headline).toMatchObject({ metric: 'early_stopping_latency_ns', value: 1911870 })
    expect(r.metrics).toMatchObject({ '99_00_percentile_per_query_latency_ns': 1903114, min_query_latency_ns: 1401933, mean_query_latency_ns: 1733108 })
    expect(r.metrics).not.toHaveProperty('min_latency_ns')
    expect(r.warnings).toBe(2)
    expect(r.errors).toBe(0)
  })

  it('Server from LoadGen 4.1: completed samples per second, the scheduled rate kept beside it', () => {
    const r = summary('server-valid')
    expect(r.headline).toEqual({ metric: 'completed_samples_per_second', value: 4019.64, unit: 'samples/s', higherIsBetter: true })
    expect(r.metrics.scheduled_samples_per_second).toBe(4022.17)
    expect(r.earlyStopping).toEqual([{ kind: 'latency', lines: ['Run successful.'], estimates: [] }])
  })

  it('Server before 4.1 (scheduled printed as the result) and by version from a detail log alone', () => {
    const old = parseLoadgenSummary(
      'MLPerf Results Summary\nScenario : Server\nScheduled samples per second : 10\nResult is : VALID\nCompleted samples per second : 9\n',
    )
    expect(old.headline?.metric).toBe('scheduled_samples_per_second')
    const metrics = { scheduled_samples_per_second: 10, completed_samples_per_second: 9 }
    expect(headlineOf({ scenario: 'Server', metrics, version: '4.0.1' })?.metric).toBe('scheduled_samples_per_second')
    expect(headlineOf({ scenario: 'Server', metrics, version: '5.0 @ abc' })?.metric).toBe('completed_samples_per_second')
  })

  it('Offline: samples per second', () => {
    const r = combineLoadgen(summary('offline-valid'), detail('offline-valid'))
    expect(r.headline).toEqual({ metric: 'samples_per_second', value: 2486.81, unit: 'samples/s', higherIsBetter: true })
    expect(r.version).toBe('4.1 @ 7d2b2e6')
    expect(r.datetime).toBe('2024-11-24T10:15:00Z')
  })
})

describe('LLM logs: TTFT and TPOT, token metrics', () => {
  it('keeps the TTFT and TPOT early-stopping blocks apart', () => {
    const r = summary('llm-singlestream')
    expect(r.earlyStopping.map((e) => [e.kind, e.estimates])).toEqual([
      ['ttft', [{ percentile: 90, ns: 102817443 }]],
      ['tpot', [{ percentile: 90, ns: 25331907 }]],
    ])
    expect(r.metrics.early_stopping_ttft_latency_ns).toBe(102817443)
    expect(r.metrics.early_stopping_tpot_latency_ns).toBe(25331907)
    expect(r.settings).toMatchObject({ ttft_latency_ns: 2000000000, tpot_latency_ns: 200000000 })
  })

  it('gives the token metrics the same names in the summary and the detail log', () => {
    const s = summary('llm-singlestream')
    const d = detail('llm-singlestream')
    const shared = [
      'first_token_min_latency_ns',
      'first_token_max_latency_ns',
      'first_token_mean_latency_ns',
      'first_token_90_00_percentile_latency_ns',
      'time_to_output_token_min',
      'time_to_output_token_mean',
      'time_per_output_token_90_00_percentile_ns',
      'token_throughput',
      'token_throughput_with_loadgen_overhead',
      'qps_with_loadgen_overhead',
      '90_00_percentile_latency_ns',
    ]
    for (const name of shared) {
      expect(s.metrics[name], `summary ${name}`).toBeTypeOf('number')
      expect(d.metrics[name], `detail ${name}`).toBe(s.metrics[name])
    }
    expect(s.metrics.first_token_min_latency_ns).toBe(61220331)
    expect(s.metrics.time_per_output_token_90_00_percentile_ns).toBe(25210044)
    expect(Object.keys(s.metrics).filter((k) => /min_first_token|qps_w_/.test(k))).toEqual([])
  })

  it('TPOT lines printed as "Time to Output Token" (as published logs have them) get the same names as "Time per Output Token"', () => {
    const r = summary('llm-server-invalid')
    expect(r.metrics).toMatchObject({
      time_to_output_token_min: 11022312,
      time_to_output_token_max: 301229012,
      time_to_output_token_mean: 89311022,
      time_per_output_token_50_00_percentile_ns: 88012233,
      time_per_output_token_99_90_percentile_ns: 260011902,
      first_token_min_latency_ns: 41002118,
      first_token_99_90_percentile_latency_ns: 8401293220,
    })
    expect(Object.keys(r.metrics).filter((k) => /^(min|max|mean)_time/.test(k))).toEqual([])
  })

  it('LLM SingleStream headline: the 90th percentile latency; the TTFT/TPOT estimates from the detail log too', () => {
    const d = detail('llm-singlestream')
    expect(d.headline).toMatchObject({ metric: '90_00_percentile_latency_ns', value: 6620811202 })
    expect(d.metrics.early_stopping_ttft_latency_ns).toBe(102817443)
    expect(d.metrics.early_stopping_latency_ns).toBe(6631009876)
    expect(d.sut).toBe('EdgeLLM')
  })

  it('LLM Server headline: completed tokens per second; warnings counted', () => {
    const d = detail('llm-server-tokens')
    expect(d.headline).toEqual({ metric: 'completed_tokens_per_second', value: 3490.47, unit: 'tokens/s', higherIsBetter: true })
    expect(d.metrics.first_token_99_00_percentile_latency_ns).toBe(1811023340)
    expect(d.warnings).toBe(1)
    expect(d.errors).toBe(0)
    expect(d.earlyStopping.map((e) => e.kind)).toEqual(['ttft', 'tpot'])
  })
})

describe('INVALID runs', () => {
  it('states every reason: the failed constraints, the recommendations, early stopping, the errors', () => {
    const r = combineLoadgen(summary('server-invalid'), detail('server-invalid'))
    expect(r.valid).toBe(false)
    expect(r.invalidReasons).toEqual(
      expect.arrayContaining([
        'Performance constraints satisfied: NO',
        'Min duration satisfied: NO',
        'Min queries satisfied: NO',
        'Early stopping satisfied: NO',
        'Reduce target QPS to improve latency.',
        'Would need to run at least 39823 more queries, with the run being successful if every additional query were under latency.',
        'error_invalid_test_duration: Test duration less than min duration. Increase the target QPS so the loadgen pre-generates more queries.',
      ]),
    )
    expect(r.earlyStoppingMet).toBe(false)
    expect(new Set(r.invalidReasons).size).toBe(r.invalidReasons.length)
  })

  it('an LLM run: the TTFT block that failed says it is TTFT’s, the TPOT block that passed is no reason', () => {
    const r = summary('llm-server-invalid')
    expect(r.valid).toBe(false)
    expect(r.invalidReasons).toEqual([
      'Performance constraints satisfied: NO',
      'Early stopping satisfied: NO',
      'TTFT constrain not met: Reduce target QPS to improve latency.',
      'TTFT early stopping: Run unsuccessful.',
      'TTFT early stopping: Processed 6420 queries.',
      'TTFT early stopping: Would need to run at least 1187 more queries, with the run being successful if every additional query were under latency.',
    ])
    expect(r.earlyStopping.map((e) => [e.kind, e.lines[0]])).toEqual([
      ['ttft', 'Run unsuccessful.'],
      ['tpot', 'Run successful.'],
    ])
    expect(r.headline).toEqual({ metric: 'completed_tokens_per_second', value: 3000.27, unit: 'tokens/s', higherIsBetter: true })
    expect(r.settings).toMatchObject({ target_qps: 10.6, sample_index_rng_seed: '10688027786191513374', schedule_rng_seed: '14962580496156340209' })
  })

  it('a VALID run’s early-stopping lines are not reasons', () => {
    expect(summary('singlestream-valid').invalidReasons).toEqual([])
  })
})

describe('names', () => {
  it('normalises every version’s scenario and mode names', () => {
    expect(['Single Stream', 'SingleStream', 'Multi Stream', 'Server', 'Offline', 'interactive'].map(normalizeScenario)).toEqual([
      'SingleStream',
      'SingleStream',
      'MultiStream',
      'Server',
      'Offline',
      'Interactive',
    ])
    expect(['Performance', 'PerformanceOnly', 'Accuracy', 'Submission'].map(normalizeMode)).toEqual([
      'PerformanceOnly',
      'PerformanceOnly',
      'AccuracyOnly',
      'SubmissionRun',
    ])
  })
})
