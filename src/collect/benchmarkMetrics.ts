// A benchmark's metrics as its meta declares them (JSON file, MLPerf LoadGen
// logs, regexes over stdout): per repeat from the collected outputs, then
// summarized over the repeats for the record. Metrics declared and not
// produced fail the repeat, whichever way they were declared: a run that
// measured nothing is not `ok`.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import type { PlanBenchmark } from '../resolve/plan.js'
import type { ExperimentRecord } from '../store/record.js'
import { parseJsonMetrics, type JsonMetrics } from './parseJsonMetrics.js'
import { loadgenHigherIsBetter, loadgenUnit, parseLoadgenDetail, parseLoadgenSummary } from './parseLoadgen.js'
import { RegexLineMatcher } from './parseRegexMetrics.js'
import { summarize } from './summarize.js'

type OutputsSpec = PlanBenchmark['outputs']

export interface RepeatMetrics {
  metrics: Record<string, number>
  /** Why the repeat counts as failed: a declared metric not produced, the metrics file missing or not JSON, LoadGen says INVALID. */
  problem?: string
  /** What the user should hear of though the repeat did not fail: values of the metrics file that are not metrics. */
  warnings?: string[]
}

/** How many dropped values a message names before it only counts the rest. */
const NAMED = 10

/** One repeat's metrics, from its outputs in `outDir` and its stdout. */
export function repeatMetrics(outputs: OutputsSpec, outDir: string, stdout: string): RepeatMetrics {
  const spec = outputs.metrics
  if (!spec) return { metrics: {} }
  if (spec.format === 'regex') return regexMetrics(spec.patterns ?? {}, stdout)
  if (spec.format === 'json') return jsonMetrics(outputs, outDir)
  return loadgenMetrics(path.join(outDir, spec.file ?? ''))
}

/** Each pattern's value, or the repeat fails naming each metric stdout did not give and why. */
function regexMetrics(patterns: Record<string, string>, stdout: string): RepeatMetrics {
  // the meta check refuses this when the meta loads; a plan made otherwise still fails honestly
  if (!Object.keys(patterns).length) return { metrics: {}, problem: 'outputs.metrics declares format: regex but no patterns' }
  const matcher = new RegexLineMatcher(patterns)
  matcher.write(stdout)
  const metrics = matcher.metrics()
  const missing = matcher.missing()
  return missing.length ? { metrics, problem: missing.join('; ') } : { metrics }
}

function jsonMetrics(outputs: OutputsSpec, outDir: string): RepeatMetrics {
  const name = outputs.metrics?.file ?? 'metrics.json'
  const file = path.join(outDir, name)
  if (!existsSync(file)) return { metrics: {}, problem: `metrics file ${name} was not written to ${outputs.dir}` }
  let parsed: JsonMetrics
  try {
    parsed = parseJsonMetrics(readFileSync(file, 'utf8'), name)
  } catch (e) {
    // a file that is not JSON fails this repeat; its record and logs are kept
    if (e instanceof CmcError && e.code === 'METRICS_JSON') return { metrics: {}, problem: e.message }
    throw e
  }
  const { metrics, dropped } = parsed
  if (!Object.keys(metrics).length)
    return { metrics, problem: `metrics file ${name} holds no numbers${dropped.length ? ` (not numbers: ${named(dropped)})` : ''}` }
  if (!dropped.length) return { metrics }
  const are = dropped.length === 1 ? 'value is not a number, so not a metric' : 'values are not numbers, so not metrics'
  return { metrics, warnings: [`${name}: ${dropped.length} ${are}: ${named(dropped)}`] }
}

const named = (items: string[]) => items.slice(0, NAMED).join(', ') + (items.length > NAMED ? ` and ${items.length - NAMED} more` : '')

function loadgenMetrics(dir: string): RepeatMetrics {
  const summaryFile = path.join(dir, 'mlperf_log_summary.txt')
  const detailFile = path.join(dir, 'mlperf_log_detail.txt')
  if (!existsSync(summaryFile) && !existsSync(detailFile)) return { metrics: {}, problem: 'no mlperf_log_summary.txt or mlperf_log_detail.txt in the outputs' }
  const summary = existsSync(summaryFile) ? parseLoadgenSummary(readFileSync(summaryFile, 'utf8')) : undefined
  const detail = existsSync(detailFile) ? parseLoadgenDetail(readFileSync(detailFile, 'utf8')) : undefined
  // the summary wins where both name a metric
  const metrics = { ...detail?.metrics, ...summary?.metrics }
  const valid = summary?.valid ?? detail?.valid
  if (valid !== undefined) metrics.valid = valid ? 1 : 0
  const reasons = [...(summary?.invalidReasons ?? []), ...(detail?.invalidReasons ?? [])]
  if (valid === false) return { metrics, problem: `LoadGen result INVALID: ${reasons.join('; ') || 'see mlperf_log_summary.txt'}` }
  return Object.keys(metrics).length ? { metrics } : { metrics, problem: 'the LoadGen logs hold no result (no metric and no VALID/INVALID)' }
}

/** Each metric any repeat reported, summarized over the repeats that reported it (names sorted). */
export function summarizeRepeats(repeats: ExperimentRecord['repeats'], outputs: OutputsSpec): ExperimentRecord['metrics'] {
  const units = outputs.metrics?.units ?? {}
  const higherIsBetter = outputs.metrics?.higherIsBetter ?? {}
  // LoadGen's names say their units and direction, as they do for published results; the meta may still say otherwise
  const loadgen = outputs.metrics?.format === 'loadgen'
  const names = [...new Set(repeats.flatMap((repeat) => Object.keys(repeat.metrics)))].sort()
  const metrics: ExperimentRecord['metrics'] = {}
  for (const name of names) {
    const values = repeats.map((repeat) => repeat.metrics[name]).filter((v): v is number => typeof v === 'number')
    if (!values.length) continue
    const unit = units[name] ?? (loadgen ? loadgenUnit(name) : undefined)
    metrics[name] = summarize(values, { unit, higherIsBetter: higherIsBetter[name] ?? (loadgen ? loadgenHigherIsBetter(name) : undefined) })
  }
  return metrics
}
