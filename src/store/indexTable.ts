// The index as columns, for queries over 100,000 records in one process start.
// index.jsonl stays the store's index (appended by writers, rebuilt by reindex);
// parsing it whole costs about a second at 100,000 lines (32 MB of JSON and the
// garbage of 100,000 objects). Readers therefore keep a columnar snapshot of its
// first bytes in index.snapshot: attributes, params and tags dictionary-encoded
// (few distinct values), metrics as Float64 columns. A query reads only the
// columns it names and is evaluated once per distinct value (or per number)
// into a bit mask; only the rows shown become objects. The snapshot is derived
// data, checked against the index file (inode, covered length, the bytes before
// the cut) and rewritten by a reader
// when enough lines were appended after it; a stale or damaged one is ignored.
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { replaceFile } from '../files.js'
import type { RecordSummary } from './summary.js'

export type Column =
  | { kind: 'dict'; values: unknown[]; codes: Uint8Array | Uint16Array | Uint32Array } // code 0: no value
  | { kind: 'num'; data: Float64Array } // NaN: no value
  | { kind: 'text'; blob: Buffer; ends: Uint32Array } // row i: utf8 bytes [ends[i-1], ends[i]); ids and dates, read lazily

const ATTRS = ['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host'] as const
// 2: text columns end every row (version 1 could leave a missing value's end at 0)
// 3: text columns of one cell width store no ends
const MAGIC = 'CMCIDX3\n'
/** Cells read one at a time from a snapshot column before the whole column is loaded instead. */
const CELLS_BEFORE_LOADING = 256
/** Batched cell reads go through one buffer of this size, reused. */
const WINDOW = 1 << 16
/** Bytes between two wanted cells that a window reads over rather than starting a new read. */
const WINDOW_GAP = 4096
let windowBuffer: Buffer | undefined
const window = () => (windowBuffer ??= Buffer.allocUnsafeSlow(WINDOW))
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

  constructor(readonly size: number, private readonly sources: Map<string, Column | LazyColumn>) {
    this.params = [...sources.keys()].filter((k) => k.startsWith('params.'))
    this.metrics = [...sources.keys()].filter((k) => k.startsWith('metrics.'))
  }

  metricNames(): string[] {
    return this.metrics.map((k) => k.slice(8))
  }

  /** Every column, loaded. */
  columns(): Array<[string, Column]> {
    return [...this.sources.keys()].map((name) => [name, this.get(name)!])
  }

  private get(name: string): Column | undefined {
    let c = this.loaded.get(name)
    if (c) return c
    const src = this.sources.get(name)
    if (!src) return undefined
    c = 'kind' in src ? src : src.load()
    this.loaded.set(name, c)
    return c
  }

  private readonly cellReads = new Map<string, number>()

  private cell(name: string, i: number): unknown {
    const c = this.loaded.get(name)
    if (c) return valueAt(c, i)
    const src = this.sources.get(name)
    if (src && !('kind' in src) && src.cells) {
      // a few rows: a read each; many: one read of the column beats thousands of small ones
      const n = (this.cellReads.get(name) ?? 0) + 1
      this.cellReads.set(name, n)
      if (n <= CELLS_BEFORE_LOADING) return src.cells([i])[0]
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
    const src = this.sources.get(name)
    if (src && !('kind' in src) && src.cells && !this.loaded.has(name)) return src.cells(rows)
    const col = this.get(name)
    return rows.map((i) => valueAt(col, i))
  }

  static from(rows: readonly RecordSummary[]): SummaryTable {
    const builders = new Map<string, { kind: 'dict' | 'num'; raw: unknown[] }>()
    const put = (name: string, i: number, v: unknown) => {
      if (v === undefined || v === null) return
      let b = builders.get(name)
      if (!b) builders.set(name, (b = { kind: name.startsWith('metrics.') ? 'num' : 'dict', raw: new Array(rows.length) }))
      if (b.kind === 'num' && typeof v !== 'number') b.kind = 'dict'
      b.raw[i] = v
    }
    rows.forEach((s, i) => {
      for (const a of ATTRS) put(a, i, s[a])
      put('tags', i, s.tags)
      for (const [k, v] of Object.entries(s.params ?? {})) put(`params.${k}`, i, v)
      for (const [k, v] of Object.entries(s.metrics ?? {})) put(`metrics.${k}`, i, v)
    })
    const columns = new Map<string, Column>()
    for (const [name, b] of builders) columns.set(name, buildColumn(b.kind, b.raw, rows.length))
    return new SummaryTable(rows.length, columns)
  }

  /**
   * This table with rows added after it, column by column: what rewriting the
   * snapshot costs once 1,000 lines follow it, without turning 100,000 rows
   * back into objects. Numbers and packed text are concatenated, dictionaries
   * merged; a column whose kind changes is rebuilt from its values.
   */
  appended(rows: readonly RecordSummary[]): SummaryTable {
    const add = SummaryTable.from(rows)
    const size = this.size + add.size
    const columns = new Map<string, Column>()
    for (const name of new Set([...this.sources.keys(), ...add.sources.keys()])) {
      const a = this.get(name), b = add.get(name)
      columns.set(name, joinColumns(a, this.size, b, add.size) ?? buildColumn(
        name.startsWith('metrics.') ? 'num' : 'dict',
        Array.from({ length: size }, (_, i) => (i < this.size ? valueAt(a, i) : valueAt(b, i - this.size))),
        size,
      ))
    }
    return new SummaryTable(size, columns)
  }

  /** The column a query field reads (see fieldValue in query/evaluate.ts). */
  column(field: string): Column | undefined {
    return this.get(columnName(field))
  }

  row(i: number): RecordSummary {
    const s = {} as RecordSummary
    const attrs = s as unknown as Record<string, unknown>
    for (const a of ATTRS) {
      const v = this.cell(a, i)
      if (v !== undefined) attrs[a] = v
    }
    s.params = {}
    for (const k of this.params) {
      const v = this.cell(k, i)
      if (v !== undefined) s.params[k.slice(7)] = v as string | number | boolean
    }
    s.metrics = {}
    for (const k of this.metrics) {
      const v = this.cell(k, i)
      if (v !== undefined) s.metrics[k.slice(8)] = v as number
    }
    s.tags = (this.cell('tags', i) as string[] | undefined) ?? []
    return s
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
  return field === 'date' ? 'createdAt' : field === 'tags' || ATTRS.includes(field as typeof ATTRS[number]) || /^(params|metrics)\../.test(field) ? field : ''
}

export function valueAt(c: Column | undefined, i: number): unknown {
  if (!c) return undefined
  if (c.kind === 'num') return Number.isNaN(c.data[i]) ? undefined : c.data[i]
  if (c.kind === 'text') {
    const span = textSpan(c.ends, i)
    return span && c.blob.toString('utf8', span[0], span[1])
  }
  const code = c.codes[i]!
  return code === 0 ? undefined : c.values[code - 1]
}

/**
 * A column from one value per row (undefined or a hole: none): numbers for
 * metrics that are all numbers, packed text for many distinct strings (ids,
 * dates), else a dictionary.
 */
function buildColumn(kind: 'num' | 'dict', raw: unknown[], size: number): Column {
  let numbers = kind === 'num'
  let strings = true
  for (const v of raw) {
    if (v === undefined) continue
    if (typeof v !== 'number') numbers = false
    if (typeof v !== 'string') strings = false
  }
  if (numbers) {
    const data = new Float64Array(size).fill(NaN)
    raw.forEach((v, i) => { if (v !== undefined) data[i] = v as number })
    return { kind: 'num', data }
  }
  // packed text has no way to say "" apart from no value: a column holding "" stays a dictionary
  if (strings && textWorthy(size, new Set(raw).size) && !raw.includes('')) return textColumn(raw as Array<string | undefined>)
  const dict = dictionary([])
  const codes = codeArray(size, size + 1)
  raw.forEach((v, i) => { if (v !== undefined) codes[i] = dict.code(v) })
  return { kind: 'dict', values: dict.values, codes: narrow(codes, dict.values.length) }
}

/** Many distinct strings among many rows: packed text (ids, dates), not a dictionary. */
const textWorthy = (rows: number, distinct: number) => rows > 1000 && distinct > rows / 4

/** A dictionary's values and the code (1-based) of each, growing as new values come. */
function dictionary(values: unknown[]): { values: unknown[]; code(v: unknown): number } {
  const key = (v: unknown) => (typeof v === 'string' ? `s${v}` : JSON.stringify(v))
  const seen = new Map(values.map((v, k) => [key(v), k + 1]))
  return {
    values,
    code(v) {
      let code = seen.get(key(v))
      if (code === undefined) {
        values.push(v)
        seen.set(key(v), (code = values.length))
      }
      return code
    },
  }
}

/** Two columns one after the other, when neither changes kind; undefined when one must be rebuilt. */
function joinColumns(a: Column | undefined, aSize: number, b: Column | undefined, bSize: number): Column | undefined {
  const kind = a?.kind ?? b?.kind
  if (kind === 'num' && (a ?? b)!.kind === (b ?? a)!.kind) {
    const data = new Float64Array(aSize + bSize).fill(NaN)
    if (a?.kind === 'num') data.set(a.data, 0)
    if (b?.kind === 'num') data.set(b.data, aSize)
    return { kind: 'num', data }
  }
  if (a?.kind === 'text') {
    // the rows added come as a dictionary (few rows): strings only join the text
    let tail: Column | undefined = b
    if (b?.kind === 'dict' && b.values.every((v) => typeof v === 'string' && v !== '')) tail = textColumn(Array.from({ length: bSize }, (_, i) => valueAt(b, i) as string | undefined))
    if (tail && tail.kind !== 'text') return undefined
    const ends = new Uint32Array(aSize + bSize)
    ends.set(a.ends, 0)
    const base = a.blob.length
    for (let i = 0; i < bSize; i++) ends[aSize + i] = base + (tail ? tail.ends[i]! : 0)
    return { kind: 'text', ends, blob: tail ? Buffer.concat([a.blob, tail.blob]) : a.blob }
  }
  if (kind === 'dict' && (!a || a.kind === 'dict') && (!b || b.kind === 'dict')) {
    const dict = dictionary(a?.kind === 'dict' ? [...a.values] : [])
    const remap = [0, ...(b?.kind === 'dict' ? b.values.map((v) => dict.code(v)) : [])]
    const values = dict.values
    // a dictionary grown to many distinct strings is rebuilt as text
    if (textWorthy(aSize + bSize, values.length) && values.every((v) => typeof v === 'string')) return undefined
    const codes = codeArray(aSize + bSize, values.length + 1)
    if (a?.kind === 'dict') codes.set(a.codes, 0)
    if (b?.kind === 'dict') for (let i = 0; i < bSize; i++) codes[aSize + i] = remap[b.codes[i]!]!
    return { kind: 'dict', values, codes }
  }
  return undefined
}

/** Where row i's bytes lie in a text column's blob; undefined for no value (an empty cell). */
function textSpan(ends: Uint32Array, i: number): [number, number] | undefined {
  const start = i ? ends[i - 1]! : 0
  return ends[i]! <= start ? undefined : [start, ends[i]!]
}

/** Cells of one byte width: row i's bytes from i * width. */
const fixedSpan = (width: number) => (i: number): [number, number] => [i * width, i * width + width]

function textColumn(raw: Array<string | undefined>): Column {
  const ends = new Uint32Array(raw.length)
  const parts: Buffer[] = []
  let at = 0
  // every row, holes (missing values) included: a missing value is an empty cell
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]
    if (v) {
      const b = Buffer.from(v)
      parts.push(b)
      at += b.length
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
interface ColumnHeader { name: string; kind: Column['kind']; values?: unknown[]; width?: number; bytes?: number }

/** The byte length every cell of a text column has, when all have the same and none is empty. */
function fixedWidth(c: Extract<Column, { kind: 'text' }>): number | undefined {
  const w = c.ends[0]
  if (!w) return undefined
  for (let i = 1; i < c.ends.length; i++) if (c.ends[i]! - c.ends[i - 1]! !== w) return undefined
  return w
}

export function edgeHash(fd: number, covered: number): string {
  const len = Math.min(256, covered)
  const buf = Buffer.alloc(len)
  readSync(fd, buf, 0, len, covered - len)
  return createHash('sha256').update(buf).digest('hex')
}

export function writeSnapshot(file: string, table: SummaryTable, cover: SnapshotCover): void {
  const headers: ColumnHeader[] = []
  const bodies: Buffer[] = []
  for (const [name, c] of table.columns()) {
    if (c.kind === 'num') {
      headers.push({ name, kind: 'num' })
      bodies.push(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength))
    } else if (c.kind === 'text') {
      const width = fixedWidth(c)
      headers.push({ name, kind: 'text', bytes: c.blob.length, ...(width ? { width } : {}) })
      if (!width) bodies.push(Buffer.from(c.ends.buffer, c.ends.byteOffset, c.ends.byteLength))
      bodies.push(c.blob)
    } else {
      headers.push({ name, kind: 'dict', values: c.values, width: c.codes.BYTES_PER_ELEMENT as 1 | 2 | 4 })
      bodies.push(Buffer.from(c.codes.buffer, c.codes.byteOffset, c.codes.byteLength))
    }
  }
  const header = Buffer.from(JSON.stringify({ size: table.size, cover, columns: headers }))
  const parts: Buffer[] = [Buffer.from(MAGIC), u32(header.length), header]
  let offset = MAGIC.length + 4 + header.length
  for (const b of bodies) {
    const pad = (8 - (offset % 8)) % 8
    parts.push(Buffer.alloc(pad), b)
    offset += pad + b.length
  }
  replaceFile(file, Buffer.concat(parts))
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
  const close = () => { try { closeSync(fd) } catch { /* closed */ } }
  try {
    const bytes = (length: number, position: number): Buffer => {
      const b = Buffer.allocUnsafeSlow(length) // not pooled: offset 0, aligned for typed views; filled whole by the read below
      if (readSync(fd, b, 0, length, position) !== length) throw new Error('short read')
      return b
    }
    const raw = (length: number, position: number) => bytes(length, position).buffer as ArrayBuffer
    /**
     * Values of some rows of a column at `base`: rows whose bytes lie close
     * together are read in one window through a reused buffer (its pages are
     * touched once, fresh memory costs more than the copy), far ones alone.
     */
    const cellsAt = (rows: readonly number[], base: number, span: (i: number) => [number, number] | undefined, decode: (b: Buffer, at: number, end: number) => unknown): unknown[] => {
      const out = new Array<unknown>(rows.length)
      const win = window()
      for (let j = 0; j < rows.length;) {
        const first = span(rows[j]!)
        if (!first) { out[j++] = undefined; continue }
        const [start] = first
        if (first[1] - start > win.length) { out[j++] = decode(bytes(first[1] - start, base + start), 0, first[1] - start); continue }
        let end = first[1]
        let k = j + 1
        for (; k < rows.length; k++) {
          const q = span(rows[k]!)
          if (!q) continue
          if (q[0] < end || q[0] - end > WINDOW_GAP || q[1] - start > win.length) break
          end = q[1]
        }
        if (readSync(fd, win, 0, end - start, base + start) !== end - start) throw new Error('short read')
        for (let m = j; m < k; m++) {
          const q = span(rows[m]!)
          out[m] = q ? decode(win, q[0] - start, q[1] - start) : undefined
        }
        j = k
      }
      return out
    }
    const fileSize = fstatSync(fd).size
    const lead = bytes(MAGIC.length + 4, 0)
    if (lead.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error('not a snapshot')
    const hlen = lead.readUInt32LE(MAGIC.length)
    let offset = MAGIC.length + 4 + hlen
    const head = JSON.parse(bytes(hlen, MAGIC.length + 4).toString()) as { size: number; cover: SnapshotCover; columns: ColumnHeader[] }
    const st = fstatSync(indexFd)
    const { cover, size } = head
    if (cover.ino !== st.ino || cover.covered > st.size || edgeHash(indexFd, cover.covered) !== cover.edge) throw new Error('stale')
    const sources = new Map<string, LazyColumn>()
    const align = () => { offset += (8 - (offset % 8)) % 8 }
    for (const h of head.columns) {
      align()
      const at = offset
      if (h.kind === 'text') {
        const w = h.width
        if (w !== undefined && !(Number.isInteger(w) && w > 0 && h.bytes === w * size)) throw new Error('bad text width')
        if (!w) {
          offset += 4 * size
          align()
        }
        const blobAt = offset
        offset += h.bytes!
        let ends: Uint32Array | undefined
        const endsOf = () => (ends ??= w ? Uint32Array.from({ length: size }, (_, i) => (i + 1) * w) : new Uint32Array(raw(4 * size, at), 0, size))
        const decode = (b: Buffer, from: number, to: number) => b.toString('utf8', from, to)
        sources.set(h.name, {
          load: () => ({ kind: 'text', ends: endsOf(), blob: bytes(h.bytes!, blobAt) }),
          // fixed width: a cell's place is its row times the width, no ends to read
          cells: (rows) => cellsAt(rows, blobAt, w ? fixedSpan(w) : (i) => textSpan(endsOf(), i), decode),
        })
        continue
      }
      const width = h.kind === 'num' ? 8 : h.width!
      offset += width * size
      const span = fixedSpan(width)
      if (h.kind === 'num') {
        sources.set(h.name, {
          load: () => ({ kind: 'num', data: new Float64Array(raw(8 * size, at), 0, size) }),
          cells: (rows) => cellsAt(rows, at, span, (b, from) => {
            const x = b.readDoubleLE(from)
            return Number.isNaN(x) ? undefined : x
          }),
        })
      } else {
        const Codes = width === 1 ? Uint8Array : width === 2 ? Uint16Array : Uint32Array
        const values = h.values!
        sources.set(h.name, {
          load: () => ({ kind: 'dict', values, codes: new Codes(raw(width * size, at), 0, size) }),
          cells: (rows) => cellsAt(rows, at, span, (b, from) => {
            const code = width === 1 ? b[from]! : width === 2 ? b.readUInt16LE(from) : b.readUInt32LE(from)
            return code === 0 ? undefined : values[code - 1]
          }),
        })
      }
    }
    if (offset > fileSize) throw new Error('truncated')
    return { table: new SummaryTable(size, sources), cover, close }
  } catch {
    close()
    return undefined
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

/** Parses complete JSON lines; counts the damaged ones. */
export function parseLines(text: string): { rows: RecordSummary[]; bad: number } {
  const lines = text.split('\n')
  try {
    // one parse of all lines as an array, the common case
    return { rows: JSON.parse(`[${lines.filter((l) => l.length).join(',')}]`) as RecordSummary[], bad: 0 }
  } catch {
    const rows: RecordSummary[] = []
    let bad = 0
    for (const l of lines) {
      if (!l) continue
      try {
        rows.push(JSON.parse(l) as RecordSummary)
      } catch {
        bad++
      }
    }
    return { rows, bad }
  }
}
