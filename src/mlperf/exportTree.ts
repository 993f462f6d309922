// `cmc exp export --format mlperf`: records whose runs produced LoadGen logs
// written as a submission tree in the layout of the MLPerf submission rules:
//   <division>/<submitter>/systems/<system>.json
//   <division>/<submitter>/code/<benchmark>/README.md
//   <division>/<submitter>/results/<system>/<benchmark>/<scenario>/
//     performance/run_1/ or accuracy/ (the logs, in place), measurements.json, user.conf, README.md
// A published record goes back where it came from, with its system
// description and kept files; a local run gets a system description from its
// host fingerprint plus the fields the user gives. A record that cannot be
// placed is skipped with the reason.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadgenFolderOf, type LoadgenFacts } from '../collect/parseLoadgen.js'
import { CmcError } from '../errors.js'
import { readKeptFile, readKeptLoadgen } from '../store/keptFiles.js'
import type { ExperimentRecord } from '../store/record.js'
import type { Store } from '../store/store.js'
import { DIVISIONS } from './readTree.js'
import { systemFromHost, type SystemDescription } from './systemDescription.js'

export interface MlperfExportOptions {
  /** the submitter of local runs (published ones keep theirs) */
  submitter?: string
  division?: string
  /** the system id of local runs; default: from the host's accelerators, else its hostname */
  systemId?: string
  /** fields of systems/<system>.json for local runs, over what the host fingerprint knows; `measurements` holds measurements.json's */
  system?: SystemDescription
  /** the MLPerf benchmark name of local runs (resnet50, bert-99, ...); default: the record's benchmark */
  benchmark?: string
}

export interface MlperfExportReport {
  dir: string
  written: Array<{ id: string; path: string }>
  skipped: Array<{ id: string; reason: string }>
  /** measurements.json files written with `unknown` for fields nobody gave (the checker wants each present) */
  placeholders: Array<{ path: string; fields: string[] }>
}

/** The fields measurements.json must have (the submission checker's list). */
const MEASUREMENT_FIELDS = ['input_data_types', 'retraining', 'starting_weights_filename', 'weight_data_types', 'weight_transformations']

const safeName = (s: string) => s.replace(/[^\w.+-]+/g, '_').replace(/^_+|_+$/g, '') || 'system'

interface Placement {
  division: string
  submitter: string
  system: string
  benchmark: string
  scenario: string
  mode: string
  systemDescription: SystemDescription
  measurements: Record<string, unknown>
  /** files: record-relative source path -> path under the scenario folder */
  files: Array<{ from: string; to: string }>
  settings?: LoadgenFacts['settings']
}

export function exportTree(store: Store, records: ExperimentRecord[], dir: string, opts: MlperfExportOptions = {}): MlperfExportReport {
  const report: MlperfExportReport = { dir, written: [], skipped: [], placeholders: [] }
  if (opts.division && !DIVISIONS.includes(opts.division))
    throw new CmcError('FLAG_VALUE', `--division ${opts.division}: expected ${DIVISIONS.join(', ')}`, { hint: 'e.g. --division closed' })
  const placed: Array<{ record: ExperimentRecord; at: Placement }> = []
  for (const record of records) {
    const at = record.source ? placePublished(record) : placeLocal(store, record, opts)
    if (typeof at === 'string') report.skipped.push({ id: record.id, reason: at })
    else placed.push({ record, at })
  }
  if (!placed.length)
    throw new CmcError('EXPORT_NO_LOADGEN', `none of the ${records.length} record(s) selected can be written as an MLPerf result`, {
      details: report.skipped.slice(0, 10).map((s) => `${s.id}: ${s.reason}`),
      hint: 'select runs whose outputs hold mlperf_log_summary.txt / mlperf_log_detail.txt (or published records imported from a tree), e.g. --where "scenario = Offline"',
    })
  const taken = new Set<string>()
  for (const { record, at } of placed) {
    const key = [at.division, at.submitter, at.system, at.benchmark, at.scenario, at.mode].join('/')
    if (taken.has(key)) {
      report.skipped.push({ id: record.id, reason: `another selected record already fills ${key}` })
      continue
    }
    taken.add(key)
    report.written.push({ id: record.id, path: writePlacement(store, record, at, dir, report) })
  }
  return report
}

/** Where a published record goes: back where it was published, with the files it kept. */
function placePublished(record: ExperimentRecord): Placement | string {
  const src = record.source!
  const files = record.outputs.map((o) => ({ from: o.path, to: o.path }))
  const logs = files.filter((f) => /mlperf_log_(summary|detail)\.txt$/.test(f.to))
  if (!logs.length) return `a published result without its logs (imported from ${src.from}) cannot make a submission`
  return {
    division: src.division,
    submitter: src.submitter,
    system: src.system,
    benchmark: src.benchmark,
    scenario: src.scenario,
    mode: src.mode,
    systemDescription: src.systemDescription ?? {},
    measurements: src.measurements ?? {},
    files,
    settings: record.loadgen?.settings,
  }
}

/** Where a local run goes: its LoadGen logs as run_1 (or accuracy/), the system from its host and the user's fields. */
function placeLocal(store: Store, record: ExperimentRecord, opts: MlperfExportOptions): Placement | string {
  const folder = loadgenFolderOf(record.outputs.map((o) => o.path))
  if (folder === undefined) return 'its outputs hold no mlperf_log_summary.txt or mlperf_log_detail.txt'
  const loadgen = record.loadgen ?? readKeptLoadgen(store, record)
  if (!loadgen?.scenario) return 'its LoadGen logs name no scenario'
  if (!opts.submitter)
    throw new CmcError('EXPORT_SYSTEM_FIELDS', 'a submission of local runs needs its submitter', { hint: 'add --submitter NAME (your organization)' })
  const accuracy = loadgen.mode === 'AccuracyOnly'
  const prefix = folder === '.' ? '' : `${folder}/`
  const files = record.outputs
    .filter((o) => path.posix.dirname(o.path) === folder)
    .filter((o) => /^(mlperf_log_(summary|detail)\.txt|mlperf_log_accuracy\.json|accuracy\.txt)$/.test(path.posix.basename(o.path)))
    .map((o) => ({ from: o.path, to: `${accuracy ? 'accuracy' : 'performance/run_1'}/${o.path.slice(prefix.length)}` }))
  const gpus = record.host.gpus
  const system = opts.systemId ?? safeName(gpus.length ? `${gpus[0]!.model}x${gpus.length}` : record.host.hostname)
  const division = opts.division ?? 'closed'
  const { measurements, ...given } = opts.system ?? {}
  return {
    division,
    submitter: opts.submitter,
    system,
    benchmark: opts.benchmark ?? record.benchmark.alias,
    scenario: loadgen.scenario,
    mode: loadgen.mode ?? 'PerformanceOnly',
    systemDescription: systemFromHost(record.host, { ...given, division, submitter: opts.submitter }),
    measurements: (measurements && typeof measurements === 'object' ? measurements : {}) as Record<string, unknown>,
    files,
    settings: loadgen.settings,
  }
}

/** The placement's files under dir; returns the scenario folder, relative to dir. */
function writePlacement(store: Store, record: ExperimentRecord, at: Placement, dir: string, report: MlperfExportReport): string {
  const sub = path.join(dir, at.division, at.submitter)
  const scenarioRel = path.join(at.division, at.submitter, 'results', at.system, at.benchmark, at.scenario)
  const scenarioDir = path.join(dir, scenarioRel)
  mkdirSync(scenarioDir, { recursive: true })
  const systemFile = path.join(sub, 'systems', `${at.system}.json`)
  if (!existsSync(systemFile)) {
    mkdirSync(path.dirname(systemFile), { recursive: true })
    writeFileSync(systemFile, JSON.stringify(at.systemDescription, null, 2) + '\n')
  }
  const code = path.join(sub, 'code', at.benchmark, 'README.md')
  if (!existsSync(code)) {
    mkdirSync(path.dirname(code), { recursive: true })
    writeFileSync(code, `# ${at.benchmark}\n\nResults exported by cmc from its experiment store.\n`)
  }
  for (const { from, to } of at.files) {
    const target = path.join(scenarioDir, to)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, readKeptFile(store, record, from))
  }
  const measurements = path.join(scenarioDir, 'measurements.json')
  let m: Record<string, unknown> = { ...at.measurements }
  if (!existsSync(measurements)) {
    // an honest placeholder where nobody said: the checker wants every field present
    for (const f of MEASUREMENT_FIELDS) if (m[f] === undefined || m[f] === '') m[f] = 'unknown'
    writeFileSync(measurements, JSON.stringify(m, null, 2) + '\n')
  } else m = readJsonObject(measurements)
  // the tree's placeholders, whoever wrote them: a submitter must fill them in
  const unset = MEASUREMENT_FIELDS.filter((f) => m[f] === 'unknown')
  if (unset.length) report.placeholders.push({ path: path.join(scenarioRel, 'measurements.json'), fields: unset })
  const userConf = path.join(scenarioDir, 'user.conf')
  if (!existsSync(userConf)) writeFileSync(userConf, userConfOf(at))
  const readme = path.join(scenarioDir, 'README.md')
  if (!existsSync(readme)) writeFileSync(readme, readmeOf(record, at))
  return scenarioRel
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
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
