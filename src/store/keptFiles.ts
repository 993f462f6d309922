// The files a record keeps, whichever way they are laid out: a run's under
// its folder's outputs/, an imported published result's in one uncompressed
// POSIX tar beside record.json (one file a record rather than a folder tree:
// making folders and files is what an import of a round costs). The record
// lists each kept file's path, size, sha256 and, in a tar, the offset of its
// data, so one file is one positioned read, with no tar parsed. Every reader
// of kept files goes through here, never through a path of its own.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import path from 'node:path'
import { loadgenFolderOf, parseLoadgenLogs, type LoadgenResult } from '../collect/parseLoadgen.js'
import { CmcError } from '../errors.js'
import type { ExperimentRecord, OutputFile } from './record.js'
import type { Store } from './store.js'

/** The name of a record's tar of kept files, in its folder. */
export const KEPT_TAR = 'kept.tar'

/** The files a record keeps, with their sha256, whichever layout holds them. */
export function listKeptFiles(record: ExperimentRecord): OutputFile[] {
  return record.outputs
}

/** Where a record's kept files are, for people: `kept.tar` or `outputs/`. */
export function keptPlace(record: ExperimentRecord): string {
  return record.outputsTar ?? 'outputs/'
}

/**
 * The bytes of one kept file (`relPath` as the record lists it, relative to
 * outputs/). A record whose tar is absent (one pulled from a hub, which sends
 * files one by one) is read from outputs/ as a run's is.
 */
export function readKeptFile(store: Store, record: ExperimentRecord, relPath: string): Buffer {
  const dir = store.recordDir(record.id)
  const file = record.outputs.find((o) => o.path === relPath)
  if (record.outputsTar && file?.offset !== undefined) {
    const tar = path.join(dir, record.outputsTar)
    const bytes = readAt(tar, file.offset, file.size)
    if (bytes) return bytes
  }
  const plain = path.join(dir, 'outputs', relPath)
  try {
    return readFileSync(plain)
  } catch (e) {
    throw new CmcError('RECORD_CORRUPT', `record ${record.id} lacks its kept file ${relPath}`, {
      where: { file: record.outputsTar ? path.join(dir, record.outputsTar) : plain },
      hint: 'restore the record folder from a copy, or import the result again after deleting the folder',
      cause: e,
    })
  }
}

/** The first of `relPaths` whose bytes the store does not hold (a record moved as JSON Lines keeps none), or undefined. */
export function missingKeptFile(store: Store, record: ExperimentRecord, relPaths: string[]): string | undefined {
  const dir = store.recordDir(record.id)
  const tarSize = record.outputsTar ? sizeOf(path.join(dir, record.outputsTar)) : undefined
  return relPaths.find((relPath) => {
    const file = record.outputs.find((o) => o.path === relPath)
    if (tarSize !== undefined && file?.offset !== undefined && file.offset + file.size <= tarSize) return false
    return !existsSync(path.join(dir, 'outputs', relPath))
  })
}

const sizeOf = (file: string) => {
  try {
    return statSync(file).size
  } catch {
    return undefined
  }
}

/** The file's bytes [offset, offset + size), or undefined when the file is not there. */
function readAt(file: string, offset: number, size: number): Buffer | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const buf = Buffer.alloc(size)
    let got = 0
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, offset + got)
      if (!n) break
      got += n
    }
    if (got < size) throw new CmcError('RECORD_CORRUPT', `${file} is shorter than its record says`, { where: { file } })
    return buf
  } finally {
    closeSync(fd)
  }
}

const BLOCK = 512
/** padding and the tar's end, shared: never written to */
const ZERO_BLOCK = Buffer.alloc(BLOCK)

/**
 * A tar built in memory in one pass and written with one call: ustar headers,
 * a pax header before a name ustar cannot hold. Written by hand because an
 * import writes each record synchronously, and tar-stream's packer is a
 * stream whose header encoder it does not export. `add` returns where the
 * file's data starts.
 */
export class KeptTar {
  private readonly chunks: Buffer[] = []
  private offset = 0
  private readonly mtime: number

  constructor(at: Date) {
    this.mtime = Math.floor(at.getTime() / 1000)
  }

  add(name: string, data: Buffer): number {
    const fits = ustarName(name)
    if (!fits) this.entry(paxHeader(name, this.mtime), paxRecords({ path: name }))
    return this.entry(header(fits ?? { name: 'kept-file', prefix: '' }, data.length, '0', this.mtime), data)
  }

  /** The tar, ended by its two zero blocks. */
  bytes(): Buffer {
    return Buffer.concat([...this.chunks, ZERO_BLOCK, ZERO_BLOCK])
  }

  private entry(head: Buffer, data: Buffer): number {
    const at = this.offset + BLOCK
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
    this.chunks.push(head, data)
    if (pad) this.chunks.push(ZERO_BLOCK.subarray(0, pad))
    this.offset = at + data.length + pad
    return at
  }
}

/** name and prefix of a ustar header, or undefined when the name needs a pax header (too long, not ASCII). */
function ustarName(name: string): { name: string; prefix: string } | undefined {
  if (!/^[\x20-\x7e]+$/.test(name)) return undefined
  if (name.length <= 100) return { name, prefix: '' }
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return { prefix: name.slice(0, i), name: name.slice(i + 1) }
  }
  return undefined
}

function header(n: { name: string; prefix: string }, size: number, type: string, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.write(n.name, 0, 100, 'ascii')
  h.write('0000644\0', 100, 'ascii')
  h.write('0000000\0', 108, 'ascii')
  h.write('0000000\0', 116, 'ascii')
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii')
  h.write(mtime.toString(8).padStart(11, '0') + '\0', 136, 'ascii')
  h.write('        ', 148, 'ascii') // the checksum counts its own field as spaces
  h.write(type, 156, 'ascii')
  h.write('ustar\u000000', 257, 'ascii')
  h.write(n.prefix, 345, 155, 'ascii')
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += h[i]!
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii')
  return h
}

function paxHeader(name: string, mtime: number): Buffer {
  const size = paxRecords({ path: name }).length
  return header({ name: 'PaxHeader/kept-file', prefix: '' }, size, 'x', mtime)
}

/** pax records: `LEN key=value\n`, LEN counting itself. */
function paxRecords(fields: Record<string, string>): Buffer {
  let out = ''
  for (const [k, v] of Object.entries(fields)) {
    const body = ` ${k}=${v}\n`
    const bytes = Buffer.byteLength(body)
    let len = bytes + 1
    while (len !== bytes + String(len).length) len = bytes + String(len).length
    out += `${len}${body}`
  }
  return Buffer.from(out)
}

/** What the LoadGen logs a record keeps state (the first run's folder, else accuracy/), in either layout. */
export function readKeptLoadgen(store: Store, record: ExperimentRecord): LoadgenResult | undefined {
  const folder = loadgenFolderOf(record.outputs.map((o) => o.path))
  if (folder === undefined) return undefined
  const text = (name: string) => {
    const rel = folder === '.' ? name : `${folder}/${name}`
    if (!record.outputs.some((o) => o.path === rel)) return undefined
    try {
      return readKeptFile(store, record, rel).toString('utf8')
    } catch {
      return undefined // a log listed but lost reads as a log not kept, as a missing file always has
    }
  }
  return parseLoadgenLogs(text('mlperf_log_summary.txt'), text('mlperf_log_detail.txt'))
}

/**
 * A file of a record by its name in the record folder (`stdout.log`,
 * `outputs/PATH` as the hub names them), whichever layout keeps it; undefined
 * when the record has no such file (a run that wrote no such log).
 */
export function readRecordFile(store: Store, record: ExperimentRecord, name: string): Buffer | undefined {
  const output = keptOutput(record, name)
  try {
    return output ? readKeptFile(store, record, output.path) : readFileSync(path.join(store.recordDir(record.id), name))
  } catch {
    return undefined
  }
}

/** The size of a record's file by its name in the record folder, without reading it; undefined when it has none. */
export function recordFileSize(store: Store, record: ExperimentRecord, name: string): number | undefined {
  const output = keptOutput(record, name)
  if (output && record.outputsTar && existsSync(path.join(store.recordDir(record.id), record.outputsTar))) return output.size
  try {
    return statSync(path.join(store.recordDir(record.id), name)).size
  } catch {
    return undefined
  }
}

/** The kept file a record-folder name (`outputs/PATH`) stands for, if it names one. */
function keptOutput(record: ExperimentRecord, name: string): OutputFile | undefined {
  return name.startsWith('outputs/') ? record.outputs.find((o) => o.path === name.slice('outputs/'.length)) : undefined
}
