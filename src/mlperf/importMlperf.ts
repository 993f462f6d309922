// `cmc exp import --mlperf PATH|ARCHIVE`: published MLPerf results into the
// store, one record per system x benchmark x scenario x mode, marked with
// their source. PATH is a submission tree (or a folder in one), an archive of
// one (.tar.gz, .tgz, .tar, .zip: unpacked under the outputs' safety policy),
// or a round's summary file (.csv, .json). Importing twice adds nothing: a
// record id ends with the hash of the result's key, and a result whose key a
// record already has is counted as present. What cannot be read is skipped
// and reported with the reason; it never fails the import.
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extractEntries, safeExtract, type OutputEntry } from '../collect/safeExtract.js'
import { CmcError } from '../errors.js'
import { makeFolders } from '../files.js'
import type { EventSink } from '../events.js'
import { fflate } from '../lazy.js'
import { parseWhere } from '../store/query/evaluate.js'
import { KEPT_TAR, KeptTar } from '../store/keptFiles.js'
import type { ExperimentRecord, OutputFile } from '../store/record.js'
import { validateRecord, type Store } from '../store/store.js'
import { summaryOf } from '../store/summary.js'
import { FolderWriter, type FolderOutcome } from './folderWriter.js'
import { keyHash, publishedRecord, recordIdFor, resultKey, type PublishedResult } from './published.js'
import { readTree, roundNamed, roundOf, type ReadNotes, type ResultKey, type Skipped } from './readTree.js'
import { roundName } from './rounds.js'
import { readSummaryFile } from './summaryFile.js'

export interface MlperfImportReport {
  /** what was imported: the path as given */
  input: string
  kind: 'tree' | 'summary'
  /** results found in the input */
  found: number
  added: number
  /** results a record in the store already holds */
  present: number
  skipped: Skipped[]
  /** imported, but may mislead: a system description whose accelerator count is missing or not a number */
  warnings: Skipped[]
  /** ids of the records added */
  ids: string[]
}

export interface MlperfImportOptions {
  /** the round (v4.1) when the path does not name it */
  round?: string
  events?: EventSink
  /** the time given to results whose logs do not say when they ran */
  now?: Date
}

const ARCHIVE = /\.(tar\.gz|tgz|tar|zip)$/i
const SUMMARY = /\.(csv|json)$/i
/** an archive's files are capped as a run's outputs are, generously: a round's logs */
const ARCHIVE_LIMITS = { maxFileBytes: 512 * 2 ** 20, maxTotalBytes: 64 * 2 ** 30 }
/** index lines appended per write, and records written before their lines are */
const INDEX_BATCH = 1000

export async function importMlperf(store: Store, input: string, opts: MlperfImportOptions = {}): Promise<MlperfImportReport> {
  if (!existsSync(input))
    throw new CmcError('IMPORT_MISSING', `${input} does not exist`, {
      hint: 'give a submission tree (closed/<submitter>/results/...), an archive of one, or a round summary (.csv, .json)',
    })
  // 4.1 and v4.1 are one round, so one key
  const given = opts.round === undefined ? undefined : (roundName(opts.round) ?? opts.round)
  warnOtherRound(input, given, opts.events)
  const round = given ?? roundOf(input)
  if (statSync(input).isDirectory()) return importTree(store, input, input, round, opts)
  if (SUMMARY.test(input)) {
    const contents = readSummaryFile(readFileSync(input, 'utf8'), path.basename(input), { round })
    const writer = new ResultWriter(store, input, 'summary', opts)
    return writing(writer, () => {
      for (const result of contents.results) writer.add(result)
      return contents
    })
  }
  if (!ARCHIVE.test(input))
    throw new CmcError('IMPORT_FORMAT', `${input} is not a submission tree, an archive of one or a round summary`, {
      hint: 'give a folder, a .tar.gz/.tgz/.tar/.zip of one, or a .csv/.json summary',
    })
  makeFolders(store.root)
  const tmp = mkdtempSync(path.join(store.root, '.import-mlperf-'))
  try {
    const refused = await unpack(input, tmp)
    const report = importTree(store, input, tmp, round, opts)
    report.skipped.unshift(...refused.map((r) => ({ path: r.path, reason: `not unpacked: ${r.reason}` })))
    return report
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/**
 * A tree whose own folder or archive names its round (inference_results_v4.1)
 * imported with another --round is keyed as that round: said, as it puts a
 * second copy of every result beside an import of it under the round it names.
 */
function warnOtherRound(input: string, given: string | undefined, events: EventSink | undefined): void {
  if (given === undefined || SUMMARY.test(input)) return
  const named = roundNamed(path.basename(path.resolve(input)))
  if (named && named !== given)
    events?.({
      type: 'log',
      level: 'warn',
      message: `--round ${given}, though ${input} names round ${named}: its results are keyed as ${given}, beside any import of them as ${named}`,
    })
}

/** A tree's results written as they are read: a result's bytes are held only until its record is written. */
function importTree(store: Store, input: string, root: string, round: string | undefined, opts: MlperfImportOptions): MlperfImportReport {
  const writer = new ResultWriter(store, input, 'tree', opts)
  return writing(writer, () => readTree(root, { round, each: (result) => writer.add(result), holds: (source) => writer.holds(source) }))
}

/** The writer's report after `read` gave it every result; if reading fails, the folders handed over still get their index lines. */
function writing(writer: ResultWriter, read: () => ReadNotes): MlperfImportReport {
  let said: ReadNotes
  try {
    said = read()
  } catch (e) {
    writer.abandon()
    throw e
  }
  return writer.done(said)
}

/** The archive's files under dest, under the one extraction policy; what it refused. */
async function unpack(file: string, dest: string): Promise<Array<{ path: string; reason: string }>> {
  try {
    if (/\.zip$/i.test(file)) return (await extractEntries(zipEntries(readFileSync(file)), dest, ARCHIVE_LIMITS)).refused
    const raw = createReadStream(file)
    return (await safeExtract(/\.tar$/i.test(file) ? raw : raw.pipe(createGunzip()), dest, ARCHIVE_LIMITS)).refused
  } catch (err) {
    throw new CmcError('IMPORT_CORRUPT', `${file} cannot be unpacked: ${(err as Error).message}`, {
      hint: 'copy the archive again, or unpack it yourself and import the folder',
      cause: err,
    })
  }
}

async function* zipEntries(bytes: Uint8Array): AsyncGenerator<OutputEntry> {
  const files = fflate().unzipSync(bytes)
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) yield { name, type: 'directory', size: 0 }
    else yield { name, type: 'file', size: data.length, body: () => Readable.from([Buffer.from(data)]) }
  }
}

/** The keys of the published records the store holds, by the hash their ids end with: read from the index, no record opened. */
function presentKeys(store: Store): Map<string, string[]> {
  const sel = store.select(parseWhere('source = mlperf'))
  const ids = sel.values('id') as string[]
  const fields = ['round', 'division', 'submitter', 'system', 'benchmark', 'scenario', 'mode'].map((f) => sel.values(f))
  const out = new Map<string, string[]>()
  ids.forEach((id, k) => {
    const key = ['mlperf', ...fields.map((values) => values[k] ?? '')].join('|')
    const hash = id.slice(-8)
    out.set(hash, [...(out.get(hash) ?? []), key])
  })
  return out
}

/**
 * Published results into the store, one at a time and in order (a key's hash
 * is never taken twice): each record's bytes built here and its folder
 * written by a FolderWriter's thread, staged and renamed into place as a
 * run's is; a batch's index lines are appended in one write once their
 * folders are in place, so a reader never finds a line without its record.
 * Folders are not synced one by one: an import is re-run whole after a crash,
 * and is idempotent.
 */
class ResultWriter {
  private readonly report: MlperfImportReport
  private readonly present: Map<string, string[]>
  private readonly taken = new Set<string>()
  private readonly now: Date
  private lines: string[] = []
  private readonly folders: FolderWriter
  /** the records handed to the folder writer, by id, until it says what became of their folders */
  private readonly pending = new Map<string, { line: string; from: string }>()
  private failed = false

  constructor(
    private readonly store: Store,
    input: string,
    kind: MlperfImportReport['kind'],
    private readonly opts: MlperfImportOptions,
  ) {
    this.report = { input, kind, found: 0, added: 0, present: 0, skipped: [], warnings: [], ids: [] }
    this.present = presentKeys(store)
    this.now = opts.now ?? new Date()
    mkdirSync(store.stagingDir, { recursive: true })
    this.folders = new FolderWriter({ tar: KEPT_TAR, record: 'record.json' })
  }

  /** Whether the store holds a result of this key already. */
  holds(source: ResultKey): boolean {
    return hashFor(resultKey(source), this.present, this.taken) === undefined
  }

  add(result: PublishedResult): void {
    this.report.found++
    const hash = result.present ? undefined : hashFor(resultKey(result.source), this.present, this.taken)
    if (!hash) {
      this.report.present++
      return
    }
    this.taken.add(hash)
    const ranAt = result.ranAt ? new Date(result.ranAt) : undefined
    const at = ranAt && !Number.isNaN(ranAt.getTime()) ? ranAt : this.now
    const id = recordIdFor(at, hash)
    const built = buildRecord(result, id, at)
    if (!built) {
      this.report.skipped.push({ path: result.source.from, reason: 'its record does not pass the record schema' })
      return
    }
    this.pending.set(id, { line: JSON.stringify(summaryOf(built.record)), from: result.source.from })
    this.folders.write({
      id,
      staging: path.join(this.store.stagingDir, `${id}.${process.pid}`),
      dest: this.store.recordDir(id),
      // compact: a round is tens of thousands of records, and indenting each adds to its bytes and its writing
      json: JSON.stringify(built.record) + '\n',
      ...(built.tar ? { tar: built.tar } : {}),
    })
    this.settle(this.folders.settled())
  }

  /** The report, once every folder is written and the last batch's lines are in the index; `skipped` and `warnings` are what reading the input said. */
  done(said: ReadNotes): MlperfImportReport {
    this.finish()
    this.report.skipped.unshift(...said.skipped)
    this.report.warnings.push(...said.warnings)
    return this.report
  }

  /** After a failure: the folders handed over are written (none after one that failed), and the index holds a line for each placed. */
  abandon(): void {
    if (this.failed) return this.folders.close()
    try {
      this.finish()
    } catch {
      // the failure being thrown is the one to report
    }
  }

  private finish(): void {
    try {
      this.settle(this.folders.drain())
      if (this.pending.size) this.fail({ message: 'the thread writing record folders ended before writing them all' })
    } finally {
      this.folders.close()
      this.flush()
    }
  }

  /** What became of folders handed over, in order: a placed one's line is due in the index. */
  private settle(outcomes: FolderOutcome[]): void {
    for (const outcome of outcomes) {
      const pending = this.pending.get(outcome.id)!
      this.pending.delete(outcome.id)
      if (outcome.placed) {
        this.lines.push(pending.line)
        this.report.ids.push(outcome.id)
        this.report.added++
        if (this.lines.length >= INDEX_BATCH) this.flush()
      } else if (outcome.exists) this.report.skipped.push({ path: pending.from, reason: 'its record folder exists already' })
      else this.fail(outcome.error)
    }
  }

  /** The import stops at a folder that cannot be written; the records placed before it get their index lines. */
  private fail(error: { message: string; code?: string; path?: string }): never {
    this.failed = true
    this.flush()
    throw new CmcError('RECORDS_NOT_WRITTEN', `a record could not be written into ${this.store.root}: ${error.message}`, {
      ...(error.path ? { where: { file: error.path } } : {}),
      hint: `the ${this.report.added} records written before it are in the store; make room (or move what is in the way) and import again: what is there is counted as present`,
    })
  }

  private flush(): void {
    if (!this.lines.length) return
    // one O_APPEND write, on a fresh line after a torn one (the store's own append)
    this.store.appendIndexLine(this.lines.join('\n'))
    this.lines = []
    this.opts.events?.({ type: 'progress', task: 'import', current: this.report.added })
  }
}

/**
 * The record of a result and the tar of the files it keeps, each listed with
 * its sha256 and the offset of its data; undefined when the record is not
 * valid. One folder and two files a record: a tree of small folders and files
 * is what made an import slow.
 */
function buildRecord(result: PublishedResult, id: string, at: Date): { record: ExperimentRecord; tar?: Buffer } | undefined {
  const kept = result.files.length ? keptTar(result.files, at) : undefined
  const outputs = kept?.outputs ?? []
  const record: ExperimentRecord = { ...publishedRecord(result, id, at, outputs), ...(outputs.length ? { outputsTar: KEPT_TAR } : {}) }
  if (!validateRecord(record)) return undefined
  return { record, ...(kept ? { tar: kept.bytes } : {}) }
}

/** The files in a new tar in the order given, each read once: what was read is what is hashed and kept, at the offset listed. */
function keptTar(files: PublishedResult['files'], at: Date): { bytes: Buffer; outputs: OutputFile[] } {
  const tar = new KeptTar(at)
  const outputs = files.map(({ from, to, bytes }): OutputFile => {
    const data = bytes ?? readFileSync(from)
    const sha256 = createHash('sha256').update(data).digest('hex')
    return { path: to, size: data.length, sha256, offset: tar.add(to, data) }
  })
  return { bytes: tar.bytes(), outputs }
}

/** The hash a new result's id takes, or undefined when a record already holds the result. */
function hashFor(key: string, present: Map<string, string[]>, taken: Set<string>): string | undefined {
  for (let salt = 0; ; salt++) {
    const hash = keyHash(key, salt)
    const keys = present.get(hash)
    if (keys?.includes(key)) return undefined
    if (!keys && !taken.has(hash)) return hash
    // another result shares the hash: the next salt
  }
}
