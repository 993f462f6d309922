// The index as columns, for queries over 100,000 records in one process start.
// index.jsonl stays the store's index (appended by writers, rebuilt by reindex);
// parsing it whole costs about a second at 100,000 lines (32 MB of JSON and the
// garbage of 100,000 objects). Readers therefore keep a columnar snapshot of its
// first bytes in index.snapshot: attributes, params and tags dictionary-encoded
// (few distinct values), metrics as Float64 columns. A query is evaluated once
// per distinct value (or per number) into a bit mask, and only the matching rows
// become objects. The snapshot is derived data, checked against the index file
// (inode, covered length, the bytes before the cut) and rewritten by a reader
// when enough lines were appended after it; a stale or damaged one is ignored.
import { createHash, randomBytes } from 'node:crypto'
import { fstatSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs'
import type { RecordSummary } from './summary.js'

export type Column =
  | { kind: 'dict'; values: unknown[]; codes: Uint8Array | Uint16Array | Uint32Array } // code 0: no value
  | { kind: 'num'; data: Float64Array } // NaN: no value
  | { kind: 'text'; blob: Buffer; ends: Uint32Array } // row i: utf8 bytes [ends[i-1], ends[i]); ids and dates, read lazily

const ATTRS = ['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host'] as const
const MAGIC = 'CMCIDX1\n'
/** A reader rewrites the snapshot once this many lines follow it. */
export const SNAPSHOT_EVERY = 1000

export class SummaryTable {
  private readonly params: Array<[string, Column]>
  private readonly metrics: Array<[string, Column]>

  constructor(readonly size: number, readonly columns: Map<string, Column>) {
    this.params = [...columns].filter(([k]) => k.startsWith('params.')).map(([k, c]) => [k.slice(7), c])
    this.metrics = [...columns].filter(([k]) => k.startsWith('metrics.')).map(([k, c]) => [k.slice(8), c])
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
    for (const [name, b] of builders) {
      if (b.kind === 'num') {
        const data = new Float64Array(rows.length).fill(NaN)
        b.raw.forEach((v, i) => { data[i] = v as number })
        columns.set(name, { kind: 'num', data })
        continue
      }
      if ((a => a.length > 1000 && a.every((v) => typeof v === 'string') && new Set(a).size > a.length / 4)(b.raw)) {
        columns.set(name, textColumn(b.raw as string[]))
        continue
      }
      const values: unknown[] = []
      const seen = new Map<string, number>()
      const codes = codeArray(rows.length, rows.length + 1)
      b.raw.forEach((v, i) => {
        const key = typeof v === 'string' ? `s${v}` : JSON.stringify(v)
        let code = seen.get(key)
        if (code === undefined) {
          values.push(v)
          seen.set(key, (code = values.length))
        }
        codes[i] = code
      })
      columns.set(name, { kind: 'dict', values, codes: narrow(codes, values.length) })
    }
    return new SummaryTable(rows.length, columns)
  }

  /** The column a query field reads (see fieldValue in query/evaluate.ts). */
  column(field: string): Column | undefined {
    return this.columns.get(field === 'date' ? 'createdAt' : field === 'tags' || ATTRS.includes(field as typeof ATTRS[number]) || /^(params|metrics)\./.test(field) ? field : '')
  }

  row(i: number): RecordSummary {
    const s = {} as RecordSummary
    const attrs = s as unknown as Record<string, unknown>
    for (const a of ATTRS) {
      const v = valueAt(this.columns.get(a), i)
      if (v !== undefined) attrs[a] = v
    }
    s.params = {}
    for (const [k, c] of this.params) {
      const v = valueAt(c, i)
      if (v !== undefined) s.params[k] = v as string | number | boolean
    }
    s.metrics = {}
    for (const [k, c] of this.metrics) {
      const v = valueAt(c, i)
      if (v !== undefined) s.metrics[k] = v as number
    }
    s.tags = (valueAt(this.columns.get('tags'), i) as string[] | undefined) ?? []
    return s
  }

  rows(mask?: Uint8Array): RecordSummary[] {
    const out: RecordSummary[] = []
    for (let i = 0; i < this.size; i++) if (!mask || mask[i]) out.push(this.row(i))
    return out
  }
}

export function valueAt(c: Column | undefined, i: number): unknown {
  if (!c) return undefined
  if (c.kind === 'num') return Number.isNaN(c.data[i]) ? undefined : c.data[i]
  if (c.kind === 'text') {
    const start = i ? c.ends[i - 1]! : 0
    return c.ends[i] === start ? undefined : c.blob.toString('utf8', start, c.ends[i])
  }
  const code = c.codes[i]!
  return code === 0 ? undefined : c.values[code - 1]
}

function textColumn(raw: Array<string | undefined>): Column {
  const ends = new Uint32Array(raw.length)
  const parts: Buffer[] = []
  let at = 0
  raw.forEach((v, i) => {
    if (v) {
      const b = Buffer.from(v)
      parts.push(b)
      at += b.length
    }
    ends[i] = at
  })
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

interface ColumnHeader { name: string; kind: Column['kind']; values?: unknown[]; width?: 1 | 2 | 4; bytes?: number }

export function edgeHash(fd: number, covered: number): string {
  const len = Math.min(256, covered)
  const buf = Buffer.alloc(len)
  readSync(fd, buf, 0, len, covered - len)
  return createHash('sha256').update(buf).digest('hex')
}

export function writeSnapshot(file: string, table: SummaryTable, cover: SnapshotCover): void {
  const headers: ColumnHeader[] = []
  const bodies: Buffer[] = []
  for (const [name, c] of table.columns) {
    if (c.kind === 'num') {
      headers.push({ name, kind: 'num' })
      bodies.push(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength))
    } else if (c.kind === 'text') {
      headers.push({ name, kind: 'text', bytes: c.blob.length })
      bodies.push(Buffer.from(c.ends.buffer, c.ends.byteOffset, c.ends.byteLength), c.blob)
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
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`
  writeFileSync(tmp, Buffer.concat(parts))
  renameSync(tmp, file)
}

/** The snapshot when it exists, parses and still describes the index file open as fd. */
export function readSnapshot(file: string, fd: number): { table: SummaryTable; cover: SnapshotCover } | undefined {
  let buf: Buffer
  try {
    buf = readFileSync(file)
  } catch {
    return undefined
  }
  try {
    if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) return undefined
    if (buf.byteOffset % 8) buf = Buffer.from(buf) // typed views need aligned memory
    const ab = buf.buffer as ArrayBuffer
    const hlen = buf.readUInt32LE(MAGIC.length)
    let offset = MAGIC.length + 4 + hlen
    const head = JSON.parse(buf.subarray(MAGIC.length + 4, offset).toString()) as { size: number; cover: SnapshotCover; columns: ColumnHeader[] }
    const st = fstatSync(fd)
    const { cover } = head
    if (cover.ino !== st.ino || cover.covered > st.size || edgeHash(fd, cover.covered) !== cover.edge) return undefined
    const columns = new Map<string, Column>()
    for (const h of head.columns) {
      offset += (8 - (offset % 8)) % 8
      const width = h.kind === 'num' ? 8 : h.kind === 'text' ? 4 : h.width!
      const at = buf.byteOffset + offset
      if (offset + width * head.size + (h.bytes ?? 0) > buf.length) return undefined
      if (h.kind === 'text') {
        const ends = new Uint32Array(ab, at, head.size)
        offset += width * head.size
        offset += (8 - (offset % 8)) % 8
        columns.set(h.name, { kind: 'text', ends, blob: buf.subarray(offset, offset + h.bytes!) })
        offset += h.bytes!
        continue
      }
      if (h.kind === 'num') columns.set(h.name, { kind: 'num', data: new Float64Array(ab, at, head.size) })
      else {
        const Codes = width === 1 ? Uint8Array : width === 2 ? Uint16Array : Uint32Array
        columns.set(h.name, { kind: 'dict', values: h.values!, codes: new Codes(ab, at, head.size) })
      }
      offset += width * head.size
    }
    return { table: new SummaryTable(head.size, columns), cover }
  } catch {
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
