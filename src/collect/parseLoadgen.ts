// MLPerf LoadGen logs. mlperf_log_summary.txt is "Key : value" lines under
// section headers ("MLPerf Results Summary", "Additional Stats", "Test
// Parameters Used"); mlperf_log_detail.txt is ":::MLLOG {json}" lines (v0.5's
// is plain text: '"pid": 1, "tid": 1, "ts": 80284ns : Scenario : Offline'). All are
// read into one shape with one name per value, whichever file it came from:
// metrics (numbers a run measured), settings (what the run was asked to do:
// target_qps, seeds, durations; 64-bit seeds kept exact as text), the
// headline metric MLPerf reports for the scenario and LoadGen version, the
// validity with every reason LoadGen states, early stopping, and the counts
// of warnings and errors. Shapes from v0.5 on: "Multi Stream" and
// "Performance" names, the v0.5 MultiStream per-query and per-sample blocks
// (same labels, different values), LLM TTFT and TPOT early-stopping blocks.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { loggedAs } from './scenarios.js'

export type EarlyStoppingKind = 'latency' | 'ttft' | 'tpot'

export interface EarlyStopping {
  kind: EarlyStoppingKind
  /** LoadGen's lines, a wrapped line joined to the one it continues */
  lines: string[]
  /** the early-stopping latency estimates LoadGen states, in ns, per percentile (90 for "90.0th") */
  estimates: Array<{ percentile: number; ns: number }>
}

export interface Headline {
  /** the metric's name among `metrics` */
  metric: string
  value: number
  unit: string
  higherIsBetter: boolean
}

export interface LoadgenResult {
  /** SingleStream, MultiStream, Server, Offline or Interactive (v0.5's "Multi Stream" as MultiStream) */
  scenario?: string
  /** PerformanceOnly, AccuracyOnly, SubmissionRun or FindPeakPerformance (v0.5's "Performance" as PerformanceOnly) */
  mode?: string
  sut?: string
  /** LoadGen's version as the detail log states it ("4.1 @ 7d2b2e6"); summaries do not say */
  version?: string
  /** when the test ran, as the detail log states it */
  datetime?: string
  valid?: boolean
  invalidReasons: string[]
  metrics: Record<string, number>
  /** test settings; integers beyond 2^53 (seeds) as their exact digits */
  settings: Record<string, number | string>
  headline?: Headline
  earlyStoppingMet?: boolean
  earlyStopping: EarlyStopping[]
  warnings?: number
  errors?: number
}

const SCENARIOS: Record<string, string> = {
  singlestream: 'SingleStream',
  multistream: 'MultiStream',
  multistreamfree: 'MultiStreamFree',
  server: 'Server',
  offline: 'Offline',
  interactive: 'Interactive',
}
const MODES: Record<string, string> = {
  performance: 'PerformanceOnly',
  performanceonly: 'PerformanceOnly',
  accuracy: 'AccuracyOnly',
  accuracyonly: 'AccuracyOnly',
  submission: 'SubmissionRun',
  submissionrun: 'SubmissionRun',
  findpeakperformance: 'FindPeakPerformance',
}
const squash = (s: string) => s.replace(/[\s_-]+/g, '').toLowerCase()

/** A scenario as LoadGen names it today, from any version's spelling. */
export function normalizeScenario(s: string): string {
  return SCENARIOS[squash(s)] ?? s.trim()
}

/** A test mode as LoadGen names it today, from any version's spelling. */
export function normalizeMode(s: string): string {
  return MODES[squash(s)] ?? s.trim()
}

const empty = (): LoadgenResult => ({ invalidReasons: [], metrics: {}, settings: {}, earlyStopping: [] })

/** A number, or undefined; digits beyond what a double holds exactly stay text (the caller decides). */
function numberOf(s: string): number | undefined {
  const t = s.trim()
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined
  const v = Number(t)
  return Number.isFinite(v) ? v : undefined
}

/** A setting's value: a number when exact, else the text as written (a 64-bit seed). */
function settingOf(s: string): number | string {
  const t = s.trim()
  const v = numberOf(t)
  if (v === undefined) return t
  return /^-?\d+$/.test(t) && !Number.isSafeInteger(v) ? t : v
}

const fallbackName = (k: string) =>
  k
    .trim()
    .toLowerCase()
    .replace(/\((\w+)\)/g, '$1')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')

const settingNames = new Map<string, string>()
/** A setting's name ("min_duration (ms)" -> min_duration_ms), remembered: every log repeats the same twenty. */
function settingName(key: string): string {
  let name = settingNames.get(key)
  if (name === undefined) settingNames.set(key, (name = fallbackName(key)))
  return name
}

/** "90" or "99.9" as the detail log writes a percentile in names: 90_00, 99_90. */
const pct = (p: string) => Number(p).toFixed(2).replace('.', '_')

type Block = 'sample' | 'query' | 'interval'

/** Names by label, block and scenario: a round's thousands of logs repeat a few dozen labels. */
const names = new Map<string, string>()

/** The name of a summary line's value: the detail log's name for it, so both files agree. */
function summaryMetricName(label: string, block: Block, scenario: string | undefined): string {
  const key = `${block}|${scenario}|${label}`
  let name = names.get(key)
  if (name === undefined) names.set(key, (name = nameOf(label, block, scenario)))
  return name
}

function nameOf(label: string, block: Block, scenario: string | undefined): string {
  const l = label.trim().replace(/\s+/g, ' ')
  const fixed: Record<string, string> = {
    'samples per second': 'samples_per_second',
    'completed samples per second': 'completed_samples_per_second',
    'scheduled samples per second': 'scheduled_samples_per_second',
    'samples per query': 'samples_per_query',
    'tokens per second': 'tokens_per_second',
    'completed tokens per second': 'completed_tokens_per_second',
    'tokens per second (inferred)': 'inferred_tokens_per_second',
    'completed tokens per second (inferred)': 'inferred_completed_tokens_per_second',
    'qps w/ loadgen overhead': 'qps_with_loadgen_overhead',
    'qps w/o loadgen overhead': 'qps_without_loadgen_overhead',
    'tps w/ loadgen overhead': 'token_throughput_with_loadgen_overhead',
    'tps w/o loadgen overhead': 'token_throughput',
  }
  const hit = fixed[l.toLowerCase()]
  if (hit) return hit
  let m: RegExpExecArray | null
  // the headline percentile: a sample latency, but a query latency in MultiStream
  if ((m = /^([\d.]+)th percentile latency \(ns\)$/.exec(l)))
    return scenario === 'MultiStream' ? `${pct(m[1]!)}_percentile_per_query_latency_ns` : `${pct(m[1]!)}_percentile_latency_ns`
  if ((m = /^([\d.]+)th first token percentile latency \(ns\)$/.exec(l))) return `first_token_${pct(m[1]!)}_percentile_latency_ns`
  if ((m = /^(min|max|mean) latency \(ns\)$/i.exec(l)))
    return block === 'query' ? `${m[1]!.toLowerCase()}_query_latency_ns` : `${m[1]!.toLowerCase()}_latency_ns`
  if ((m = /^([\d.]+) percentile latency \(ns\)$/.exec(l)))
    return block === 'query' ? `${pct(m[1]!)}_percentile_per_query_latency_ns` : `${pct(m[1]!)}_percentile_latency_ns`
  if ((m = /^([\d.]+) percentile$/.exec(l)) && block === 'interval') return `${pct(m[1]!)}_percentile_issue_interval`
  if ((m = /^(min|max|mean) first token latency \(ns\)$/i.exec(l))) return `first_token_${m[1]!.toLowerCase()}_latency_ns`
  if ((m = /^([\d.]+) percentile first token latency \(ns\)$/.exec(l))) return `first_token_${pct(m[1]!)}_percentile_latency_ns`
  // LoadGen has printed the TPOT lines as both "time per output token" and "time to output token"
  if ((m = /^(min|max|mean) time (?:per|to) output token \(ns\)$/i.exec(l))) return `time_to_output_token_${m[1]!.toLowerCase()}`
  if ((m = /^([\d.]+) percentile time (?:per|to) output token \(ns\)$/i.exec(l))) return `time_per_output_token_${pct(m[1]!)}_percentile_ns`
  return fallbackName(l)
}

/** The name of a detail `result_*` key: no prefix, dots as underscores, _per_sec as _per_second. */
function detailMetricName(key: string): string {
  return key
    .replace(/^result_/, '')
    .replace(/\./g, '_')
    .replace(/_per_sec$/, '_per_second')
}

const ESTIMATE = /Early stopping ([\d.]+)th percentile estimate: (\d+)/

function earlyStoppingOf(kind: EarlyStoppingKind, lines: string[]): EarlyStopping {
  const estimates: EarlyStopping['estimates'] = []
  for (const line of lines) {
    const m = ESTIMATE.exec(line)
    if (m) estimates.push({ percentile: Number(m[1]), ns: Number(m[2]) })
  }
  return { kind, lines, estimates }
}

/**
 * The estimate a scenario reports: SingleStream gives its target percentile
 * (90th) first and the 99th after it; MultiStream's target is the 99th.
 */
function reportedEstimate(es: EarlyStopping, scenario: string | undefined): number | undefined {
  const { estimates } = es
  if (!estimates.length) return undefined
  return (scenario === 'MultiStream' ? estimates[estimates.length - 1] : estimates[0])!.ns
}

const EARLY_METRIC: Record<EarlyStoppingKind, string> = {
  latency: 'early_stopping_latency_ns',
  ttft: 'early_stopping_ttft_latency_ns',
  tpot: 'early_stopping_tpot_latency_ns',
}

type BulletTarget = 'recommendations' | EarlyStoppingKind

export function parseLoadgenSummary(text: string): LoadgenResult {
  const res = empty()
  let section: 'results' | 'stats' | 'settings' | undefined
  let block: Block = 'sample'
  let bullets: BulletTarget | undefined
  let resultsMetric: string | undefined
  const lists: Partial<Record<BulletTarget, string[]>> = {}
  const failed: string[] = []
  let open: string[] | undefined // the bullet list a continuation line joins

  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (/^=+$/.test(line)) continue
    if (line === 'MLPerf Results Summary') section = 'results'
    else if (line === 'Additional Stats') section = 'stats'
    else if (line === 'Test Parameters Used') section = 'settings'
    if (['MLPerf Results Summary', 'Additional Stats', 'Test Parameters Used'].includes(line)) {
      bullets = undefined
      block = 'sample'
      continue
    }
    let m: RegExpExecArray | null
    if ((m = /^(No|\d+) warnings? encountered/i.exec(line))) {
      res.warnings = m[1] === 'No' ? 0 : Number(m[1])
      continue
    }
    if ((m = /^(No|\d+) errors? encountered/i.exec(line))) {
      res.errors = m[1] === 'No' ? 0 : Number(m[1])
      continue
    }
    // bullets: recommendations and early-stopping results; a wrapped one continues on an indented line
    if (bullets && /^\s*\*\s/.test(raw)) {
      open = lists[bullets] ??= []
      open.push(line.replace(/^\*\s*/, ''))
      continue
    }
    if (open && bullets && /^\s+\S/.test(raw) && !/\s:\s|:$/.test(line)) {
      open[open.length - 1] += ' ' + line
      continue
    }
    open = undefined
    const header = /^(Recommendations|Early Stopping Result|TTFT Early Stopping Result|TPOT Early Stopping Result):$/.exec(line)
    if (header) {
      bullets =
        header[1] === 'Recommendations' ? 'recommendations' : header[1]!.startsWith('TTFT') ? 'ttft' : header[1]!.startsWith('TPOT') ? 'tpot' : 'latency'
      continue
    }
    bullets = undefined
    if (/^Per-query latency:/.test(line)) {
      block = 'query'
      continue
    }
    if (/^Per-sample latency:/.test(line)) {
      block = 'sample'
      continue
    }
    if (/^Intervals between each IssueQuery:/.test(line)) {
      block = 'interval'
      continue
    }
    m = /^([^:]+?)\s*:\s*(.*)$/.exec(line)
    if (!m) continue
    const key = m[1]!
    const value = m[2]!.trim()
    if (section === 'settings') {
      res.settings[settingName(key)] = settingOf(value)
      continue
    }
    if (key === 'SUT name') res.sut = value
    else if (key === 'Scenario') res.scenario = normalizeScenario(value)
    else if (key === 'Mode') res.mode = normalizeMode(value)
    else if (key === 'Result is') res.valid = value === 'VALID'
    else if (/ satisfied$/i.test(key)) {
      const ok = /^yes$/i.test(value)
      if (/^early stopping/i.test(key)) res.earlyStoppingMet = /^(yes|no)$/i.test(value) ? ok : undefined
      if (/^no$/i.test(value) || /NOT/.test(value)) failed.push(`${key}: ${value}`)
    } else {
      const v = numberOf(value)
      if (v === undefined) continue
      const name = summaryMetricName(key, block, res.scenario)
      res.metrics[name] = v
      if (section === 'results') resultsMetric ??= name
    }
  }

  for (const kind of ['latency', 'ttft', 'tpot'] as const) {
    if (!lists[kind]) continue
    const es = earlyStoppingOf(kind, lists[kind])
    res.earlyStopping.push(es)
    const ns = reportedEstimate(es, res.scenario)
    if (ns !== undefined) res.metrics[EARLY_METRIC[kind]] = ns
  }
  if (res.valid === false) {
    res.invalidReasons.push(...failed, ...(lists.recommendations ?? []))
    // early stopping's lines say why only when early stopping failed, and only a block that did not succeed
    // (an LLM's TPOT block can pass where its TTFT block failed); the token blocks say which they are, as their lines are alike
    if (res.earlyStoppingMet === false)
      for (const es of res.earlyStopping)
        if (!/^run successful/i.test(es.lines[0] ?? ''))
          res.invalidReasons.push(...es.lines.map((l) => (es.kind === 'latency' ? l : `${es.kind.toUpperCase()} early stopping: ${l}`)))
  }
  res.headline = headlineOf(res, resultsMetric)
  return res
}

interface DetailEntry {
  key: string
  value: unknown
  metadata?: { is_error?: boolean; is_warning?: boolean }
}

/**
 * Keys the parser reads (below); a detail log's other lines (the LoadGen
 * sources' hashes, sample sets, logger counters: most of its bytes) are not
 * parsed unless LoadGen marked them as an error or a warning.
 */
const READ_KEY = /^(effective_|requested_scenario$|requested_test_mode$|loadgen_version$|sut_name$|test_datetime$|result_|num_errors$|error|early_stopping_)/

/** A line's key without parsing it: LoadGen writes `"key": "name"` first. */
function keyOf(line: string): string | undefined {
  let at = line.indexOf('"key":')
  if (at < 0) return undefined
  at += 6
  while (line[at] === ' ') at++
  if (line[at] !== '"') return undefined
  const end = line.indexOf('"', at + 1)
  return end < 0 ? undefined : line.slice(at + 1, end)
}
const FLAGGED = /"is_(error|warning)":\s*true/
const flagged = (text: string) => FLAGGED.test(text)

/** One :::MLLOG line the parser reads; integers beyond 2^53 (seeds) are kept as their digits. */
function detailEntry(line: string, anyFlagged: boolean): DetailEntry | undefined {
  const i = line.indexOf(':::MLLOG')
  if (i < 0) return undefined
  const key = keyOf(line)
  if (key !== undefined && !READ_KEY.test(key) && !(anyFlagged && flagged(line))) return undefined
  const json = line
    .slice(i + 8)
    .replace(/("value":\s*)(-?\d{16,})(\s*[,}])/, (all, head: string, digits: string, tail: string) =>
      Number.isSafeInteger(Number(digits)) ? all : `${head}"${digits}"${tail}`,
    )
  try {
    const entry = JSON.parse(json) as DetailEntry
    return entry && typeof entry.key === 'string' ? entry : undefined
  } catch {
    return undefined
  }
}

export function parseLoadgenDetail(text: string): LoadgenResult {
  if (!text.includes(':::MLLOG') && V05_LINE.test(text)) return parseV05Detail(text)
  const res = empty()
  const entries: DetailEntry[] = []
  // most logs flag no line: then no line needs looking at for a flag
  const anyFlagged = flagged(text)
  for (const line of text.split('\n')) {
    const entry = detailEntry(line, anyFlagged)
    if (entry) entries.push(entry)
  }
  let warnings = 0,
    errors = 0
  const early: Partial<Record<EarlyStoppingKind, string>> = {}
  const estimates: Record<string, number> = {}
  for (const { key, value, metadata } of entries) {
    if (metadata?.is_warning) warnings++
    if (metadata?.is_error) errors++
    if (key === 'effective_scenario') res.scenario = normalizeScenario(String(value))
    else if (key === 'requested_scenario') res.scenario ??= normalizeScenario(String(value))
    else if (key === 'effective_test_mode') res.mode = normalizeMode(String(value))
    else if (key === 'requested_test_mode') res.mode ??= normalizeMode(String(value))
    else if (key === 'loadgen_version') res.version = String(value)
    else if (key === 'sut_name') res.sut = String(value)
    else if (key === 'test_datetime') res.datetime = String(value)
    else if (key === 'result_validity') res.valid = value === 'VALID'
    else if (key === 'num_errors' && typeof value === 'number') res.errors = value
    else if (/^error/.test(key)) res.invalidReasons.push(`${key}: ${String(value)}`)
    else if (key === 'result_invalid_reason' && value) res.invalidReasons.push(String(value).trim())
    else if (key === 'early_stopping_met') {
      res.earlyStoppingMet = value === true
      if (value === false) res.invalidReasons.push('early_stopping_met: false')
    } else if (/^result_.*_met$/.test(key)) {
      if (value === false) res.invalidReasons.push(`${key.replace(/^result_/, '')}: false`)
    } else if (key === 'early_stopping_result') early.latency = String(value)
    else if (key === 'early_stopping_ttft_result') early.ttft = String(value)
    else if (key === 'early_stopping_tpot_result') early.tpot = String(value)
    else if (/^early_stopping_latency_(ss|ms)$/.test(key) && typeof value === 'number') estimates[key] = value
    // a flag is 0 or 1, as the summary prints it, so both logs state a setting alike
    else if (key.startsWith('effective_'))
      res.settings[key.slice(10)] = typeof value === 'number' || typeof value === 'string' ? value : typeof value === 'boolean' ? Number(value) : String(value)
    else if (typeof value === 'number' && /^result_/.test(key)) res.metrics[detailMetricName(key)] = value
  }
  res.warnings = warnings
  res.errors ??= errors
  for (const kind of ['latency', 'ttft', 'tpot'] as const) {
    const said = early[kind]
    if (!said) continue
    // the detail log joins LoadGen's lines into one; split it back at its bullets
    const lines = said
      .split(/\s*\*\s+/)
      .map((s) => s.trim())
      .filter(Boolean)
    const es = earlyStoppingOf(kind, lines)
    res.earlyStopping.push(es)
    const ns = reportedEstimate(es, res.scenario)
    if (ns !== undefined && kind !== 'latency') res.metrics[EARLY_METRIC[kind]] = ns
  }
  // the estimate the scenario reports: SingleStream's from _ss, MultiStream's from _ms
  const estimate =
    res.scenario === 'SingleStream' ? estimates.early_stopping_latency_ss : res.scenario === 'MultiStream' ? estimates.early_stopping_latency_ms : undefined
  if (estimate !== undefined) res.metrics.early_stopping_latency_ns = estimate
  else {
    const es = res.earlyStopping.find((e) => e.kind === 'latency')
    const ns = es && reportedEstimate(es, res.scenario)
    if (ns !== undefined) res.metrics.early_stopping_latency_ns = ns
  }
  res.headline = headlineOf(res, undefined)
  return res
}

/** A v0.5 detail line's prefix: process, thread and time stamp. */
const V05_LINE = /^"pid": \d+, "tid": \d+, "ts": \d+ns : ?/m
const V05_PREFIX = /^"pid": \d+, "tid": (\d+), "ts": (\d+)ns : ?/

/**
 * A v0.5 detail log: plain lines under the prefix, the settings in blocks
 * ("Effective Settings:", "Requested Settings:") that end at an empty line,
 * errors as "ERROR : ..." continued by the lines logged at the same time.
 * It states no results (the summary does): the version, the time of the test,
 * the SUT, the effective scenario, mode and settings, errors and warnings.
 */
function parseV05Detail(text: string): LoadgenResult {
  const res = empty()
  let block: 'effective' | 'requested' | undefined
  let warnings = 0,
    errors = 0
  let lastError: { stamp: string; index: number } | undefined
  for (const raw of text.split('\n')) {
    const prefix = V05_PREFIX.exec(raw)
    if (!prefix) continue // a multi-line value (the git log, the sources' hashes)
    const stamp = `${prefix[1]}:${prefix[2]}`
    const line = raw.slice(prefix[0].length).trim()
    if (lastError?.stamp === stamp && line && !/\s:\s|:$/.test(line)) {
      res.invalidReasons[lastError.index] += ' ' + line
      continue
    }
    lastError = undefined
    let m: RegExpExecArray | null
    if (!line) block = undefined
    else if (line === 'Effective Settings:') block = 'effective'
    else if (line === 'Requested Settings:') block = 'requested'
    else if ((m = /^ERROR\s*:\s*(.*)$/.exec(line))) {
      errors++
      lastError = { stamp, index: res.invalidReasons.push(`error: ${m[1]}`) - 1 }
    } else if (/^WARNING\b/.test(line)) warnings++
    else if ((m = /^version\s*:\s*(.+)$/.exec(line)) && !block) res.version = m[1]!.trim()
    else if ((m = /^Date \+ time of test:\s*(.+)$/.exec(line))) res.datetime = m[1]!.trim()
    else if ((m = /^System Under Test \(SUT\) name:\s*(.+)$/.exec(line))) res.sut = m[1]!.trim()
    else if (block && (m = /^([^:]+?)\s*:\s*(.*)$/.exec(line))) {
      const [, key, value] = m as unknown as [string, string, string]
      if (key === 'Scenario') {
        if (block === 'effective') res.scenario = normalizeScenario(value)
        else res.scenario ??= normalizeScenario(value)
      } else if (key === 'Test mode') {
        if (block === 'effective') res.mode = normalizeMode(value)
        else res.mode ??= normalizeMode(value)
      } else if (block === 'effective') res.settings[settingName(key)] = settingOf(value)
    }
  }
  res.warnings = warnings
  res.errors = errors
  return res
}

/** One result from a run's summary and detail logs: the summary's values where both have one. */
export function combineLoadgen(summary: LoadgenResult | undefined, detail: LoadgenResult | undefined): LoadgenResult {
  if (!summary) return detail ?? empty()
  if (!detail) return summary
  const res: LoadgenResult = {
    ...detail,
    ...dropUndefined(summary),
    metrics: { ...detail.metrics, ...summary.metrics },
    settings: { ...detail.settings, ...summary.settings },
    invalidReasons: [...new Set([...summary.invalidReasons, ...detail.invalidReasons])],
    earlyStopping: summary.earlyStopping.length ? summary.earlyStopping : detail.earlyStopping,
    version: detail.version,
    datetime: detail.datetime,
  }
  res.headline = summary.headline ?? detail.headline
  if (res.headline) res.headline = { ...res.headline, value: res.metrics[res.headline.metric] ?? res.headline.value }
  return res
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The unit of a LoadGen metric, by its name. */
export function loadgenUnit(name: string): string | undefined {
  if (/tokens?_per_second$|^token_throughput/.test(name)) return 'tokens/s'
  if (/^qps_/.test(name)) return 'queries/s'
  if (/samples_per_second$/.test(name)) return 'samples/s'
  if (name === 'samples_per_query') return 'samples/query'
  if (/_ns$|^time_to_output_token_/.test(name)) return 'ns'
  if (/query_count$/.test(name)) return 'queries'
  return undefined
}

/** Whether more of a LoadGen metric is better: rates and samples per query are; latencies are not. */
export function loadgenHigherIsBetter(name: string): boolean | undefined {
  const unit = loadgenUnit(name)
  if (unit === 'ns') return false
  if (unit && unit !== 'queries') return true
  return undefined
}

/** LoadGen's major.minor as a number (4.1), when the version says. */
function versionNumber(version: string | undefined): number | undefined {
  const m = version ? /^(\d+)\.(\d+)/.exec(version) : null
  return m ? Number(m[1]) + Number(m[2]) / 10 : undefined
}

/**
 * The metric MLPerf reports for the run, per scenario and LoadGen version (as
 * the submission checker picks it): Offline samples (or tokens) per second;
 * Server and Interactive the completed rate from LoadGen 4.1 on, the
 * scheduled one before; SingleStream and MultiStream the early-stopping
 * latency estimate where LoadGen gives one, else the percentile latency, and
 * v0.5 MultiStream samples per query. `resultsMetric` is the value the
 * summary printed in its results section, which is the headline of its
 * version.
 */
export function headlineOf(res: Pick<LoadgenResult, 'scenario' | 'metrics' | 'version'>, resultsMetric?: string): Headline | undefined {
  const m = res.metrics
  const first = (...names: Array<string | undefined>) => names.find((n) => n !== undefined && m[n] !== undefined)
  const tokens = Object.keys(m).some((k) => k.startsWith('first_token_') || k.includes('tokens_per_second'))
  let metric: string | undefined
  switch (res.scenario) {
    case 'Offline':
      metric = first('tokens_per_second', 'inferred_tokens_per_second', 'samples_per_second')
      break
    case 'Server':
    case 'Interactive': {
      const version = versionNumber(res.version)
      const byVersion = version === undefined ? undefined : version >= 4.1 ? 'completed_samples_per_second' : 'scheduled_samples_per_second'
      const printed = resultsMetric === 'completed_samples_per_second' || resultsMetric === 'scheduled_samples_per_second' ? resultsMetric : undefined
      metric = first(
        'completed_tokens_per_second',
        'inferred_completed_tokens_per_second',
        printed,
        byVersion,
        'completed_samples_per_second',
        'scheduled_samples_per_second',
      )
      break
    }
    case 'SingleStream':
      metric = tokens
        ? first(resultsMetric?.endsWith('_percentile_latency_ns') ? resultsMetric : undefined, '90_00_percentile_latency_ns')
        : first('early_stopping_latency_ns', resultsMetric, '90_00_percentile_latency_ns')
      break
    case 'MultiStream':
      metric = first('early_stopping_latency_ns', resultsMetric, '99_00_percentile_per_query_latency_ns')
      break
    default:
      metric = first(resultsMetric)
  }
  if (!metric) return undefined
  return { metric, value: m[metric]!, unit: loadgenUnit(metric) ?? '', higherIsBetter: loadgenHigherIsBetter(metric) ?? true }
}

/** What a record keeps of a LoadGen result besides its metrics (ExperimentRecord.loadgen). */
export type LoadgenFacts = Omit<LoadgenResult, 'metrics' | 'invalidReasons'> & {
  invalidReasons?: string[]
  /** the scenario the benchmark's meta says a local run stands for (outputs.metrics.scenario), where its logs say another */
  declaredScenario?: string
}

/**
 * A local run's LoadGen facts with the scenario its meta declares: kept where
 * the logs say another that stands for it (Server for Interactive); one the
 * logs contradict is warned of, and the record keeps what the logs say.
 */
export function declareScenario(facts: LoadgenFacts | undefined, declared: string | undefined, warn: (message: string) => void): LoadgenFacts | undefined {
  if (!facts || declared === undefined || declared === facts.scenario) return facts
  if (loggedAs(facts.scenario, declared)) return { ...facts, declaredScenario: declared }
  warn(
    `outputs.metrics.scenario says ${declared}, but the LoadGen logs say ${facts.scenario ?? 'no scenario'}: the record keeps ${facts.scenario ? `${facts.scenario}, as the logs say` : 'no scenario'}`,
  )
  return facts
}

/** The facts of a result: everything but the metrics, which a record keeps as metric summaries. */
export function loadgenFacts(res: LoadgenResult): LoadgenFacts {
  const { metrics: _metrics, invalidReasons, ...facts } = res
  return invalidReasons.length ? { ...facts, invalidReasons } : facts
}

const SUMMARY_LOG = 'mlperf_log_summary.txt'
const DETAIL_LOG = 'mlperf_log_detail.txt'

/** The result the LoadGen logs in a folder state; undefined when it holds neither log or only empty ones. */
export function readLoadgenFolder(dir: string): LoadgenResult | undefined {
  // an empty or blank log is one not kept: parseLoadgenLogs reads it so
  const text = (name: string) => {
    try {
      return readFileSync(path.join(dir, name), 'utf8')
    } catch {
      return undefined
    }
  }
  return parseLoadgenLogs(text(SUMMARY_LOG), text(DETAIL_LOG))
}

/** The result a run's summary and detail log texts state; undefined when both are missing or empty. */
export function parseLoadgenLogs(summary: string | undefined, detail: string | undefined): LoadgenResult | undefined {
  if (!summary?.trim()) summary = undefined
  if (!detail?.trim()) detail = undefined
  if (summary === undefined && detail === undefined) return undefined
  return combineLoadgen(summary !== undefined ? parseLoadgenSummary(summary) : undefined, detail !== undefined ? parseLoadgenDetail(detail) : undefined)
}

export const LOADGEN_LOGS = [SUMMARY_LOG, DETAIL_LOG]

/** Among a record's output paths, the folder of the first LoadGen log (a performance run's before an accuracy run's). */
export function loadgenFolderOf(paths: readonly string[]): string | undefined {
  const logs = paths.filter((p) => [SUMMARY_LOG, DETAIL_LOG].includes(path.posix.basename(p))).map((p) => path.posix.dirname(p))
  return logs.find((d) => !/(^|\/)accuracy$/.test(d)) ?? logs[0]
}

/**
 * The LoadGen facts of a run whose outputs (under outputsDir, at these
 * record-relative paths) hold LoadGen logs, as an imported result has them:
 * what makes `scenario = Offline` select the run and lets it stand beside
 * published results. Undefined when its outputs hold no LoadGen log, or only
 * logs that state nothing.
 */
export function loadgenOfOutputs(outputsDir: string, paths: readonly string[]): LoadgenFacts | undefined {
  const folder = loadgenFolderOf(paths)
  const res = folder === undefined ? undefined : readLoadgenFolder(path.join(outputsDir, folder))
  return res && (res.scenario || Object.keys(res.metrics).length) ? loadgenFacts(res) : undefined
}
