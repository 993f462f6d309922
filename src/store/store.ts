// The embedded experiment store. Records are files first:
//   <root>/records/<yyyy>/<mm>/<id>/record.json (+ stdout.log, stderr.log, outputs/)
// A run stages its files in <root>/staging/<id>/ and commit() publishes them
// with one rename (atomic on one filesystem), so a reader never sees half a
// record and a writer killed mid-way leaves only a staging folder, ignored
// and cleaned later. The index (<root>/index.jsonl, one summary line per
// record, appended with O_APPEND so concurrent writers never interleave) is
// derived data: `cmc exp reindex` rebuilds it from the files.
import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { makeFolders, processAlive, replaceFile } from '../files.js'
import type { EventSink } from '../events.js'
import { edgeHash, parseLines, readSnapshot, SNAPSHOT_EVERY, SummaryTable, writeSnapshot } from './indexTable.js'
import { findStoreRoot, storeUnusable } from './location.js'
import { evaluate, evaluateTable, fieldValue } from './query/evaluate.js'
import type { QueryNode } from './query/parseQuery.js'
import type { ExperimentRecord } from './record.js'
import type { RecordWriter } from './storeApi.js'
import { summaryOf, type RecordSummary } from './summary.js'

/** Query matches: a field's values over them, and row k as a summary. */
export interface Selection {
  length: number
  /** the metric names the matching rows may have */
  metricNames(): string[]
  /** the param names the matching rows may have */
  paramNames(): string[]
  /** the field for every selected row, in selection order, read in one pass */
  values(field: string): unknown[]
  row(k: number): RecordSummary
}

const STALE_STAGING_MS = 24 * 3600 * 1000

export function newRecordId(date = new Date()): string {
  const ts = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d{3})Z$/, '$1Z')
  return `${ts}-${randomBytes(4).toString('hex')}`
}

export function validateRecord(r: unknown): r is ExperimentRecord {
  const x = r as ExperimentRecord
  return Boolean(
    x && x.format === 1 && typeof x.id === 'string' && x.benchmark?.alias && typeof x.status === 'string' && x.metrics && typeof x.metrics === 'object',
  )
}

export class Store {
  readonly root: string
  /** Whether its records carry a hub's own fields (pushedBy, who pushed each): a hub's do, a local store's not. */
  readonly hubFields: boolean = false
  constructor(root: string) {
    this.root = root
  }

  get recordsDir() {
    return path.join(this.root, 'records')
  }
  get stagingDir() {
    return path.join(this.root, 'staging')
  }
  get indexFile() {
    return path.join(this.root, 'index.jsonl')
  }

  recordDir(id: string): string {
    // id starts with yyyymmdd
    return path.join(this.recordsDir, id.slice(0, 4), id.slice(4, 6), id)
  }

  async begin(id: string = newRecordId()): Promise<RecordWriter> {
    const dir = path.join(this.stagingDir, `${id}.${process.pid}`)
    mkdirSync(dir, { recursive: true })
    return {
      id,
      dir,
      commit: async (record: ExperimentRecord) => {
        if (!validateRecord(record)) throw new CmcError('RECORD_INVALID', `record ${id} is incomplete`)
        replaceFile(path.join(dir, 'record.json'), JSON.stringify(record, null, 2) + '\n', { durable: true })
        const dest = this.recordDir(id)
        mkdirSync(path.dirname(dest), { recursive: true })
        renameSync(dir, dest)
        this.appendIndexLine(JSON.stringify(summaryOf(record)))
        return dest
      },
      discard: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }

  /**
   * One write() with O_APPEND: lines from concurrent writers never interleave.
   * A line starts on a fresh one: after a torn last line (a writer killed, a
   * full disk) it would be glued to the fragment and lost to every query.
   * Two writers that both see the fragment leave an empty line, which readers skip.
   */
  appendIndexLine(line: string): void {
    appendFileSync(this.indexFile, (endsTorn(this.indexFile) ? '\n' : '') + line + '\n')
  }

  get snapshotFile() {
    return path.join(this.root, 'index.snapshot')
  }

  private cached?: { key: string; table: SummaryTable; tail: RecordSummary[]; bad: number; close?: () => void }

  /**
   * The index: the columnar snapshot of its first lines when one is valid, plus
   * the lines after it (a torn last line from a killed writer is never put in
   * the snapshot). Rewrites the snapshot when many lines follow it (indexTable.ts).
   */
  private index(events?: EventSink): { table: SummaryTable; tail: RecordSummary[] } {
    let fd: number
    try {
      fd = openSync(this.indexFile, 'r')
    } catch {
      return { table: SummaryTable.from([]), tail: [] }
    }
    try {
      const st = fstatSync(fd)
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`
      if (this.cached?.key === key) return this.cached
      this.cached?.close?.() // the snapshot file of an older index
      this.cached = undefined
      const snap = readSnapshot(this.snapshotFile, fd)
      const from = snap?.cover.covered ?? 0
      const bytes = Buffer.alloc(st.size - from)
      readSync(fd, bytes, 0, bytes.length, from)
      // the snapshot only ever covers whole lines; a torn last one is read (and
      // reported) every time until a writer completes or reindex drops it
      const complete = bytes.lastIndexOf(0x0a) + 1
      const parsed = parseLines(bytes.toString('utf8', 0, complete))
      const torn = parseLines(bytes.toString('utf8', complete))
      let table = snap?.table ?? SummaryTable.from([])
      let tail = parsed.rows
      let bad = (snap?.cover.bad ?? 0) + parsed.bad
      if (tail.length >= SNAPSHOT_EVERY) {
        try {
          table = snap ? snap.table.appended(tail) : SummaryTable.from(tail)
        } finally {
          snap?.close()
        }
        tail = []
        const covered = from + complete
        try {
          writeSnapshot(this.snapshotFile, table, { ino: st.ino, covered, edge: edgeHash(fd, covered), bad })
        } catch {
          // a read-only store still answers, from the lines
        }
      }
      tail = [...tail, ...torn.rows]
      bad += torn.bad
      if (bad) events?.({ type: 'log', level: 'warn', message: `${bad} damaged index line(s) skipped; \`cmc exp reindex\` rebuilds the index` })
      this.cached = { key, table, tail, bad, close: table === snap?.table ? snap.close : undefined }
      return this.cached
    } finally {
      closeSync(fd)
    }
  }

  /** Every index summary, in index (append) order. */
  summaries(events?: EventSink): RecordSummary[] {
    const { table, tail } = this.index(events)
    return [...table.rows(), ...tail]
  }

  /**
   * The rows a parsed query matches (all without one), in index order, as a
   * selection: field values can be read (to sort) before any row becomes an object.
   */
  select(query: QueryNode | undefined, events?: EventSink): Selection {
    const { table, tail } = this.index(events)
    const mask = query ? evaluateTable(query, table) : undefined
    const pos: number[] = []
    for (let i = 0; i < table.size; i++) if (!mask || mask[i]) pos.push(i)
    const rest = query ? tail.filter((s) => evaluate(query, s)) : tail
    return {
      length: pos.length + rest.length,
      metricNames: () => [...new Set([...table.metricNames(), ...rest.flatMap((r) => Object.keys(r.metrics))])],
      paramNames: () => [...new Set([...table.paramNames(), ...rest.flatMap((r) => Object.keys(r.params))])],
      values: (field) => [...table.values(pos, field), ...rest.map((s) => fieldValue(s, field))],
      row: (k) => (k < pos.length ? table.row(pos[k]!) : rest[k - pos.length]!),
    }
  }

  /** A full record from its file; corrupted files give a clear error. */
  get(id: string): ExperimentRecord {
    const file = path.join(this.recordDir(id), 'record.json')
    if (!existsSync(file)) {
      throw new CmcError('RECORD_NOT_FOUND', `no record ${id} in ${this.root}`, { hint: 'list records with `cmc exp list`' })
    }
    let r: unknown
    try {
      r = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      throw new CmcError('RECORD_CORRUPT', `${file} is corrupted: ${(e as Error).message}`, {
        where: { file },
        hint: 'restore it from a copy or delete its folder, then `cmc exp reindex`',
      })
    }
    if (!validateRecord(r)) throw new CmcError('RECORD_CORRUPT', `${file} is not a complete record`, { where: { file } })
    return r
  }

  /** Every record folder id (walks the files, not the index). */
  recordIds(): string[] {
    const ids: string[] = []
    if (!existsSync(this.recordsDir)) return ids
    for (const y of readdirSync(this.recordsDir).sort()) {
      for (const m of readdirSync(path.join(this.recordsDir, y)).sort()) {
        for (const id of readdirSync(path.join(this.recordsDir, y, m)).sort()) ids.push(id)
      }
    }
    return ids
  }

  /** Rebuild the index from the record files; corrupted records are reported and skipped. */
  reindex(events?: EventSink): { indexed: number; skipped: Array<{ id: string; reason: string }>; staleStaging: number } {
    const skipped: Array<{ id: string; reason: string }> = []
    const lines: string[] = []
    for (const id of this.recordIds()) {
      try {
        lines.push(JSON.stringify(summaryOf(this.get(id))))
      } catch (e) {
        skipped.push({ id, reason: (e as Error).message })
        events?.({ type: 'log', level: 'warn', message: `skipped ${id}: ${(e as Error).message}` })
      }
    }
    makeFolders(this.root)
    replaceFile(this.indexFile, lines.map((l) => l + '\n').join(''), { durable: true })
    // read it once here (a new file: the cached one is closed), which writes its
    // snapshot: the first query after a reindex is then as fast as any other
    this.index(events)
    return { indexed: lines.length, skipped, staleStaging: this.cleanStaging(0) }
  }

  /** Remove staging folders left by killed writers (older than maxAgeMs). */
  cleanStaging(maxAgeMs = STALE_STAGING_MS): number {
    if (!existsSync(this.stagingDir)) return 0
    let n = 0
    for (const d of readdirSync(this.stagingDir)) {
      const p = path.join(this.stagingDir, d)
      const pid = Number(d.split('.').pop())
      // EPERM: the process exists but belongs to another user, so it is alive.
      const alive = Number.isInteger(pid) && pid !== process.pid && processAlive(pid)
      if (!alive && Date.now() - statSync(p).mtimeMs >= maxAgeMs) {
        rmSync(p, { recursive: true, force: true })
        n++
      }
    }
    return n
  }
}

/** Whether the file's last byte is not a newline (a torn line), without reading more than that byte. */
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

export async function openStore(opts: { path?: string; cwd?: string } = {}): Promise<Store> {
  const root = findStoreRoot(opts)
  try {
    makeFolders(path.join(root, 'records'))
  } catch (err) {
    throw storeUnusable(root, err)
  }
  return new Store(root)
}
