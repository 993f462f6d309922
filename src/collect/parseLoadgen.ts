// MLPerf LoadGen logs. mlperf_log_summary.txt is "Key : value" lines under
// section headers; mlperf_log_detail.txt is ":::MLLOG {json}" lines. Both give
// the scenario, the throughput (samples/s or QPS), latency percentiles and
// VALID/INVALID with the reasons LoadGen states.

export interface LoadgenResult {
  scenario?: string
  mode?: string
  valid?: boolean
  invalidReasons: string[]
  metrics: Record<string, number>
}

const num = (s: string) => {
  const v = Number(s.trim())
  return Number.isFinite(v) ? v : undefined
}

const metricName = (k: string) =>
  k
    .trim()
    .toLowerCase()
    .replace(/\(ns\)/, 'ns')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')

export function parseLoadgenSummary(text: string): LoadgenResult {
  const res: LoadgenResult = { invalidReasons: [], metrics: {} }
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const m = /^([^:]+?)\s*:\s*(.+)$/.exec(line)
    if (!m) continue
    const [, key, value] = m
    if (key === 'Scenario') res.scenario = value.trim()
    else if (key === 'Mode') res.mode = value.trim()
    else if (key === 'Result is') res.valid = value.trim() === 'VALID'
    else if (/NOT met|not satisfied/i.test(value) || /^(Min duration|Min queries|Early stopping|Performance constraints) satisfied$/i.test(key)) {
      if (/^No$/i.test(value.trim()) || /NOT/i.test(value)) res.invalidReasons.push(`${key.trim()}: ${value.trim()}`)
    } else {
      const v = num(value)
      if (v !== undefined) res.metrics[metricName(key)] = v
    }
  }
  // Reasons LoadGen prints as free text under "Recommendations"; a reason may
  // wrap onto indented continuation lines.
  if (res.valid === false) {
    let cur: string | undefined
    const flush = () => {
      if (cur) res.invalidReasons.push(cur)
      cur = undefined
    }
    for (const line of text.split('\n')) {
      if (/^\s*\*\s/.test(line)) {
        flush()
        cur = line.trim().replace(/^\*\s*/, '')
      } else if (cur !== undefined && /^\s+\S/.test(line) && !/:\s*\S/.test(line) && !/^=+$/.test(line.trim())) cur += ' ' + line.trim()
      else flush()
    }
    flush()
  }
  return res
}

export function parseLoadgenDetail(text: string): LoadgenResult {
  const res: LoadgenResult = { invalidReasons: [], metrics: {} }
  for (const line of text.split('\n')) {
    const i = line.indexOf(':::MLLOG')
    if (i < 0) continue
    let entry: { key?: string; value?: unknown }
    try {
      entry = JSON.parse(line.slice(i + 8).trim())
    } catch {
      continue
    }
    const { key, value } = entry
    if (!key) continue
    if (key === 'effective_scenario' || key === 'requested_scenario') res.scenario ??= String(value)
    else if (key === 'effective_test_mode' || key === 'requested_test_mode') res.mode ??= String(value)
    else if (key === 'result_validity') res.valid = value === 'VALID'
    else if (key === 'error_invalid_config' || key === 'error_invalid_test_duration' || /^error/.test(key)) res.invalidReasons.push(`${key}: ${String(value)}`)
    else if (key === 'result_invalid_reason' && value) res.invalidReasons.push(String(value))
    else if (/^result_.*_met$/.test(key) && value === false) res.invalidReasons.push(`${key.replace(/^result_/, '')}: false`)
    // Same names as the summary gives: 50.00_percentile -> 50_00_percentile, _per_sec -> _per_second.
    else if (typeof value === 'number' && /^result_/.test(key)) res.metrics[metricName(key.replace(/^result_/, '')).replace(/_per_sec$/, '_per_second')] = value
  }
  return res
}
