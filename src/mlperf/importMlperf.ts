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
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extractEntries, safeExtract, type OutputEntry } from '../collect/safeExtract.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { fflate } from '../lazy.js'
import { parseWhere } from '../store/query/evaluate.js'
import type { ExperimentRecord, OutputFile } from '../store/record.js'
import { validateRecord, type Store } from '../store/store.js'
import { summaryOf } from '../store/summary.js'
import { keyHash, publishedRecord, recordIdFor, resultKey, type PublishedResult } from './published.js'
import { readTree, roundOf, type Skipped } from './readTree.js'
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

interface WriteOptions extends MlperfImportOptions {
  /** hard-link the files kept rather than copy them (an unpacked archive of our own) */
  link?: boolean
}

const ARCHIVE = /\.(tar\.gz|tgz|tar|zip)$/i
const SUMMARY = /\.(csv|json)$/i
/** an archive's files are capped as a run's outputs are, generously: a round's logs */
const ARCHIVE_LIMITS = { maxFileBytes: 512 * 2 ** 20, maxTotalBytes: 64 * 2 ** 30 }
/** index lines appended per write, and records written before their lines are */
const INDEX_BATCH = 1000
/** record folders written at a time: file system calls overlap in libuv's threads */
const WRITERS = 16

export async function importMlperf(store: Store, input: string, opts: MlperfImportOptions = {}): Promise<MlperfImportReport> {
  if (!existsSync(input))
    throw new CmcError('IMPORT_MISSING', `${input} does not exist`, {
      hint: 'give a submission tree (closed/<submitter>/results/...), an archive of one, or a round summary (.csv, .json)',
    })
  const round = opts.round ?? roundOf(input)
  if (statSync(input).isDirectory()) return write(store, input, 'tree', readTree(input, { round }), opts)
  if (SUMMARY.test(input)) return write(store, input, 'summary', readSummaryFile(readFileSync(input, 'utf8'), path.basename(input), { round }), opts)
  if (!ARCHIVE.test(input))
    throw new CmcError('IMPORT_FORMAT', `${input} is not a submission tree, an archive of one or a round summary`, {
      hint: 'give a folder, a .tar.gz/.tgz/.tar/.zip of one, or a .csv/.json summary',
    })
  mkdirSync(store.root, { recursive: true })
  const tmp = mkdtempSync(path.join(store.root, '.import-mlperf-'))
  try {
    const refused = await unpack(input, tmp)
    const contents = readTree(tmp, { round })
    contents.skipped.unshift(...refused.map((r) => ({ path: r.path, reason: `not unpacked: ${r.reason}` })))
    return await write(store, input, 'tree', contents, { ...opts, link: true })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
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

async function write(
  store: Store,
  input: string,
  kind: MlperfImportReport['kind'],
  contents: { results: PublishedResult[]; skipped: Skipped[] },
  opts: WriteOptions,
): Promise<MlperfImportReport> {
  const report: MlperfImportReport = { input, kind, found: contents.results.length, added: 0, present: 0, skipped: contents.skipped, ids: [] }
  const present = presentKeys(store)
  const taken = new Set<string>()
  const now = opts.now ?? new Date()
  // ids first, in order (a key's hash must not be taken twice); then the folders, many at a time
  const todo: Array<{ result: PublishedResult; id: string; at: Date }> = []
  for (const result of contents.results) {
    const hash = hashFor(resultKey(result.source), present, taken)
    if (!hash) {
      report.present++
      continue
    }
    taken.add(hash)
    const ranAt = result.ranAt ? new Date(result.ranAt) : undefined
    const at = ranAt && !Number.isNaN(ranAt.getTime()) ? ranAt : now
    todo.push({ result, id: recordIdFor(at, hash), at })
  }
  for (let from = 0; from < todo.length; from += INDEX_BATCH) {
    const batch = todo.slice(from, from + INDEX_BATCH)
    const records = await pool(batch, WRITERS, ({ result, id, at }) => stageRecord(store, result, id, at, opts.link === true))
    const lines: string[] = []
    records.forEach((record, k) => {
      if (!record) return void report.skipped.push({ path: batch[k]!.result.source.from, reason: 'its record folder exists already' })
      lines.push(JSON.stringify(summaryOf(record)))
      report.ids.push(record.id)
      report.added++
    })
    // a batch's lines once its folders are in place: a reader never finds a line without its record
    appendIndex(store, lines)
    opts.events?.({ type: 'progress', task: 'import', current: from + batch.length, total: todo.length })
  }
  return report
}

/** f over the items, at most `width` at a time; results in item order. */
async function pool<T, R>(items: T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const k = next++
      out[k] = await f(items[k]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return out
}

/**
 * The record's folder, staged then renamed into place as a run's is; the
 * files kept with it are copied under outputs/ with their sha256. Not synced
 * one by one: an import is re-run whole after a crash, and is idempotent.
 */
async function stageRecord(store: Store, result: PublishedResult, id: string, at: Date, link: boolean): Promise<ExperimentRecord | undefined> {
  const dest = store.recordDir(id)
  if (existsSync(dest)) return undefined
  const staging = path.join(store.stagingDir, `${id}.${process.pid}`)
  const outputsDir = path.join(staging, 'outputs')
  const folders = [...new Set(result.files.map(({ to }) => path.dirname(path.join(outputsDir, to))))]
  await fsp.mkdir(outputsDir, { recursive: true })
  await Promise.all(folders.map((folder) => fsp.mkdir(folder, { recursive: true })))
  const outputs = await Promise.all(
    result.files.map(async ({ from, to }): Promise<OutputFile> => {
      const target = path.join(outputsDir, to)
      const bytes = await fsp.readFile(from)
      // an unpacked archive is ours to give away: its files are linked, not copied
      await (link ? fsp.link(from, target) : fsp.writeFile(target, bytes))
      return { path: to, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
    }),
  )
  const record = publishedRecord(result, id, at, outputs)
  if (!validateRecord(record)) return undefined
  await fsp.writeFile(path.join(staging, 'record.json'), JSON.stringify(record, null, 2) + '\n')
  const parent = path.dirname(dest)
  if (!madeParents.has(parent)) {
    await fsp.mkdir(parent, { recursive: true })
    madeParents.add(parent)
  }
  await fsp.rename(staging, dest)
  return record
}

/** The store's month folders made by this process (a record folder's parent). */
const madeParents = new Set<string>()

/** Index lines in one O_APPEND write, on a fresh line after a torn one (the store's own append). */
function appendIndex(store: Store, lines: string[]): void {
  if (lines.length) store.appendIndexLine(lines.join('\n'))
}
