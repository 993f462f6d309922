// `cmc exp export --format mlperf`: records whose runs produced LoadGen logs
// written as a submission tree in the layout of the round it is for
// (rounds.ts), v6.0's:
//   <division>/<submitter>/systems/<system>.json
//   <division>/<submitter>/src/<benchmark>/README.md
//   <division>/<submitter>/results/<system>/<benchmark>/<scenario>/
//     performance/run_1/ or accuracy/ (the logs, in place), TEST0X/,
//     measurements.json, user.conf, README.md
// and the older rounds' code/, with measurements/ and compliance/ trees
// beside results/ (which then holds only the logs). A published record goes
// back where it came from, with its system description and kept files; a
// local run gets a system description from its host fingerprint plus the
// fields the user gives. A record that
// cannot be placed is skipped with the reason; a folder the checker wants
// more in than the records carry is written with what they carry, and
// reported with what it lacks: nothing is made up.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { makeOutputFolder } from '../files.js'
import { missingKeptFile, readKeptFile } from '../store/keptFiles.js'
import type { ExperimentRecord } from '../store/record.js'
import type { Store } from '../store/store.js'
import { COMPLIANCE_TEST, complianceMissing } from './compliance.js'
import { placeLocal, placePublished, type Placement, type PlacementOptions } from './exportPlacement.js'
import { DIVISIONS } from './readTree.js'
import { layoutOf, NEWEST_ROUND, ROUNDS, type RoundLayout } from './rounds.js'
import { isRecord } from '../values.js'

export interface MlperfExportOptions extends PlacementOptions {
  /** the round the tree is for (v6.0); default: the published records' own round when they share one, else the newest round known */
  round?: string
}

export interface MlperfExportReport {
  dir: string
  /** the round whose layout the tree has */
  round: string
  /** where the round came from: --round, the records' own round, or the newest round known (they share none) */
  roundFrom: 'option' | 'records' | 'newest'
  written: Array<{ id: string; path: string }>
  skipped: Array<{ id: string; reason: string }>
  /** measurements.json files written with `unknown` for fields nobody gave (the checker wants each present) */
  placeholders: Array<{ path: string; fields: string[] }>
  /** folders written without everything the round's checker wants in them (the records do not carry it): what each lacks */
  incomplete: Array<{ path: string; missing: string[] }>
  /** published records of another round than the tree's, by round */
  otherRounds: Array<{ round: string; records: number }>
}

/** The fields measurements.json must have (the submission checker's list). */
const MEASUREMENT_FIELDS = ['input_data_types', 'retraining', 'starting_weights_filename', 'weight_data_types', 'weight_transformations']

/** A tree written into another (of another round, or the user's own files) would mix layouts and overwrite logs: -o is a new or empty folder. */
function refuseFilledTarget(dir: string): void {
  let there: string[]
  try {
    there = readdirSync(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code !== 'ENOTDIR') throw e
    throw new CmcError('EXPORT_TARGET_NOT_EMPTY', `${dir} is a file, not a folder for the tree`, { hint: 'give -o a new folder; nothing was written' })
  }
  if (there.length)
    throw new CmcError('EXPORT_TARGET_NOT_EMPTY', `${dir} is not empty (${there.length} entr${there.length === 1 ? 'y' : 'ies'}, e.g. ${there.sort()[0]})`, {
      hint: 'give -o a new folder; nothing was written',
    })
}

/** The files of a measurements folder, besides the measurements JSON. */
const MEASUREMENT_FILES = ['user.conf', 'README.md', 'mlperf.conf']

export function exportTree(store: Store, records: ExperimentRecord[], dir: string, opts: MlperfExportOptions = {}): MlperfExportReport {
  if (opts.division && !DIVISIONS.includes(opts.division))
    throw new CmcError('FLAG_VALUE', `--division ${opts.division}: expected ${DIVISIONS.join(', ')}`, { hint: 'e.g. --division closed' })
  const chosen = opts.round === undefined ? undefined : layoutOf(opts.round)
  refuseFilledTarget(dir)
  const { placed, skipped } = placeAll(store, records, opts)
  if (!placed.length)
    throw new CmcError('EXPORT_NO_LOADGEN', `none of the ${records.length} record(s) selected can be written as an MLPerf result`, {
      details: skipped.slice(0, 10).map((s) => `${s.id}: ${s.reason}`),
      hint: 'select runs whose outputs hold mlperf_log_summary.txt / mlperf_log_detail.txt (or published records imported from a tree), e.g. --where "scenario = Offline"',
    })
  const exported = placed.map((p) => p.record)
  const { layout, from } = chosen ? { layout: chosen, from: 'option' as const } : defaultLayout(exported)
  const report: MlperfExportReport = {
    dir,
    round: layout.round,
    roundFrom: from,
    written: [],
    skipped,
    placeholders: [],
    incomplete: [],
    otherRounds: otherRounds(exported, layout.round),
  }
  makeOutputFolder(dir, '-o')
  for (const folder of writeAll(store, placed, dir, layout, report)) finishFolder(folder, dir, layout, report)
  return report
}

type Placed = { record: ExperimentRecord; at: Placement }

/** Where each record goes, or why it cannot go anywhere. */
function placeAll(store: Store, records: ExperimentRecord[], opts: PlacementOptions): { placed: Placed[]; skipped: MlperfExportReport['skipped'] } {
  const out: ReturnType<typeof placeAll> = { placed: [], skipped: [] }
  for (const record of records) {
    const at = record.source ? placePublished(record) : placeLocal(store, record, opts)
    if (typeof at === 'string') {
      out.skipped.push({ id: record.id, reason: at })
      continue
    }
    const lost = missingKeptFile(
      store,
      record,
      at.files.map((f) => f.from),
    )
    if (lost === undefined) out.placed.push({ record, at })
    else {
      const reason = `the store holds the record but not its file ${lost} (records moved as JSON Lines carry no files: move them as a .tar.gz bundle)`
      out.skipped.push({ id: record.id, reason })
    }
  }
  return out
}

/** A scenario folder written, by the placement whose files fill it, with its compliance tests' files. */
type Written = Placed & { where: Folders; tests: ComplianceFiles }

/**
 * Every placement's files (one record a system x benchmark x scenario x
 * mode); returns each scenario folder once, by its performance record when it
 * has one: a kept measurements.json or user.conf is then in place before
 * finishFolder makes any up.
 */
function writeAll(store: Store, placed: Placed[], dir: string, layout: RoundLayout, report: MlperfExportReport): Written[] {
  const taken = new Set<string>()
  const folders = new Map<string, Written>()
  for (const { record, at } of placed) {
    const key = [at.division, at.submitter, at.system, at.benchmark, at.scenario, at.mode].join('/')
    if (taken.has(key)) {
      report.skipped.push({ id: record.id, reason: `another selected record already fills ${key}` })
      continue
    }
    taken.add(key)
    const where = foldersOf(at, layout)
    const tests = writeFiles(store, record, at, where, dir)
    report.written.push({ id: record.id, path: where.results })
    const first = folders.get(where.results)
    if (!first || (first.at.mode === 'AccuracyOnly' && at.mode !== 'AccuracyOnly')) folders.set(where.results, { record, at, where, tests })
  }
  return [...folders.values()]
}

/** A scenario folder's measurements files, and what its compliance folders lack of what the round wants. */
function finishFolder({ record, at, where, tests }: Written, dir: string, layout: RoundLayout, report: MlperfExportReport): void {
  writeMeasurements(record, at, where, dir, layout, report)
  for (const [test, files] of tests) {
    const missing = complianceMissing(test, layout.round, files)
    if (missing.length) report.incomplete.push({ path: path.join(where.compliance, test), missing })
  }
}

/** The published records' round when every record is published in one round cmc knows; else the newest round. */
function defaultLayout(records: ExperimentRecord[]): { layout: RoundLayout; from: 'records' | 'newest' } {
  const rounds = new Set(records.map((r) => r.source?.round))
  const [only] = rounds
  if (rounds.size === 1 && only && (ROUNDS as readonly string[]).includes(only)) return { layout: layoutOf(only), from: 'records' }
  return { layout: layoutOf(NEWEST_ROUND), from: 'newest' }
}

function otherRounds(records: ExperimentRecord[], round: string): MlperfExportReport['otherRounds'] {
  const counts = new Map<string, number>()
  for (const r of records) if (r.source?.round && r.source.round !== round) counts.set(r.source.round, (counts.get(r.source.round) ?? 0) + 1)
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => ({ round: r, records: n }))
}

/** The folders of one system x benchmark x scenario in the round's layout, relative to the tree's root. */
interface Folders {
  results: string
  /** where the checker reads measurements JSON, user.conf and README.md: results, or the measurements/ tree */
  measurements: string
  /** the name of the measurements JSON there */
  measurementsJson: string
  /** the folder TEST0X/ sit in */
  compliance: string
  code: string
}

function foldersOf(at: Placement, layout: RoundLayout): Folders {
  const sub = path.join(at.division, at.submitter)
  const inTree = (tree: string) => path.join(sub, tree, at.system, at.benchmark, at.scenario)
  const results = inTree('results')
  return {
    results,
    measurements: layout.besideResults ? inTree('measurements') : results,
    measurementsJson: layout.besideResults ? `${at.system}_${at.scenario}.json` : 'measurements.json',
    compliance: layout.besideResults ? inTree('compliance') : results,
    code: path.join(sub, layout.code, at.benchmark),
  }
}

const writeNew = (file: string, text: string | Buffer) => {
  if (existsSync(file)) return
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

/** A compliance test's files, relative to its folder, by test. */
type ComplianceFiles = Map<string, Map<string, Buffer>>

/** The placement's files under dir, with its system description and code folder; returns its compliance tests' files. */
function writeFiles(store: Store, record: ExperimentRecord, at: Placement, where: Folders, dir: string): ComplianceFiles {
  const abs = (rel: string) => path.join(dir, rel)
  mkdirSync(abs(where.results), { recursive: true })
  writeNew(abs(path.join(at.division, at.submitter, 'systems', `${at.system}.json`)), JSON.stringify(at.systemDescription, null, 2) + '\n')
  writeNew(abs(path.join(where.code, 'README.md')), `# ${at.benchmark}\n\nResults exported by cmc from its experiment store.\n`)
  const tests: ComplianceFiles = new Map()
  for (const { from, to } of at.files) {
    const bytes = readKeptFile(store, record, from)
    const [first, ...rest] = to.split('/')
    const test = rest.length && COMPLIANCE_TEST.test(first!) ? first! : undefined
    if (test) {
      if (!tests.has(test)) tests.set(test, new Map())
      tests.get(test)!.set(rest.join('/'), bytes)
    }
    const target = abs(test ? path.join(where.compliance, to) : scenarioFile(where, to))
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, bytes)
  }
  return tests
}

/**
 * Where a file named as in today's scenario folder goes in the round's
 * layout: measurements.json, user.conf, README.md and mlperf.conf to the
 * measurements folder (under the round's name for the JSON), the rest to results.
 */
function scenarioFile(where: Folders, to: string): string {
  if (to === 'measurements.json') return path.join(where.measurements, where.measurementsJson)
  return path.join(MEASUREMENT_FILES.includes(to) ? where.measurements : where.results, to)
}

/**
 * The measurements JSON, user.conf and README.md in the folder the round
 * reads them from: kept ones as they were, else made from what the record says.
 */
function writeMeasurements(record: ExperimentRecord, at: Placement, where: Folders, dir: string, layout: RoundLayout, report: MlperfExportReport): void {
  const measurements = path.join(dir, where.measurements)
  mkdirSync(measurements, { recursive: true })
  const json = path.join(measurements, where.measurementsJson)
  let m: Record<string, unknown> = { ...at.measurements }
  if (!existsSync(json)) {
    // an honest placeholder where nobody said: the checker wants every field present
    for (const f of MEASUREMENT_FIELDS) if (m[f] === undefined || m[f] === '') m[f] = 'unknown'
    writeFileSync(json, JSON.stringify(m, null, 2) + '\n')
  } else m = readJsonObject(json)
  writeNew(path.join(measurements, 'user.conf'), userConfOf(at))
  writeNew(path.join(measurements, 'README.md'), readmeOf(record, at))
  // the tree's placeholders, whoever wrote them: a submitter must fill them in
  const unset = MEASUREMENT_FIELDS.filter((f) => m[f] === 'unknown')
  const jsonRel = path.join(where.measurements, where.measurementsJson)
  if (unset.length) report.placeholders.push({ path: jsonRel, fields: unset })
  // LoadGen's mlperf.conf of the round is the run's to give: cmc does not write one of its own
  if (layout.mlperfConf && !existsSync(path.join(measurements, 'mlperf.conf'))) report.incomplete.push({ path: where.measurements, missing: ['mlperf.conf'] })
}

/** user.conf from the run's test settings: the ones a submitter sets per scenario. */
function userConfOf(at: Placement): string {
  const keys = ['target_qps', 'target_latency', 'min_duration', 'min_query_count', 'samples_per_query', 'performance_sample_count']
  const lines: string[] = []
  for (const [name, value] of Object.entries(at.settings ?? {})) {
    const key = name.replace(/_(ns|ms)$/, '')
    if (keys.includes(key) && value !== 0) lines.push(`${at.benchmark}.${at.scenario}.${key} = ${value}`)
  }
  return lines.join('\n') + '\n'
}

function readmeOf(record: ExperimentRecord, at: Placement): string {
  const how = record.source
    ? `Published by ${at.submitter} (${record.source.round ?? 'round not stated'}), imported into cmc from ${record.source.from}.`
    : `Run by cmc: benchmark ${record.benchmark.alias}, image ${record.image.ref || record.image.alias}, record ${record.id}.\n\nCommand:\n\n    ${record.command}`
  return `# ${at.benchmark} ${at.scenario} on ${at.system}\n\n${how}\n`
}

/** A JSON object's fields; a file that is not one reads as none. */
function readJsonObject(file: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return isRecord(v) ? v : {}
  } catch {
    return {}
  }
}
