// Reading an MLPerf inference submission tree as the submission rules lay it
// out (mlcommons/inference tools/submission, submission_structure.md):
//   <division>/<submitter>/systems/<system>.json
//   <division>/<submitter>/results/<system>/<benchmark>/<scenario>/
//     performance/run_1/mlperf_log_{summary,detail}.txt
//     accuracy/{accuracy.txt, mlperf_log_*}
//     TEST0X/ (compliance), measurements.json, user.conf
// and the older layout with measurements/ and compliance/ beside results/.
// One result per system x benchmark x scenario x mode (performance,
// accuracy). Whatever does not fit is skipped and reported with the reason;
// nothing in a tree makes the import fail.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { loadgenFacts, normalizeScenario, readLoadgenFolder } from '../collect/parseLoadgen.js'
import type { PublishedSource } from '../store/record.js'
import { parseAccuracy } from './accuracy.js'
import type { PublishedResult } from './published.js'
import { describeSystem, publishedHost, type SystemDescription } from './systemDescription.js'

export interface Skipped {
  /** relative to the tree's root */
  path: string
  reason: string
}

export interface TreeContents {
  results: PublishedResult[]
  skipped: Skipped[]
}

export const DIVISIONS = ['closed', 'open', 'network']
export const SCENARIO_NAMES = ['SingleStream', 'MultiStream', 'Server', 'Offline', 'Interactive']
const LOGS = ['mlperf_log_summary.txt', 'mlperf_log_detail.txt']
/** accuracy logs beyond this are not kept with the record (the checker wants them truncated anyway) */
const MAX_KEPT_BYTES = 10 * 2 ** 20

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}
const isFile = (p: string) => {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}
const list = (dir: string) => {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

/** The round a path names (inference_results_v4.1, v5.0), if one of its folders does. */
export function roundOf(p: string): string | undefined {
  for (const part of path.resolve(p).split(path.sep).reverse()) {
    const m = /(?:^|[_-])v(\d+\.\d+)$/.exec(part)
    if (m) return `v${m[1]}`
  }
  return undefined
}

interface Submitter {
  dir: string
  division?: string
  submitter: string
}

/** The submitter folders under root (root itself may be one, or a division, or the tree). */
function findSubmitters(root: string): Submitter[] {
  const out: Submitter[] = []
  const visit = (dir: string, depth: number) => {
    if (isDir(path.join(dir, 'results'))) {
      const parent = path.basename(path.dirname(dir))
      out.push({ dir, submitter: path.basename(dir), division: DIVISIONS.includes(parent) ? parent : undefined })
      return
    }
    if (depth >= 3) return
    for (const name of list(dir)) if (!name.startsWith('.') && isDir(path.join(dir, name))) visit(path.join(dir, name), depth + 1)
  }
  visit(root, 0)
  return out
}

export function readTree(root: string, opts: { round?: string } = {}): TreeContents {
  const contents: TreeContents = { results: [], skipped: [] }
  const submitters = findSubmitters(root)
  if (!submitters.length) {
    contents.skipped.push({ path: '.', reason: 'no <division>/<submitter>/results folder: not an MLPerf submission tree' })
    return contents
  }
  const round = opts.round ?? roundOf(root)
  for (const sub of submitters) readSubmitter(root, sub, round, contents)
  return contents
}

/** A system's description, or why it cannot be had. */
function readSystem(file: string): { sys: SystemDescription } | { problem: string } {
  if (!isFile(file)) return { problem: 'missing' }
  try {
    const sys = JSON.parse(readFileSync(file, 'utf8')) as unknown
    if (!sys || typeof sys !== 'object' || Array.isArray(sys)) return { problem: 'not a JSON object' }
    return { sys: sys as SystemDescription }
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` }
  }
}

function readSubmitter(root: string, sub: Submitter, round: string | undefined, contents: TreeContents): void {
  const rel = (p: string) => path.relative(root, p) || '.'
  const resultsDir = path.join(sub.dir, 'results')
  for (const system of list(resultsDir)) {
    const systemDir = path.join(resultsDir, system)
    if (!isDir(systemDir)) continue
    const sysFile = path.join(sub.dir, 'systems', `${system}.json`)
    const read = readSystem(sysFile)
    if ('problem' in read) {
      contents.skipped.push({ path: rel(systemDir), reason: `its system description ${rel(sysFile)} is ${read.problem}` })
      continue
    }
    const division = sub.division ?? (typeof read.sys.division === 'string' ? read.sys.division : 'closed')
    const submitter = typeof read.sys.submitter === 'string' && read.sys.submitter.trim() ? read.sys.submitter.trim() : sub.submitter
    for (const benchmark of list(systemDir)) {
      const benchDir = path.join(systemDir, benchmark)
      if (!isDir(benchDir)) continue
      if (SCENARIO_NAMES.includes(benchmark)) {
        contents.skipped.push({ path: rel(benchDir), reason: 'a scenario folder directly under the system: the <benchmark> level is missing' })
        continue
      }
      for (const scenario of list(benchDir)) {
        const dir = path.join(benchDir, scenario)
        if (!isDir(dir)) continue
        if (!SCENARIO_NAMES.includes(scenario)) {
          contents.skipped.push({ path: rel(dir), reason: `${scenario} is not a scenario (${SCENARIO_NAMES.join(', ')})` })
          continue
        }
        const base = {
          kind: 'mlperf' as const,
          round,
          submitter,
          division,
          system,
          benchmark,
          scenario,
          ...describeSystem(read.sys),
          systemDescription: read.sys,
        }
        const unit = { dir, base, sub, host: publishedHost(submitter, system, read.sys), rel }
        const before = contents.results.length
        readPerformance(unit, contents)
        readAccuracy(unit, contents)
        if (contents.results.length === before && !contents.skipped.some((s) => s.path.startsWith(rel(dir))))
          contents.skipped.push({ path: rel(dir), reason: 'no performance/run_N or accuracy/ folder with LoadGen logs' })
      }
    }
  }
}

interface Unit {
  dir: string
  base: Omit<PublishedSource, 'key' | 'mode' | 'valid' | 'from'>
  sub: Submitter
  host: PublishedResult['host']
  rel: (p: string) => string
}

/** The folder under the old layout's measurements/ or compliance/ that belongs to this result. */
function besideResults(unit: Unit, kind: 'measurements' | 'compliance'): string {
  return path.join(unit.sub.dir, kind, unit.base.system, unit.base.benchmark, unit.base.scenario)
}

function readPerformance(unit: Unit, contents: TreeContents): void {
  const perfDir = path.join(unit.dir, 'performance')
  if (!isDir(perfDir)) return
  const runs = list(perfDir).filter((n) => /^run_\d+$/.test(n) && isDir(path.join(perfDir, n)))
  const run = runs.includes('run_1') ? 'run_1' : runs[0]
  if (!run) {
    contents.skipped.push({ path: unit.rel(perfDir), reason: 'no run_1 folder' })
    return
  }
  const runDir = path.join(perfDir, run)
  const res = readLoadgenFolder(runDir)
  if (!res) {
    contents.skipped.push({ path: unit.rel(runDir), reason: 'no LoadGen log (mlperf_log_summary.txt or mlperf_log_detail.txt), or only empty ones' })
    return
  }
  if (!res.scenario && !Object.keys(res.metrics).length) {
    contents.skipped.push({ path: unit.rel(runDir), reason: 'its LoadGen logs hold no result (no scenario, no metric)' })
    return
  }
  if (res.scenario && normalizeScenario(res.scenario) !== unit.base.scenario) {
    contents.skipped.push({ path: unit.rel(runDir), reason: `the log says scenario ${res.scenario}, its folder ${unit.base.scenario}` })
    return
  }
  const files = LOGS.filter((n) => isFile(path.join(runDir, n))).map((n) => ({ from: path.join(runDir, n), to: `performance/${run}/${n}` }))
  const measurements = readMeasurements(unit, files)
  const compliance = readCompliance(unit, files)
  const accuracy = isFile(path.join(unit.dir, 'accuracy', 'accuracy.txt'))
    ? parseAccuracy(readFileSync(path.join(unit.dir, 'accuracy', 'accuracy.txt'), 'utf8')).text
    : undefined
  const valid = res.valid !== false
  contents.results.push({
    source: {
      ...unit.base,
      mode: 'PerformanceOnly',
      valid,
      ...(res.headline ? { headline: res.headline } : {}),
      ...(accuracy ? { accuracy } : {}),
      ...(compliance ? { compliance } : {}),
      ...(measurements ? { measurements } : {}),
      from: unit.rel(runDir),
    },
    host: unit.host,
    metrics: res.metrics,
    loadgen: loadgenFacts(res),
    ranAt: res.datetime,
    ...(valid ? {} : { reason: `LoadGen result INVALID: ${res.invalidReasons.join('; ') || 'see mlperf_log_summary.txt'}` }),
    files,
  })
}

function readAccuracy(unit: Unit, contents: TreeContents): void {
  const accDir = path.join(unit.dir, 'accuracy')
  if (!isDir(accDir)) return
  const accFile = path.join(accDir, 'accuracy.txt')
  if (!isFile(accFile)) {
    contents.skipped.push({ path: unit.rel(accDir), reason: 'no accuracy.txt' })
    return
  }
  const acc = parseAccuracy(readFileSync(accFile, 'utf8'))
  const logs = readLoadgenFolder(accDir)
  const files = ['accuracy.txt', ...LOGS, 'mlperf_log_accuracy.json']
    .map((n) => path.join(accDir, n))
    .filter((p) => isFile(p) && statSync(p).size <= MAX_KEPT_BYTES)
    .map((p) => ({ from: p, to: `accuracy/${path.basename(p)}` }))
  const metric = acc.headline
  const valid = metric !== undefined
  contents.results.push({
    source: {
      ...unit.base,
      mode: 'AccuracyOnly',
      valid,
      ...(metric ? { headline: { metric, value: acc.metrics[metric]!, unit: acc.units[metric] ?? '', higherIsBetter: true } } : {}),
      ...(acc.text ? { accuracy: acc.text } : {}),
      from: unit.rel(accDir),
    },
    host: unit.host,
    metrics: acc.metrics,
    units: acc.units,
    ...(logs ? { loadgen: loadgenFacts(logs) } : {}),
    ranAt: logs?.datetime,
    ...(valid ? {} : { reason: 'accuracy.txt states no accuracy value' }),
    files,
  })
}

/** measurements.json (and user.conf), in the result's folder or under the old layout's measurements/. */
function readMeasurements(unit: Unit, files: PublishedResult['files']): Record<string, unknown> | undefined {
  let file = path.join(unit.dir, 'measurements.json')
  let confDir = unit.dir
  if (!isFile(file)) {
    const old = besideResults(unit, 'measurements')
    file = path.join(old, list(old).find((n) => n.endsWith('.json')) ?? 'measurements.json')
    confDir = old
  }
  if (isFile(path.join(confDir, 'user.conf'))) files.push({ from: path.join(confDir, 'user.conf'), to: 'user.conf' })
  if (!isFile(file)) return undefined
  files.push({ from: file, to: 'measurements.json' })
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as unknown
    return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Each compliance test's verdict from its verify_*.txt files; undefined when the result has none. */
function readCompliance(unit: Unit, files: PublishedResult['files']): PublishedSource['compliance'] {
  let base = unit.dir
  let tests = list(base).filter((n) => /^TEST\d+$/.test(n))
  if (!tests.length) {
    base = besideResults(unit, 'compliance')
    tests = list(base).filter((n) => /^TEST\d+$/.test(n))
  }
  if (!tests.length) return undefined
  const out: NonNullable<PublishedSource['compliance']> = {}
  for (const test of tests) {
    const verify = list(path.join(base, test)).filter((n) => /^verify_.*\.txt$/.test(n))
    const texts = verify.map((n) => readFileSync(path.join(base, test, n), 'utf8'))
    for (const n of verify) files.push({ from: path.join(base, test, n), to: `${test}/${n}` })
    out[test] = texts.some((t) => /TEST FAIL/i.test(t)) ? 'failed' : texts.some((t) => /TEST PASS/i.test(t)) ? 'passed' : 'missing'
  }
  return out
}
