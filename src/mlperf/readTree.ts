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
// nothing in a tree makes the import fail. Each file is read once: the bytes
// parsed are the bytes the result keeps (an import writes them, hashed, from
// the same buffer), and a folder's listing says what is a file.
import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs'
import path from 'node:path'
import { LOADGEN_LOGS, loadgenFacts, normalizeScenario, parseLoadgenLogs } from '../collect/parseLoadgen.js'
import { loggedAs, SCENARIO_NAMES } from '../collect/scenarios.js'
import type { PublishedSource } from '../store/record.js'
import { parseAccuracy } from './accuracy.js'
import { COMPLIANCE_TEST } from './compliance.js'
import type { PublishedResult } from './published.js'
import { acceleratorCountProblem, describeSystem, publishedHost, type SystemDescription } from './systemDescription.js'
import { isRecord } from '../values.js'

export interface Skipped {
  /** relative to the tree's root */
  path: string
  reason: string
}

export interface TreeContents {
  results: PublishedResult[]
  skipped: Skipped[]
  /** what was imported but may mislead: a system description whose accelerator count is missing or not a number */
  warnings: Skipped[]
}

/** What reading an input says besides its results. */
export type ReadNotes = Pick<TreeContents, 'skipped' | 'warnings'>

export interface ReadTreeOptions {
  round?: string
  /** each result as it is read, in tree order, instead of in `results`: its bytes need not be held for the whole tree */
  each?: (result: PublishedResult) => void
  /**
   * Whether the store holds the result already, asked before its files are
   * read (the folders name the key): a result it holds goes to `each` as its
   * key alone, `present: true`, and a re-import reads no log.
   */
  holds?: (source: ResultKey) => boolean
}

/** What names a result, known from its folders before any log is read. */
export type ResultKey = Omit<PublishedSource, 'key' | 'valid' | 'from'>

/** A result the store holds already, as readTree gives it when `holds` says so. */
export const heldResult = (source: ResultKey, from: string): PublishedResult => ({
  source: { ...source, valid: true, from },
  host: {} as PublishedResult['host'],
  metrics: {},
  files: [],
  present: true,
})

export const DIVISIONS = ['closed', 'open', 'network']
/** accuracy logs beyond this are not kept with the record (the checker wants them truncated anyway) */
const MAX_KEPT_BYTES = 10 * 2 ** 20

/** A folder's entries by name, sorted; none when it cannot be read. */
class Listing {
  readonly names: string[]
  private readonly types = new Map<string, Dirent>()
  constructor(readonly dir: string) {
    let entries: Dirent[] = []
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      // not a folder, or gone: empty
    }
    for (const e of entries) this.types.set(e.name, e)
    this.names = [...this.types.keys()].sort()
  }
  /** a link is followed, as stat would */
  private is(name: string, kind: 'dir' | 'file'): boolean {
    const e = this.types.get(name)
    if (!e) return false
    if (!e.isSymbolicLink()) return kind === 'dir' ? e.isDirectory() : e.isFile()
    try {
      const st = statSync(path.join(this.dir, name))
      return kind === 'dir' ? st.isDirectory() : st.isFile()
    } catch {
      return false
    }
  }
  isDir = (name: string) => this.is(name, 'dir')
  isFile = (name: string) => this.is(name, 'file')
  dirs = () => this.names.filter(this.isDir)
}

/** A file's bytes; undefined when it is missing or cannot be read. */
function readBytes(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

type KeptFile = PublishedResult['files'][number]
/** A file kept with a result, read once: undefined when it cannot be read. */
function keep(from: string, to: string): KeptFile | undefined {
  const bytes = readBytes(from)
  return bytes && { from, to, bytes }
}

/**
 * The round a path names, if it or one of its folders does:
 * inference_results_v4.1, v5.0, an archive of one (inference_results_v4.1.tar.gz),
 * and GitHub's archive of a results repository and its folder (inference_results_v4.1-main.zip).
 */
export function roundOf(p: string): string | undefined {
  for (const part of path.resolve(p).split(path.sep).reverse()) {
    const round = roundNamed(part)
    if (round) return round
  }
  return undefined
}

/** The round one folder or archive name names (inference_results_v4.1-main.zip: v4.1), if it does. */
export function roundNamed(name: string): string | undefined {
  const m = /(?:^|[_-])v(\d+\.\d+)(?:-(?:main|master))?$/.exec(name.replace(/\.(tar\.gz|tgz|tar|zip)$/i, ''))
  return m ? `v${m[1]}` : undefined
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
    const here = new Listing(dir)
    if (here.isDir('results')) {
      const parent = path.basename(path.dirname(dir))
      out.push({ dir, submitter: path.basename(dir), division: DIVISIONS.includes(parent) ? parent : undefined })
      return
    }
    if (depth >= 3) return
    for (const name of here.dirs()) if (!name.startsWith('.')) visit(path.join(dir, name), depth + 1)
  }
  visit(root, 0)
  return out
}

/** The results a tree holds and what was skipped; with `each`, the results go to it and `results` stays empty. */
export function readTree(root: string, opts: ReadTreeOptions = {}): TreeContents {
  const contents: TreeContents = { results: [], skipped: [], warnings: [] }
  const submitters = findSubmitters(root)
  if (!submitters.length) {
    contents.skipped.push({ path: '.', reason: 'no <division>/<submitter>/results folder: not an MLPerf submission tree' })
    return contents
  }
  const round = opts.round ?? roundOf(root)
  const add = opts.each ?? ((result: PublishedResult) => void contents.results.push(result))
  for (const sub of submitters) readSubmitter(root, sub, round, add, contents, opts.holds)
  return contents
}

/** A system's description, or why it cannot be had. */
function readSystem(file: string): { sys: SystemDescription } | { problem: string } {
  const bytes = readBytes(file)
  if (!bytes) return { problem: 'missing' }
  try {
    const sys = JSON.parse(bytes.toString('utf8')) as unknown
    if (!sys || typeof sys !== 'object' || Array.isArray(sys)) return { problem: 'not a JSON object' }
    return { sys: sys as SystemDescription }
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` }
  }
}

function readSubmitter(
  root: string,
  sub: Submitter,
  round: string | undefined,
  add: (r: PublishedResult) => void,
  { skipped, warnings }: ReadNotes,
  holds: ReadTreeOptions['holds'],
): void {
  const rel = (p: string) => path.relative(root, p) || '.'
  const resultsDir = path.join(sub.dir, 'results')
  const sink: Sink = { add, skipped, added: 0, holds }
  for (const system of new Listing(resultsDir).dirs()) {
    const systemDir = path.join(resultsDir, system)
    const sysFile = path.join(sub.dir, 'systems', `${system}.json`)
    const read = readSystem(sysFile)
    if ('problem' in read) {
      skipped.push({ path: rel(systemDir), reason: `its system description ${rel(sysFile)} is ${read.problem}` })
      continue
    }
    const countProblem = acceleratorCountProblem(read.sys)
    if (countProblem) warnings.push({ path: rel(sysFile), reason: countProblem })
    const division = sub.division ?? (typeof read.sys.division === 'string' ? read.sys.division : 'closed')
    const submitter = typeof read.sys.submitter === 'string' && read.sys.submitter.trim() ? read.sys.submitter.trim() : sub.submitter
    for (const benchmark of new Listing(systemDir).dirs()) {
      const benchDir = path.join(systemDir, benchmark)
      if (SCENARIO_NAMES.includes(benchmark)) {
        skipped.push({ path: rel(benchDir), reason: 'a scenario folder directly under the system: the <benchmark> level is missing' })
        continue
      }
      for (const scenario of new Listing(benchDir).dirs()) {
        const dir = path.join(benchDir, scenario)
        if (!SCENARIO_NAMES.includes(scenario)) {
          skipped.push({ path: rel(dir), reason: `${scenario} is not a scenario (${SCENARIO_NAMES.join(', ')})` })
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
        const unit: Unit = { dir, listing: new Listing(dir), base, sub, host: publishedHost(submitter, system, read.sys), rel }
        const before = sink.added
        readPerformance(unit, sink)
        // without a performance record, the accuracy record keeps the folder's measurements and compliance: nobody else would
        readAccuracy(unit, sink, sink.added === before)
        if (sink.added === before && !skipped.some((s) => s.path.startsWith(rel(dir))))
          skipped.push({ path: rel(dir), reason: 'no performance/run_N or accuracy/ folder with LoadGen logs' })
      }
    }
  }
}

/** Where results go as they are read, and what was skipped. */
interface Sink {
  add: (r: PublishedResult) => void
  skipped: Skipped[]
  added: number
  holds: ReadTreeOptions['holds']
}

/** Whether the store holds the unit's result of this mode already; if so it is passed on as held. */
function held(unit: Unit, sink: Sink, mode: string, dir: string): boolean {
  const source = { ...unit.base, mode }
  if (!sink.holds?.(source)) return false
  push(sink, heldResult(source, unit.rel(dir)))
  return true
}

const push = (sink: Sink, result: PublishedResult) => {
  sink.added++
  sink.add(result)
}

interface Unit {
  dir: string
  /** the result folder's entries */
  listing: Listing
  base: Omit<PublishedSource, 'key' | 'mode' | 'valid' | 'from'>
  sub: Submitter
  host: PublishedResult['host']
  rel: (p: string) => string
  /** accuracy/accuracy.txt once read; null when there is none */
  accuracy?: KeptFile | null
}

/** accuracy/accuracy.txt, read once for both modes: the performance result states its accuracy, the accuracy result keeps the file. */
function accuracyFile(unit: Unit): KeptFile | undefined {
  if (unit.accuracy === undefined)
    unit.accuracy = (unit.listing.isDir('accuracy') && keep(path.join(unit.dir, 'accuracy', 'accuracy.txt'), 'accuracy/accuracy.txt')) || null
  return unit.accuracy ?? undefined
}

/** The folder under the old layout's measurements/ or compliance/ that belongs to this result. */
function besideResults(unit: Unit, kind: 'measurements' | 'compliance'): string {
  return path.join(unit.sub.dir, kind, unit.base.system, unit.base.benchmark, unit.base.scenario)
}

/** The LoadGen logs of a folder, each read once, and what they state together. */
function readLogs(dir: string, to: string): { files: KeptFile[]; res: ReturnType<typeof parseLoadgenLogs> } {
  const files = LOADGEN_LOGS.flatMap((n) => keep(path.join(dir, n), `${to}/${n}`) ?? [])
  const text = (n: string) => files.find((f) => f.to.endsWith(`/${n}`))?.bytes?.toString('utf8')
  return { files, res: parseLoadgenLogs(text(LOADGEN_LOGS[0]!), text(LOADGEN_LOGS[1]!)) }
}

/** Whether a log of this scenario belongs in this scenario folder (an Interactive folder's logs say Server). */
const scenarioOfFolder = (logged: string, folder: string) => loggedAs(logged, folder)

function readPerformance(unit: Unit, sink: Sink): void {
  const perfDir = path.join(unit.dir, 'performance')
  if (!unit.listing.isDir('performance')) {
    // every result has a performance run: one that is not there is said, whether or not the accuracy run is
    if (unit.listing.names.includes('performance')) sink.skipped.push({ path: unit.rel(perfDir), reason: 'performance is not a folder' })
    else if (unit.listing.isDir('accuracy'))
      sink.skipped.push({ path: unit.rel(perfDir), reason: 'no performance/run_1 folder: the result has only its accuracy run' })
    return
  }
  const runs = new Listing(perfDir).dirs().filter((n) => /^run_\d+$/.test(n))
  const run = runs.includes('run_1') ? 'run_1' : runs[0]
  if (!run) {
    sink.skipped.push({ path: unit.rel(perfDir), reason: 'no run_1 folder' })
    return
  }
  const runDir = path.join(perfDir, run)
  if (held(unit, sink, 'PerformanceOnly', runDir)) return
  const { files, res } = readLogs(runDir, `performance/${run}`)
  if (!res) {
    sink.skipped.push({ path: unit.rel(runDir), reason: 'no LoadGen log (mlperf_log_summary.txt or mlperf_log_detail.txt), or only empty ones' })
    return
  }
  if (!res.scenario && !Object.keys(res.metrics).length) {
    sink.skipped.push({ path: unit.rel(runDir), reason: 'its LoadGen logs hold no result (no scenario, no metric)' })
    return
  }
  if (res.scenario && !scenarioOfFolder(normalizeScenario(res.scenario), unit.base.scenario)) {
    sink.skipped.push({ path: unit.rel(runDir), reason: `the log says scenario ${res.scenario}, its folder ${unit.base.scenario}` })
    return
  }
  // the run's own accuracy log (most often an empty list) is optional to the checker, but the tree held it there
  const runAccuracy = keep(path.join(runDir, 'mlperf_log_accuracy.json'), `performance/${run}/mlperf_log_accuracy.json`)
  if (runAccuracy) files.push(runAccuracy)
  const measurements = readMeasurements(unit, files)
  const compliance = readCompliance(unit, files, sink.skipped)
  const accuracyText = accuracyFile(unit)?.bytes
  const accuracy = accuracyText ? parseAccuracy(accuracyText.toString('utf8')).text : undefined
  const valid = res.valid !== false
  push(sink, {
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

/** The accuracy result; `alone` (no performance result of the folder) has it keep the measurements and compliance files as well. */
function readAccuracy(unit: Unit, sink: Sink, alone: boolean): void {
  if (!unit.listing.isDir('accuracy')) return
  const accDir = path.join(unit.dir, 'accuracy')
  if (held(unit, sink, 'AccuracyOnly', accDir)) return
  const accFile = accuracyFile(unit)
  if (!accFile) {
    sink.skipped.push({ path: unit.rel(accDir), reason: 'no accuracy.txt' })
    return
  }
  const acc = parseAccuracy(accFile.bytes!.toString('utf8'))
  const { files: logFiles, res: logs } = readLogs(accDir, 'accuracy')
  const json = keep(path.join(accDir, 'mlperf_log_accuracy.json'), 'accuracy/mlperf_log_accuracy.json')
  const files = [accFile, ...logFiles, ...(json ? [json] : [])].filter((f) => f.bytes!.length <= MAX_KEPT_BYTES)
  const measurements = alone ? readMeasurements(unit, files) : undefined
  const compliance = alone ? readCompliance(unit, files, sink.skipped) : undefined
  const metric = acc.headline
  const valid = metric !== undefined
  push(sink, {
    source: {
      ...unit.base,
      mode: 'AccuracyOnly',
      valid,
      ...(metric ? { headline: { metric, value: acc.metrics[metric]!, unit: acc.units[metric] ?? '', higherIsBetter: true } } : {}),
      ...(acc.text ? { accuracy: acc.text } : {}),
      ...(compliance ? { compliance } : {}),
      ...(measurements ? { measurements } : {}),
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

/** measurements.json (and user.conf, mlperf.conf), in the result's folder or under the old layout's measurements/. */
function readMeasurements(unit: Unit, files: PublishedResult['files']): Record<string, unknown> | undefined {
  let here = unit.listing
  let file = 'measurements.json'
  if (!here.isFile(file)) {
    here = new Listing(besideResults(unit, 'measurements'))
    file = here.names.find((n) => n.endsWith('.json')) ?? file
  }
  for (const conf of ['user.conf', 'mlperf.conf']) {
    const kept = here.isFile(conf) && keep(path.join(here.dir, conf), conf)
    if (kept) files.push(kept)
  }
  const kept = here.isFile(file) && keep(path.join(here.dir, file), 'measurements.json')
  if (!kept) return undefined
  files.push(kept)
  try {
    const m = JSON.parse(kept.bytes!.toString('utf8')) as unknown
    return isRecord(m) ? m : undefined
  } catch {
    return undefined
  }
}

/** A compliance test's verdict files, at the top of its folder. */
const VERIFY_FILE = /^verify_.*\.txt$/

/** Each compliance test's verdict from its verify_*.txt files; undefined when the result has none. */
function readCompliance(unit: Unit, files: PublishedResult['files'], skipped: Skipped[]): PublishedSource['compliance'] {
  let base = unit.dir
  let tests = unit.listing.dirs().filter((n) => COMPLIANCE_TEST.test(n))
  if (!tests.length) {
    base = besideResults(unit, 'compliance')
    tests = new Listing(base).dirs().filter((n) => COMPLIANCE_TEST.test(n))
  }
  if (!tests.length) return undefined
  const out: NonNullable<PublishedSource['compliance']> = {}
  for (const test of tests) {
    const listing = new Listing(path.join(base, test))
    const verify = listing.names.filter((n) => VERIFY_FILE.test(n) && listing.isFile(n)).flatMap((n) => keep(path.join(base, test, n), `${test}/${n}`) ?? [])
    const texts = verify.map((f) => f.bytes!.toString('utf8'))
    files.push(...verify, ...keepTestRuns(path.join(base, test), test, listing, (dir) => skipped.push({ path: unit.rel(dir), reason: LOOP })))
    // TEST04-B (the older rounds' second half of TEST04) has no verdict of its own: TEST04-A's verify file judges both
    if (!verify.length && test === 'TEST04-B') continue
    out[test] = texts.some((t) => /TEST FAIL/i.test(t)) ? 'failed' : texts.some((t) => /TEST PASS/i.test(t)) ? 'passed' : 'missing'
  }
  return out
}

const LOOP = 'a link to a folder of the compliance test already read (a loop): not followed'

/** A folder's real path; undefined when it cannot be had. */
function realPath(dir: string): string | undefined {
  try {
    return realpathSync(dir)
  } catch {
    return undefined
  }
}

/**
 * A compliance test's other files (its performance/run_1/ and accuracy/
 * folders), kept as they are: an export writes them back. A link to a folder
 * already read (the test's own, or one above it) is not followed but passed
 * to `looped`: a loop would keep the same files again at every depth.
 */
function keepTestRuns(dir: string, to: string, listing: Listing, looped: (dir: string) => void, seen = new Set([realPath(dir)])): KeptFile[] {
  const out: KeptFile[] = []
  for (const name of listing.names) {
    if (listing.isDir(name)) {
      const sub = path.join(dir, name)
      const real = realPath(sub)
      if (real === undefined) continue
      if (seen.has(real)) looped(sub)
      else {
        seen.add(real)
        out.push(...keepTestRuns(sub, `${to}/${name}`, new Listing(sub), looped, seen))
      }
    } else if (listing.isFile(name) && !(VERIFY_FILE.test(name) && !to.includes('/'))) {
      const kept = keep(path.join(dir, name), `${to}/${name}`)
      if (kept && kept.bytes!.length <= MAX_KEPT_BYTES) out.push(kept)
    }
  }
  return out
}
