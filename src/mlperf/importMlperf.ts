// `cmc exp import --mlperf PATH|ARCHIVE`: published MLPerf results into the
// store, one record per system x benchmark x scenario x mode, marked with
// their source. PATH is a submission tree (or a folder in one), an archive of
// one (.tar.gz, .tgz, .tar, .zip: unpacked under the outputs' safety policy),
// or a round's summary file (.csv, .json). Importing twice adds nothing: a
// record id ends with the hash of the result's key, and a result whose key a
// record already has is counted as present. What cannot be read is skipped
// and reported with the reason; it never fails the import.
import { createHash } from 'node:crypto'
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  createReadStream,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extractEntries, safeExtract, type OutputEntry } from '../collect/safeExtract.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { fflate } from '../lazy.js'
import { parseWhere } from '../store/query/evaluate.js'
import type { ExperimentRecord, OutputFile } from '../store/record.js'
import { indexSummary, validateRecord, type Store } from '../store/store.js'
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

const ARCHIVE = /\.(tar\.gz|tgz|tar|zip)$/i
const SUMMARY = /\.(csv|json)$/i
/** an archive's files are capped as a run's outputs are, generously: a round's logs */
const ARCHIVE_LIMITS = { maxFileBytes: 512 * 2 ** 20, maxTotalBytes: 64 * 2 ** 30 }
/** index lines appended per write */
const INDEX_BATCH = 1000

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
    return await write(store, input, 'tree', contents, opts)
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

/** The keys of the published records the store holds, by the hash their ids end with. */
function presentHashes(store: Store): Map<string, string[]> {
  const ids = store.select(parseWhere('source = mlperf')).values('id') as string[]
  const out = new Map<string, string[]>()
  for (const id of ids) {
    const hash = id.slice(-8)
    out.set(hash, [...(out.get(hash) ?? []), id])
  }
  return out
}

/** The hash a new result's id takes, or undefined when a record already holds it. */
function hashFor(store: Store, key: string, present: Map<string, string[]>, taken: Set<string>): string | undefined {
  for (let salt = 0; ; salt++) {
    const hash = keyHash(key, salt)
    const ids = present.get(hash)
    if (!ids && !taken.has(hash)) return hash
    if (ids?.some((id) => keyOf(store, id) === key)) return undefined
    // another result shares the hash: the next salt
  }
}

function keyOf(store: Store, id: string): string | undefined {
  try {
    return store.get(id).source?.key
  } catch {
    return undefined
  }
}

async function write(
  store: Store,
  input: string,
  kind: MlperfImportReport['kind'],
  contents: { results: PublishedResult[]; skipped: Skipped[] },
  opts: MlperfImportOptions,
): Promise<MlperfImportReport> {
  const report: MlperfImportReport = { input, kind, found: contents.results.length, added: 0, present: 0, skipped: contents.skipped, ids: [] }
  const present = presentHashes(store)
  const taken = new Set<string>()
  const now = opts.now ?? new Date()
  let lines: string[] = []
  for (const [i, result] of contents.results.entries()) {
    const key = resultKey(result.source)
    const hash = hashFor(store, key, present, taken)
    if (!hash) {
      report.present++
      continue
    }
    taken.add(hash)
    const ranAt = result.ranAt ? new Date(result.ranAt) : undefined
    const at = ranAt && !Number.isNaN(ranAt.getTime()) ? ranAt : now
    const id = recordIdFor(at, hash)
    const record = stageRecord(store, result, id, at)
    if (!record) {
      report.skipped.push({ path: result.source.from, reason: 'its record could not be written' })
      continue
    }
    lines.push(JSON.stringify(indexSummary(record)))
    report.ids.push(id)
    report.added++
    if (lines.length >= INDEX_BATCH) {
      appendIndex(store, lines)
      lines = []
    }
    if (i % 500 === 0) opts.events?.({ type: 'progress', task: 'import', current: i, total: contents.results.length })
  }
  appendIndex(store, lines)
  return report
}

/**
 * The record's folder, staged then renamed into place as a run's is; the
 * files kept with it are copied under outputs/ with their sha256. Not synced
 * one by one: an import is re-run whole after a crash, and is idempotent.
 */
function stageRecord(store: Store, result: PublishedResult, id: string, at: Date): ExperimentRecord | undefined {
  const dest = store.recordDir(id)
  if (existsSync(dest)) return undefined
  const staging = path.join(store.stagingDir, `${id}.${process.pid}`)
  mkdirSync(path.join(staging, 'outputs'), { recursive: true })
  const outputs: OutputFile[] = []
  for (const { from, to } of result.files) {
    const target = path.join(staging, 'outputs', to)
    mkdirSync(path.dirname(target), { recursive: true })
    copyFileSync(from, target)
    const bytes = readFileSync(target)
    outputs.push({ path: to, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })
  }
  const record = publishedRecord(result, id, at, outputs)
  if (!validateRecord(record)) return undefined
  writeFileSync(path.join(staging, 'record.json'), JSON.stringify(record, null, 2) + '\n')
  mkdirSync(path.dirname(dest), { recursive: true })
  renameSync(staging, dest)
  return record
}

/** Index lines in one O_APPEND write, on a fresh line after a torn one (as Store's writers do). */
function appendIndex(store: Store, lines: string[]): void {
  if (!lines.length) return
  appendFileSync(store.indexFile, (endsTorn(store.indexFile) ? '\n' : '') + lines.join('\n') + '\n')
}

function endsTorn(file: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return false
  }
  try {
    const size = fstatSync(fd).size
    if (!size) return false
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    return last[0] !== 0x0a
  } finally {
    closeSync(fd)
  }
}
