// The index as columns, for queries over 100,000 records in one process start.
// index.jsonl stays the store's index (appended by writers, rebuilt by reindex);
// parsing it whole would be most of every query at 100,000 lines (32 MB of JSON
// and the garbage of 100,000 objects). Readers therefore keep a columnar snapshot of its
// first bytes in index.snapshot: attributes, params and tags dictionary-encoded
// (few distinct values), metrics as Float64 columns. A query reads only the
// columns it names and is evaluated once per distinct value (or per number)
// into a bit mask; only the rows shown become objects. The snapshot is derived
// data, checked against the index file (inode, covered length, the bytes before
// the cut) and rewritten by a reader
// when enough lines were appended after it; a stale or damaged one is ignored.
// Its file format: docs/snapshot-format.md.
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { replaceFile } from '../files.js'
import type { RecordSummary } from './summary.js'

export type Column =
  | { kind: 'dict'; values: unknown[]; codes: Uint8Array | Uint16Array | Uint32Array } // code 0: no value
  | { kind: 'num'; data: Float64Array } // NaN: no value
  | { kind: 'text'; blob: Buffer; ends: Uint32Array } // row i: utf8 bytes [ends[i-1], ends[i]); ids and dates, read lazily

/** Where a record comes from and its LoadGen scenario (summary.ts sourceFields); absent for most local runs. */
export const SOURCE_ATTRS = [
  'source',
  'round',
  'submitter',
  'division',
  'availability',
  'system',
  'accelerator',
  'accelerators',
  'scenario',
  'mode',
  'headline',
] as const
const ATTRS = ['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host', 'limits', 'emulated', ...SOURCE_ATTRS] as const
/** The attributes a `--sort` names, as a user writes them (`date` for createdAt). */
export const SORT_ATTRIBUTES: readonly string[] = ['date', ...ATTRS.filter((a) => a !== 'createdAt')]
/** Cells read one at a time from a snapshot column before the whole column is loaded instead. */
const CELLS_BEFORE_LOADING = 256
/** A reader rewrites the snapshot once this many lines follow it. */
export const SNAPSHOT_EVERY = 1000

/** A column still in the snapshot file: loaded whole for a query, or read a cell at a time for a row. */
export interface LazyColumn {
  load(): Column
  /** some rows' values (ascending rows), reading their bytes only, not the column */
  cells?(rows: readonly number[]): unknown[]
}

export class SummaryTable {
  private readonly loaded = new Map<string, Column>()
  private readonly params: string[]
  private readonly metrics: string[]

  constructor(
    readonly size: number,
    private readonly sources: Map<string, Column | LazyColumn>,
  ) {
    this.params = [...sources.keys()].filter((k) => k.startsWith('params.'))
    this.metrics = [...sources.keys()].filter((k) => k.startsWith('metrics.'))
  }

  metricNames(): string[] {
    return this.metrics.map((k) => k.slice(8))
  }

  paramNames(): string[] {
    return this.params.map((k) => k.slice(7))
  }

  /** Every column, loaded. */
  columns(): Array<[string, Column]> {
    return [...this.sources.keys()].map((name) => [name, this.get(name)!])
  }

  private get(name: string): Column | undefined {
    let column = this.loaded.get(name)
    if (column) return column
    const source = this.sources.get(name)
    if (!source) return undefined
    column = 'kind' in source ? source : source.load()
    this.loaded.set(name, column)
    return column
  }

  private readonly cellReads = new Map<string, number>()

  private cell(name: string, i: number): unknown {
    const column = this.loaded.get(name)
    if (column) return valueAt(column, i)
    const source = this.sources.get(name)
    if (source && !('kind' in source) && source.cells) {
      // a few rows: a read each; many: one read of the column beats thousands of small ones
      const reads = (this.cellReads.get(name) ?? 0) + 1
      this.cellReads.set(name, reads)
      if (reads <= CELLS_BEFORE_LOADING) return source.cells([i])[0]
    }
    return valueAt(this.get(name), i)
  }

  /**
   * One field of many rows (ascending), in one pass over the bytes they need:
   * what a compare reads of 1,000 runs among 100,000, without loading (and,
   * on a VM, page-faulting in) whole columns it does not query.
   */
  values(rows: readonly number[], field: string): unknown[] {
    const name = columnName(field)
    const source = this.sources.get(name)
    if (source && !('kind' in source) && source.cells && !this.loaded.has(name)) return source.cells(rows)
    const column = this.get(name)
    return rows.map((i) => valueAt(column, i))
  }

  static from(rows: readonly RecordSummary[]): SummaryTable {
    const builders = new Map<string, { kind: 'dict' | 'num'; raw: unknown[] }>()
    const put = (name: string, i: number, value: unknown) => {
      if (value === undefined || value === null) return
      let builder = builders.get(name)
      if (!builder) builders.set(name, (builder = { kind: name.startsWith('metrics.') ? 'num' : 'dict', raw: new Array(rows.length) }))
      if (builder.kind === 'num' && typeof value !== 'number') builder.kind = 'dict'
      builder.raw[i] = value
    }
    rows.forEach((summary, i) => {
      for (const attr of ATTRS) put(attr, i, summary[attr])
      put('tags', i, summary.tags)
      for (const [key, value] of Object.entries(summary.params ?? {})) put(`params.${key}`, i, value)
      for (const [key, value] of Object.entries(summary.metrics ?? {})) put(`metrics.${key}`, i, value)
    })
    const columns = new Map<string, Column>()
    for (const [name, builder] of builders) columns.set(name, buildColumn(builder.kind, builder.raw, rows.length))
    return new SummaryTable(rows.length, columns)
  }

  /**
   * This table with rows added after it, column by column: what rewriting the
   * snapshot costs once 1,000 lines follow it, without turning 100,000 rows
   * back into objects. Numbers and packed text are concatenated, dictionaries
   * merged; a column whose kind changes is rebuilt from its values.
   */
  appended(rows: readonly RecordSummary[]): SummaryTable {
    const added = SummaryTable.from(rows)
    const size = this.size + added.size
    const columns = new Map<string, Column>()
    for (const name of new Set([...this.sources.keys(), ...added.sources.keys()])) {
      const before = this.get(name),
        after = added.get(name)
      columns.set(
        name,
        joinColumns(before, this.size, after, added.size) ??
          buildColumn(
            name.startsWith('metrics.') ? 'num' : 'dict',
            Array.from({ length: size }, (_, i) => (i < this.size ? valueAt(before, i) : valueAt(after, i - this.size))),
            size,
          ),
      )
    }
    return new SummaryTable(size, columns)
  }

  /** The column a query field reads (see fieldValue in query/evaluate.ts). */
  column(field: string): Column | undefined {
    return this.get(columnName(field))
  }

  row(i: number): RecordSummary {
    const summary = {} as RecordSummary
    const attrs = summary as unknown as Record<string, unknown>
    for (const attr of ATTRS) {
      const value = this.cell(attr, i)
      if (value !== undefined) attrs[attr] = value
    }
    summary.params = {}
    for (const name of this.params) {
      const value = this.cell(name, i)
      if (value !== undefined) summary.params[name.slice(7)] = value as string | number | boolean
    }
    summary.metrics = {}
    for (const name of this.metrics) {
      const value = this.cell(name, i)
      if (value !== undefined) summary.metrics[name.slice(8)] = value as number
    }
    summary.tags = (this.cell('tags', i) as string[] | undefined) ?? []
    return summary
  }

  rows(): RecordSummary[] {
    return Array.from({ length: this.size }, (_, i) => this.row(i))
  }
}

/** Whether records have such a field (one a query or a sort may name). */
export function isField(field: string): boolean {
  return columnName(field) !== ''
}

/** The column name of a query field: `date` is createdAt; fields no column holds name none. */
function columnName(field: string): string {
  return field === 'date' ? 'createdAt' : field === 'tags' || ATTRS.includes(field as (typeof ATTRS)[number]) || /^(params|metrics)\../.test(field) ? field : ''
}

export function valueAt(column: Column | undefined, i: number): unknown {
  if (!column) return undefined
  if (column.kind === 'num') return Number.isNaN(column.data[i]) ? undefined : column.data[i]
  if (column.kind === 'text') {
    const span = textSpan(column.ends, i)
    return span && column.blob.toString('utf8', span[0], span[1])
  }
  const code = column.codes[i]!
  return code === 0 ? undefined : column.values[code - 1]
}

/**
 * A column from one value per row (undefined or a hole: none): numbers for
 * metrics that are all numbers, packed text for many distinct strings (ids,
 * dates), else a dictionary.
 */
function buildColumn(kind: 'num' | 'dict', raw: unknown[], size: number): Column {
  let numbers = kind === 'num'
  let strings = true
  for (const value of raw) {
    if (value === undefined) continue
    if (typeof value !== 'number') numbers = false
    if (typeof value !== 'string') strings = false
  }
  if (numbers) {
    const data = new Float64Array(size).fill(NaN)
    raw.forEach((value, i) => {
      if (value !== undefined) data[i] = value as number
    })
    return { kind: 'num', data }
  }
  // packed text has no way to say "" apart from no value: a column holding "" stays a dictionary
  if (strings && textWorthy(size, new Set(raw).size) && !raw.includes('')) return textColumn(raw as Array<string | undefined>)
  const dict = dictionary([])
  const codes = codeArray(size, size + 1)
  raw.forEach((value, i) => {
    if (value !== undefined) codes[i] = dict.code(value)
  })
  return { kind: 'dict', values: dict.values, codes: narrow(codes, dict.values.length) }
}

/** Many distinct strings among many rows: packed text (ids, dates), not a dictionary. */
const textWorthy = (rows: number, distinct: number) => rows > 1000 && distinct > rows / 4

/** A dictionary's values and the code (1-based) of each, growing as new values come. */
function dictionary(values: unknown[]): { values: unknown[]; code(v: unknown): number } {
  const key = (value: unknown) => (typeof value === 'string' ? `s${value}` : JSON.stringify(value))
  const seen = new Map(values.map((value, k) => [key(value), k + 1]))
  return {
    values,
    code(value) {
      let code = seen.get(key(value))
      if (code === undefined) {
        values.push(value)
        seen.set(key(value), (code = values.length))
      }
      return code
    },
  }
}

/** Two columns one after the other, when neither changes kind; undefined when one must be rebuilt. */
function joinColumns(before: Column | undefined, beforeSize: number, after: Column | undefined, afterSize: number): Column | undefined {
  const kind = before?.kind ?? after?.kind
  if (kind === 'num' && (before ?? after)!.kind === (after ?? before)!.kind) return joinNumbers(before, beforeSize, after, afterSize)
  if (before?.kind === 'text') return joinText(before, beforeSize, after, afterSize)
  if (kind === 'dict' && (!before || before.kind === 'dict') && (!after || after.kind === 'dict')) return joinDictionaries(before, beforeSize, after, afterSize)
  return undefined
}

/** Two number columns (or one and a column no row has) concatenated; no value stays NaN. */
function joinNumbers(before: Column | undefined, beforeSize: number, after: Column | undefined, afterSize: number): Column {
  const data = new Float64Array(beforeSize + afterSize).fill(NaN)
  if (before?.kind === 'num') data.set(before.data, 0)
  if (after?.kind === 'num') data.set(after.data, beforeSize)
  return { kind: 'num', data }
}

/** A text column with rows after it; undefined when those rows hold more than non-empty strings. */
function joinText(before: Extract<Column, { kind: 'text' }>, beforeSize: number, after: Column | undefined, afterSize: number): Column | undefined {
  // the rows added come as a dictionary (few rows): strings only join the text
  let tail: Column | undefined = after
  if (after?.kind === 'dict' && after.values.every((v) => typeof v === 'string' && v !== '')) {
    tail = textColumn(Array.from({ length: afterSize }, (_, i) => valueAt(after, i) as string | undefined))
  }
  if (tail && tail.kind !== 'text') return undefined
  const ends = new Uint32Array(beforeSize + afterSize)
  ends.set(before.ends, 0)
  const base = before.blob.length
  for (let i = 0; i < afterSize; i++) ends[beforeSize + i] = base + (tail ? tail.ends[i]! : 0)
  return { kind: 'text', ends, blob: tail ? Buffer.concat([before.blob, tail.blob]) : before.blob }
}

/** Two dictionary columns merged (the later one's codes remapped); undefined when it has grown into text. */
function joinDictionaries(before: Column | undefined, beforeSize: number, after: Column | undefined, afterSize: number): Column | undefined {
  const dict = dictionary(before?.kind === 'dict' ? [...before.values] : [])
  const remap = [0, ...(after?.kind === 'dict' ? after.values.map((v) => dict.code(v)) : [])]
  const values = dict.values
  // a dictionary grown to many distinct strings is rebuilt as text
  if (textWorthy(beforeSize + afterSize, values.length) && values.every((v) => typeof v === 'string')) return undefined
  const codes = codeArray(beforeSize + afterSize, values.length + 1)
  if (before?.kind === 'dict') codes.set(before.codes, 0)
  if (after?.kind === 'dict') for (let i = 0; i < afterSize; i++) codes[beforeSize + i] = remap[after.codes[i]!]!
  return { kind: 'dict', values, codes }
}

/** Where row i's bytes lie in a text column's blob; undefined for no value (an empty cell). */
function textSpan(ends: Uint32Array, i: number): [number, number] | undefined {
  const start = i ? ends[i - 1]! : 0
  return ends[i]! <= start ? undefined : [start, ends[i]!]
}

/** Cells of one byte width: row i's bytes from i * width. */
const fixedSpan =
  (width: number) =>
  (i: number): [number, number] => [i * width, i * width + width]

function textColumn(raw: Array<string | undefined>): Column {
  const ends = new Uint32Array(raw.length)
  const parts: Buffer[] = []
  let at = 0
  // every row, holes (missing values) included: a missing value is an empty cell
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i]
    if (value) {
      const bytes = Buffer.from(value)
      parts.push(bytes)
      at += bytes.length
    }
    ends[i] = at
  }
  return { kind: 'text', blob: Buffer.concat(parts), ends }
}

function codeArray(n: number, max: number): Uint8Array | Uint16Array | Uint32Array {
  return max < 256 ? new Uint8Array(n) : max < 65536 ? new Uint16Array(n) : new Uint32Array(n)
}

function narrow(codes: Uint8Array | Uint16Array | Uint32Array, max: number): Uint8Array | Uint16Array | Uint32Array {
  const out = codeArray(codes.length, max + 1)
  if (out.constructor === codes.constructor) return codes
  out.set(codes)
  return out
}

// ---- the snapshot file -------------------------------------------------------
// Its layout, versions, validation and rewriting: docs/snapshot-format.md.
// Written and read by hand, not with a columnar library (apache-arrow): loading
// one would cost every query more than reading the few columns it needs.

// 2: text columns end every row (version 1 could leave a missing value's end at 0)
// 3: text columns of one cell width store no ends
const MAGIC = 'CMCIDX3\n'
/** Batched cell reads go through one buffer of this size, reused. */
const WINDOW = 1 << 16
/** Bytes between two wanted cells that a window reads over rather than starting a new read. */
const WINDOW_GAP = 4096
let windowBuffer: Buffer | undefined
const window = () => (windowBuffer ??= Buffer.allocUnsafeSlow(WINDOW))

/** Which bytes of index.jsonl a snapshot holds, and how to tell it is still that file. */
export interface SnapshotCover {
  ino: number
  covered: number
  /** sha256 of the (up to) 256 bytes before `covered`. */
  edge: string
  /** damaged lines skipped in the covered part */
  bad: number
}

/** width: bytes per code (dict); for text, every cell's byte length when they are all equal (ids, dates: no ends stored) */
interface ColumnHeader {
  name: string
  kind: Column['kind']
  values?: unknown[]
  width?: number
  bytes?: number
}

/** The JSON header after the magic and its length. */
interface SnapshotHeader {
  size: number
  cover: SnapshotCover
  columns: ColumnHeader[]
}

/** The byte length every cell of a text column has, when all have the same and none is empty. */
function fixedWidth(column: Extract<Column, { kind: 'text' }>): number | undefined {
  const width = column.ends[0]
  if (!width) return undefined
  for (let i = 1; i < column.ends.length; i++) if (column.ends[i]! - column.ends[i - 1]! !== width) return undefined
  return width
}

export function edgeHash(fd: number, covered: number): string {
  const length = Math.min(256, covered)
  const edge = Buffer.alloc(length)
  readSync(fd, edge, 0, length, covered - length)
  return createHash('sha256').update(edge).digest('hex')
}

export function writeSnapshot(file: string, table: SummaryTable, cover: SnapshotCover): void {
  const headers: ColumnHeader[] = []
  const bodies: Buffer[] = []
  for (const [name, column] of table.columns()) {
    const encoded = encodeColumn(name, column)
    headers.push(encoded.header)
    bodies.push(...encoded.bodies)
  }
  const header = Buffer.from(JSON.stringify({ size: table.size, cover, columns: headers } satisfies SnapshotHeader))
  const parts: Buffer[] = [Buffer.from(MAGIC), u32(header.length), header]
  let offset = MAGIC.length + 4 + header.length
  // every body from an 8-byte boundary, so that the reader can view it as a typed array
  for (const body of bodies) {
    const pad = (8 - (offset % 8)) % 8
    parts.push(Buffer.alloc(pad), body)
    offset += pad + body.length
  }
  replaceFile(file, Buffer.concat(parts))
}

/** One column's header entry and its bodies, as the file holds them (the typed arrays' own bytes). */
function encodeColumn(name: string, column: Column): { header: ColumnHeader; bodies: Buffer[] } {
  const bytesOf = (a: Float64Array | Uint8Array | Uint16Array | Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  if (column.kind === 'num') return { header: { name, kind: 'num' }, bodies: [bytesOf(column.data)] }
  if (column.kind === 'text') {
    const width = fixedWidth(column)
    return {
      header: { name, kind: 'text', bytes: column.blob.length, ...(width ? { width } : {}) },
      bodies: width ? [column.blob] : [bytesOf(column.ends), column.blob],
    }
  }
  const width = column.codes.BYTES_PER_ELEMENT as 1 | 2 | 4
  return { header: { name, kind: 'dict', values: column.values, width }, bodies: [bytesOf(column.codes)] }
}

/** An open snapshot: its table reads columns from the file as queries need them. */
export interface OpenSnapshot {
  table: SummaryTable
  cover: SnapshotCover
  close(): void
}

/**
 * The snapshot when it exists, parses and still describes the index file open
 * as indexFd. Only the header is read here; a column is read when a query
 * touches it, and ids and dates a row at a time for the rows that are shown.
 */
export function readSnapshot(file: string, indexFd: number): OpenSnapshot | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  const close = () => {
    try {
      closeSync(fd)
    } catch {
      /* closed */
    }
  }
  try {
    const fileSize = fstatSync(fd).size
    const { header, bodiesAt } = readHeader(fd)
    if (!coversIndex(header.cover, indexFd)) throw new Error('stale')
    const { places, end } = placeColumns(header.columns, header.size, bodiesAt)
    if (end > fileSize) throw new Error('truncated')
    const sources = new Map<string, LazyColumn>()
    for (const place of places) sources.set(place.header.name, lazyColumn(fd, place, header.size))
    return { table: new SummaryTable(header.size, sources), cover: header.cover, close }
  } catch {
    close()
    return undefined
  }
}

/** The magic (this version's only), the header's length and the header; where the bodies start. */
function readHeader(fd: number): { header: SnapshotHeader; bodiesAt: number } {
  const lead = readExactly(fd, MAGIC.length + 4, 0)
  if (lead.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error('not a snapshot')
  const headerLength = lead.readUInt32LE(MAGIC.length)
  const header = JSON.parse(readExactly(fd, headerLength, MAGIC.length + 4).toString()) as SnapshotHeader
  return { header, bodiesAt: MAGIC.length + 4 + headerLength }
}

/** Whether the index open as indexFd is still the file the snapshot was cut from: same inode, long enough, same bytes before the cut. */
function coversIndex(cover: SnapshotCover, indexFd: number): boolean {
  const index = fstatSync(indexFd)
  return cover.ino === index.ino && cover.covered <= index.size && edgeHash(indexFd, cover.covered) === cover.edge
}

/** Where a column's bytes lie: `at` its body (a text column's ends, when it has them), `blobAt` a text column's bytes. */
interface ColumnPlace {
  header: ColumnHeader
  at: number
  blobAt: number
}

/**
 * Each column's place, from the header alone: bodies follow it in column
 * order, each from an 8-byte boundary; `end` is where the last one ends.
 */
function placeColumns(headers: readonly ColumnHeader[], size: number, bodiesAt: number): { places: ColumnPlace[]; end: number } {
  let offset = bodiesAt
  const align = () => {
    offset += (8 - (offset % 8)) % 8
  }
  const places: ColumnPlace[] = []
  for (const header of headers) {
    align()
    const at = offset
    if (header.kind === 'text') {
      const width = header.width
      if (width !== undefined && !(Number.isInteger(width) && width > 0 && header.bytes === width * size)) throw new Error('bad text width')
      if (!width) {
        offset += 4 * size // the ends, one u32 a row
        align()
      }
      places.push({ header, at, blobAt: offset })
      offset += header.bytes!
      continue
    }
    places.push({ header, at, blobAt: at })
    offset += (header.kind === 'num' ? 8 : header.width!) * size
  }
  return { places, end: offset }
}

/** A column left in the file at its place, read whole or a few cells at a time. */
function lazyColumn(fd: number, place: ColumnPlace, size: number): LazyColumn {
  const { header, at } = place
  if (header.kind === 'text') return lazyText(fd, header, size, at, place.blobAt)
  if (header.kind === 'num') return lazyNumbers(fd, size, at)
  return lazyDictionary(fd, header, size, at)
}

/** Packed text: ends (or a fixed width) and the utf8 bytes of every cell. */
function lazyText(fd: number, header: ColumnHeader, size: number, endsAt: number, blobAt: number): LazyColumn {
  const width = header.width
  let ends: Uint32Array | undefined
  const endsOf = () =>
    (ends ??= width ? Uint32Array.from({ length: size }, (_, i) => (i + 1) * width) : new Uint32Array(readArrayBuffer(fd, 4 * size, endsAt), 0, size))
  const decode = (buffer: Buffer, from: number, to: number) => buffer.toString('utf8', from, to)
  return {
    load: () => ({ kind: 'text', ends: endsOf(), blob: readExactly(fd, header.bytes!, blobAt) }),
    // fixed width: a cell's place is its row times the width, no ends to read
    cells: (rows) => readCells(fd, rows, blobAt, width ? fixedSpan(width) : (i) => textSpan(endsOf(), i), decode),
  }
}

/** Float64 metrics, NaN for no value. */
function lazyNumbers(fd: number, size: number, at: number): LazyColumn {
  const span = fixedSpan(8)
  return {
    load: () => ({ kind: 'num', data: new Float64Array(readArrayBuffer(fd, 8 * size, at), 0, size) }),
    cells: (rows) =>
      readCells(fd, rows, at, span, (buffer, from) => {
        const x = buffer.readDoubleLE(from)
        return Number.isNaN(x) ? undefined : x
      }),
  }
}

/** Codes of `width` bytes into the header's values, 0 for no value. */
function lazyDictionary(fd: number, header: ColumnHeader, size: number, at: number): LazyColumn {
  const width = header.width!
  const span = fixedSpan(width)
  const Codes = width === 1 ? Uint8Array : width === 2 ? Uint16Array : Uint32Array
  const values = header.values!
  return {
    load: () => ({ kind: 'dict', values, codes: new Codes(readArrayBuffer(fd, width * size, at), 0, size) }),
    cells: (rows) =>
      readCells(fd, rows, at, span, (buffer, from) => {
        const code = width === 1 ? buffer[from]! : width === 2 ? buffer.readUInt16LE(from) : buffer.readUInt32LE(from)
        return code === 0 ? undefined : values[code - 1]
      }),
  }
}

/** Exactly `length` bytes from `position`, in a buffer of their own. */
function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafeSlow(length) // not pooled: offset 0, aligned for typed views; filled whole by the read below
  if (readSync(fd, buffer, 0, length, position) !== length) throw new Error('short read')
  return buffer
}

const readArrayBuffer = (fd: number, length: number, position: number) => readExactly(fd, length, position).buffer as ArrayBuffer

/**
 * Values of some rows (ascending) of a column whose cells lie from `base`:
 * rows whose bytes lie close together are read in one window through a reused
 * buffer (its pages are touched once, fresh memory costs more than the copy),
 * far ones alone.
 */
function readCells(
  fd: number,
  rows: readonly number[],
  base: number,
  span: (i: number) => [number, number] | undefined,
  decode: (buffer: Buffer, at: number, end: number) => unknown,
): unknown[] {
  const out = new Array<unknown>(rows.length)
  const buffer = window()
  for (let first = 0; first < rows.length;) {
    const firstSpan = span(rows[first]!)
    if (!firstSpan) {
      out[first++] = undefined
      continue
    }
    const [start, firstEnd] = firstSpan
    if (firstEnd - start > buffer.length) {
      out[first++] = decode(readExactly(fd, firstEnd - start, base + start), 0, firstEnd - start)
      continue
    }
    // widen the window over the next rows while they follow close behind and fit
    let end = firstEnd
    let next = first + 1
    for (; next < rows.length; next++) {
      const cell = span(rows[next]!)
      if (!cell) continue
      if (cell[0] < end || cell[0] - end > WINDOW_GAP || cell[1] - start > buffer.length) break
      end = cell[1]
    }
    if (readSync(fd, buffer, 0, end - start, base + start) !== end - start) throw new Error('short read')
    for (let row = first; row < next; row++) {
      const cell = span(rows[row]!)
      out[row] = cell ? decode(buffer, cell[0] - start, cell[1] - start) : undefined
    }
    first = next
  }
  return out
}

function u32(n: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32LE(n)
  return out
}

/** Parses complete JSON lines; counts the damaged ones. */
export function parseLines(text: string): { rows: RecordSummary[]; bad: number } {
  const lines = text.split('\n')
  try {
    // one parse of all lines as an array, the common case
    return { rows: JSON.parse(`[${lines.filter((line) => line.length).join(',')}]`) as RecordSummary[], bad: 0 }
  } catch {
    const rows: RecordSummary[] = []
    let bad = 0
    for (const line of lines) {
      if (!line) continue
      try {
        rows.push(JSON.parse(line) as RecordSummary)
      } catch {
        const glued = gluedSummary(line)
        if (glued) rows.push(glued)
        bad++
      }
    }
    return { rows, bad }
  }
}

/**
 * The whole summary a damaged line ends with: one a writer appended after a
 * torn line (before writers began on a fresh line) is glued to its fragment.
 * Summaries begin with their id (summaryOf), so the last `{"id":` that starts
 * valid JSON is where it begins.
 */
function gluedSummary(line: string): RecordSummary | undefined {
  for (let at = line.lastIndexOf('{"id":'); at > 0; at = line.lastIndexOf('{"id":', at - 1)) {
    try {
      const row = JSON.parse(line.slice(at)) as RecordSummary
      if (row && typeof row.id === 'string') return row
    } catch {
      // an id inside the fragment itself: look further left
    }
  }
  return undefined
}
