// A round's published result summary: the submission checker's CSV
// (Organization, Availability, Division, SystemType, SystemName, Platform,
// Model, MlperfModel, Scenario, Result, Accuracy, ..., Units) or the same rows
// as JSON, which results repositories publish. One result per row; its
// Result in its Units becomes the headline metric under LoadGen's name for
// it (latencies in ns), so that a local run's logs and a published row name
// the same value the same way. Rows that cannot be read are skipped with
// the reason, naming their line.
import { normalizeScenario } from '../collect/parseLoadgen.js'
import type { PublishedResult } from './published.js'
import type { ReadNotes, Skipped } from './readTree.js'
import { acceleratorCountProblem, countOf, NO_ACCELERATOR, publishedHost, type SystemDescription } from './systemDescription.js'

type Row = Record<string, string>

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((r) => r.some((f) => f.trim()))
}

/** A column by any of the names summaries give it, case and spacing aside. */
function pick(row: Row, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = row[name.toLowerCase().replace(/[\s_]+/g, '')]
    if (v !== undefined && v.trim() !== '') return v.trim()
  }
  return undefined
}

const roundNumber = (round: string | undefined) => {
  const m = round ? /(\d+)\.(\d+)/.exec(round) : null
  return m ? Number(m[1]) + Number(m[2]) / 10 : undefined
}

/** LoadGen's name and unit for a row's Result, from its Units and scenario; undefined for units no run reports (power). */
export function headlineFromUnits(
  units: string,
  scenario: string,
  round: string | undefined,
): { metric: string; unit: string; scale: number; higherIsBetter: boolean } | undefined {
  const u = units.toLowerCase().replace(/\s+/g, '')
  const serverLike = scenario === 'Server' || scenario === 'Interactive'
  if (u === 'tokens/s') return { metric: serverLike ? 'completed_tokens_per_second' : 'tokens_per_second', unit: 'tokens/s', scale: 1, higherIsBetter: true }
  if (u === 'samples/s' || u === 'queries/s') {
    if (!serverLike) return { metric: 'samples_per_second', unit: 'samples/s', scale: 1, higherIsBetter: true }
    // the checker reported the scheduled rate before v4.1
    const n = roundNumber(round)
    return {
      metric: n !== undefined && n < 4.1 ? 'scheduled_samples_per_second' : 'completed_samples_per_second',
      unit: 'samples/s',
      scale: 1,
      higherIsBetter: true,
    }
  }
  const latency = /^latency\((ms|us|ns)\)$/.exec(u)
  if (latency) {
    const scale = { ms: 1e6, us: 1e3, ns: 1 }[latency[1] as 'ms' | 'us' | 'ns']
    return { metric: 'early_stopping_latency_ns', unit: 'ns', scale, higherIsBetter: false }
  }
  if (u === 'samplesperquery' || u === 'samples/query') return { metric: 'samples_per_query', unit: 'samples/query', scale: 1, higherIsBetter: true }
  return undefined
}

/** The rows of a summary file (CSV or JSON), keyed by their squashed column names, with their line numbers. */
function rowsOf(text: string, file: string): Array<{ line: number; row: Row }> {
  const squash = (k: string) => k.toLowerCase().replace(/[\s_]+/g, '')
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    const parsed = JSON.parse(text) as unknown
    const items = Array.isArray(parsed) ? parsed : Object.values(parsed as Record<string, unknown>)
    return items.map((item, i) => ({
      line: i + 1,
      row: Object.fromEntries(
        Object.entries((item ?? {}) as Record<string, unknown>).map(([k, v]) => [squash(k), v === null || v === undefined ? '' : String(v)]),
      ),
    }))
  }
  const [head, ...body] = parseCsv(text)
  const names = (head ?? []).map(squash)
  return body.map((cells, i) => ({ line: i + 2, row: Object.fromEntries(names.map((n, k) => [n, cells[k] ?? ''])) }))
}

export function readSummaryFile(text: string, file: string, opts: { round?: string } = {}): { results: PublishedResult[] } & ReadNotes {
  const results: PublishedResult[] = []
  const skipped: Skipped[] = []
  const warnings: Skipped[] = []
  // a system's rows repeat its description: a problem with it is said once, at its first row
  const warnedSystems = new Set<string>()
  let rows: ReturnType<typeof rowsOf>
  try {
    rows = rowsOf(text, file)
  } catch (e) {
    return { results, skipped: [{ path: file, reason: `not CSV or JSON rows: ${(e as Error).message}` }], warnings }
  }
  const seen = new Set<string>()
  for (const { line, row } of rows) {
    const where = `${file}:${line}`
    const submitter = pick(row, 'Organization', 'Submitter')
    const system = pick(row, 'Platform', 'System', 'SystemId', 'system_desc_id')
    const benchmark = pick(row, 'MlperfModel', 'Benchmark', 'Model')
    const scenarioText = pick(row, 'Scenario')
    const resultText = pick(row, 'Result', 'Performance_Result')
    const units = pick(row, 'Units', 'Unit', 'Performance_Units')
    const missing = Object.entries({
      Organization: submitter,
      Platform: system,
      MlperfModel: benchmark,
      Scenario: scenarioText,
      Result: resultText,
      Units: units,
    })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k)
    if (missing.length) {
      skipped.push({ path: where, reason: `no ${missing.join(', ')}` })
      continue
    }
    const value = Number(resultText)
    if (!Number.isFinite(value)) {
      skipped.push({ path: where, reason: `Result ${resultText} is not a number` })
      continue
    }
    const scenario = normalizeScenario(scenarioText!)
    const round = opts.round ?? pick(row, 'version', 'Round')
    const headline = headlineFromUnits(units!, scenario, round)
    if (!headline) {
      skipped.push({ path: where, reason: `Units ${units} is no performance result a LoadGen run reports (power rows are not imported)` })
      continue
    }
    const division = (pick(row, 'Division') ?? 'closed').toLowerCase()
    const key = [round, division, submitter, system, benchmark, scenario].join('|')
    if (seen.has(key)) {
      skipped.push({ path: where, reason: 'the same result as an earlier row' })
      continue
    }
    seen.add(key)
    const sys: SystemDescription = {
      system_name: pick(row, 'SystemName'),
      system_type: pick(row, 'SystemType'),
      status: pick(row, 'Availability'),
      number_of_nodes: pick(row, 'number_of_nodes'),
      host_processor_model_name: pick(row, 'host_processor_model_name'),
      host_processors_per_node: pick(row, 'host_processors_per_node'),
      host_processor_core_count: pick(row, 'host_processor_core_count'),
      accelerator_model_name: pick(row, 'accelerator_model_name'),
      accelerators_per_node: pick(row, 'accelerators_per_node'),
      framework: pick(row, 'framework'),
      operating_system: pick(row, 'operating_system'),
    }
    for (const k of Object.keys(sys)) if (sys[k] === undefined) delete sys[k]
    const perNode = countOf(sys.accelerators_per_node)
    const totalText = pick(row, 'total_accelerators')
    const totalGiven = countOf(totalText)
    const total = totalGiven ?? (perNode !== undefined ? perNode * (countOf(sys.number_of_nodes) ?? 1) : undefined)
    const countProblem =
      totalGiven !== undefined
        ? undefined
        : totalText !== undefined
          ? `total_accelerators ${JSON.stringify(totalText)} is not a count: ${total !== undefined ? `counted from accelerators_per_node and number_of_nodes as ${total}` : 'its results carry no accelerator count, and compares --per accelerator refuse them'}`
          : acceleratorCountProblem(sys)
    const systemKey = [round, division, submitter, system].join('|')
    if (countProblem && !warnedSystems.has(systemKey)) {
      warnedSystems.add(systemKey)
      warnings.push({ path: where, reason: `${submitter}/${system}: ${countProblem}` })
    }
    const accelerator =
      typeof sys.accelerator_model_name === 'string' && !NO_ACCELERATOR.test(sys.accelerator_model_name) ? sys.accelerator_model_name : undefined
    const location = pick(row, 'Location')
    const accuracy = pick(row, 'Accuracy')
    const v = value * headline.scale
    results.push({
      source: {
        kind: 'mlperf',
        ...(round ? { round } : {}),
        submitter: submitter!,
        division,
        ...(sys.status ? { availability: String(sys.status).toLowerCase() } : {}),
        system: system!,
        ...(sys.system_name ? { systemName: String(sys.system_name) } : {}),
        ...(sys.system_type ? { systemType: String(sys.system_type) } : {}),
        benchmark: benchmark!,
        scenario,
        mode: 'PerformanceOnly',
        ...(accelerator ? { accelerator } : {}),
        ...(total !== undefined ? { accelerators: total } : {}),
        ...(sys.host_processor_model_name ? { hostProcessor: String(sys.host_processor_model_name) } : {}),
        ...(sys.framework ? { framework: String(sys.framework) } : {}),
        ...(sys.operating_system ? { operatingSystem: String(sys.operating_system) } : {}),
        headline: { metric: headline.metric, value: v, unit: headline.unit, higherIsBetter: headline.higherIsBetter },
        // the checker lists only results that passed; its compliance column says which tests it ran
        valid: true,
        ...(accuracy ? { accuracy } : {}),
        systemDescription: sys,
        from: location ? `${where} (${location})` : where,
      },
      host: publishedHost(submitter!, system!, sys),
      metrics: { [headline.metric]: v },
      files: [],
    })
  }
  // a round is part of each result's key: rows without one come in again from the round's tree, or with --round
  const roundless = results.filter((r) => r.source.round === undefined).length
  if (roundless)
    warnings.push({
      path: file,
      reason: `${roundless === results.length ? 'its rows name' : `${roundless} of its rows name`} no round (no version or Round column): they are keyed without one; give --round v4.1 to record it`,
    })
  return { results, skipped, warnings }
}
