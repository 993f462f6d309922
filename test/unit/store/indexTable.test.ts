// The columnar index (src/store/indexTable.ts): the same answers as evaluating
// each summary, rows that come back as they went in, and a snapshot file that is
// used only while it still describes index.jsonl.
import { createHash } from 'node:crypto'
import { appendFileSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SummaryTable } from '../../../src/store/indexTable.js'
import { evaluate, evaluateTable, fieldValue } from '../../../src/store/query/evaluate.js'
import { parseQuery } from '../../../src/store/query/parseQuery.js'
import { querySummaries } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
import type { RecordSummary } from '../../../src/store/summary.js'
import { tmpDir } from '../../helpers/tmp.js'
import { cmcErrorOf } from '../../helpers/errors.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

let seed = 7
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!

function rows(n: number): RecordSummary[] {
  return Array.from({ length: n }, (_, i) => {
    const t = new Date(Date.UTC(2026, 10, 20) + i * 3_600_000 * 7)
    const metrics: Record<string, number> = { throughput: Math.round(rnd() * 1000) / 10 }
    if (i % 3) metrics.latency_ms = Math.round(rnd() * 100) / 10
    if (i % 11 === 0) metrics.gbs = i
    const params: Record<string, string | number | boolean> = { batch: pick([1, 8, 32]) }
    if (i % 4 === 0) params.dtype = pick(['fp16', 'fp32', '10'])
    if (i % 5 === 0) params.fast = pick([true, false])
    // many distinct strings with holes: a text column in which some rows have no value
    if (i % 3) params.name = `run-${i}`
    return {
      id: `${t
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.(\d{3})Z$/, '$1Z')}-${i.toString(16).padStart(8, '0')}`,
      createdAt: t.toISOString(),
      benchmark: pick(['stream', 'matmul', 'resnet']),
      image: pick(['c-omp', 'python-numpy']),
      digest: pick(['sha256:aa', 'sha256:bb']),
      platform: pick(['x86_64', 'arm64', 'cuda']),
      status: pick(['ok', 'ok', 'ok', 'failed', 'timeout']),
      host: pick(['lab-1', 'lab-2']),
      params,
      metrics,
      tags: pick([[], ['nightly'], ['nightly', 'gpu'], ['quickstart']]),
    }
  })
}

const QUERIES = [
  'metrics.throughput > 50',
  'metrics.throughput >= 50.5 and not status = failed',
  'metrics.latency_ms < 3 or metrics.gbs = 22',
  'metrics.throughput != 10',
  'metrics.throughput ~ 5',
  'metrics.nope > 1',
  'not metrics.nope > 1',
  'platform = arm64 or (params.batch >= 8 and benchmark != stream)',
  'params.dtype = 10',
  'params.dtype = fp16',
  "params.fast = 'true'",
  'params.batch > 4 and params.batch < 32',
  'tags = nightly',
  'tags != gpu',
  'tags ~ quick',
  'date = 2026-11-24',
  'date <= 2026-11-25 and date > 2026-11-21',
  'date >= 2026-12-01T00:00:00.000Z',
  'id ~ 0000001',
  'image ~ NUMPY',
  'host = lab-2 and digest = sha256:bb',
  'status = ok and not (platform = cuda or tags = gpu)',
  'createdAt < 2026-11-22',
]

describe('SummaryTable', () => {
  for (const n of [40, 2500]) {
    it(`answers every query as per-summary evaluation does (${n} rows${n > 1000 ? ', text columns' : ''})`, () => {
      const data = rows(n)
      const table = SummaryTable.from(data)
      if (n > 1000) expect(new Map(table.columns()).get('id')?.kind).toBe('text')
      for (const q of QUERIES) {
        const tree = parseQuery(q)
        const want = data.map((s) => (evaluate(tree, s) ? 1 : 0))
        expect([...evaluateTable(tree, table)], q).toEqual(want)
      }
      // and the queries are not trivial: some match some rows, none match all
      expect(QUERIES.filter((q) => data.some((s) => evaluate(parseQuery(q), s))).length).toBeGreaterThan(QUERIES.length / 2)
    })
  }

  it('refuses a sort by a field records do not have, or in no known direction', () => {
    const d = tmpDir('cmc-idx-')
    dirs.push(d)
    const store = new Store(d)
    writeFileSync(
      store.indexFile,
      rows(30)
        .map((s) => JSON.stringify(s) + '\n')
        .join(''),
    )
    for (const sort of ['-date', 'nosuch', 'date:down', 'metrics', 'date:desc:x']) {
      expect(() => querySummaries(store, undefined, { sort }), sort).toThrow(/SORT_INVALID|expected FIELD/)
    }
    // a field that is not one is said to be unknown, with the nearest, not a syntax error
    expect(cmcErrorOf(() => querySummaries(store, undefined, { sort: 'submiter' })).message).toBe(
      '--sort submiter: expected FIELD or FIELD:desc, and records have no field submiter; did you mean submitter?',
    )
    // the hint names every field a sort takes, those of published results too, each of which sorts
    const hint = cmcErrorOf(() => querySummaries(store, undefined, { sort: 'nosuch' })).hint!
    for (const field of ['date', 'benchmark', 'scenario', 'round', 'system', 'accelerators']) {
      expect(hint).toContain(field)
      expect(() => querySummaries(store, undefined, { sort: `${field}:desc` })).not.toThrow()
    }
    expect(querySummaries(store, undefined, { sort: 'date:desc', limit: 1 })[0]!.createdAt).toBe(
      rows(30)
        .map((s) => s.createdAt)
        .sort()
        .at(-1),
    )
    expect(querySummaries(store, undefined, { sort: 'params.batch:asc' })).toHaveLength(30)
  })

  it('appends rows column by column as a table of all the rows would hold them', () => {
    const data = rows(3000)
    // a column only the new rows have, and one that stops being numbers
    data[2990]!.params.late = 'yes'
    data[2995]!.metrics = { ...data[2995]!.metrics, gbs: 'n/a' as unknown as number }
    // "" is a value (packed text could not tell it from none)
    data[10]!.params.name = ''
    data[2700]!.params.name = ''
    // 800 rows first: ids a dictionary of 800 codes (16-bit) that grows into text
    for (const [k, extra] of [
      [1200, 0],
      [2500, 0],
      [3000, 0],
      [0, 0],
      [1500, 1],
      [800, 0],
      [2600, 0],
    ] as const) {
      let t = SummaryTable.from(data.slice(0, k))
      if (extra) t = t.appended(data.slice(k, 2000))
      const all = t.appended(data.slice(extra ? 2000 : k))
      expect(all.size).toBe(data.length)
      expect(all.rows()).toEqual(data)
      expect(SummaryTable.from(data).rows()).toEqual(data)
      for (const q of QUERIES) expect(Array.from(evaluateTable(parseQuery(q), all)), q).toEqual(data.map((s) => (evaluate(parseQuery(q), s) ? 1 : 0)))
    }
  })

  it('gives the rows back as they went in', () => {
    const data = rows(1500)
    expect(SummaryTable.from(data).rows()).toEqual(data)
  })
})

describe('index snapshot', () => {
  function storeWith(data: RecordSummary[]): Store {
    const d = tmpDir('cmc-idx-')
    dirs.push(d)
    const store = new Store(d)
    writeFileSync(store.indexFile, data.map((s) => JSON.stringify(s) + '\n').join(''))
    return store
  }
  const ids = (xs: RecordSummary[]) => xs.map((s) => s.id)

  it('is written once enough lines exist, then read with the lines after it', () => {
    const data = rows(2600)
    const store = storeWith(data.slice(0, 2000))
    const q = 'metrics.throughput > 40 and platform != cuda'
    const want = (xs: RecordSummary[]) => ids(xs.filter((s) => evaluate(parseQuery(q), s)))
    expect(ids(querySummaries(store, q))).toEqual(want(data.slice(0, 2000)))
    const snap = statSync(path.join(store.root, 'index.snapshot'))
    appendFileSync(
      store.indexFile,
      data
        .slice(2000)
        .map((s) => JSON.stringify(s) + '\n')
        .join(''),
    )
    // a new process (a new Store) reads the snapshot plus 600 lines of tail
    const again = new Store(store.root)
    expect(ids(querySummaries(again, q))).toEqual(want(data))
    expect(statSync(path.join(store.root, 'index.snapshot')).mtimeMs).toBe(snap.mtimeMs)
    expect(again.summaries()).toEqual(data)
    expect(querySummaries(again, undefined, { sort: 'metrics.throughput:desc', limit: 5 }).map((s) => s.metrics.throughput)).toEqual(
      data
        .map((s) => s.metrics.throughput)
        .sort((a, b) => b - a)
        .slice(0, 5),
    )
  })

  it('reads a field of many selected rows in one pass as row-by-row reads give it', () => {
    const data = rows(2600)
    const store = storeWith(data.slice(0, 2400))
    store.select(undefined) // writes the snapshot
    appendFileSync(
      store.indexFile,
      data
        .slice(2400)
        .map((s) => JSON.stringify(s) + '\n')
        .join(''),
    )
    const fields = [
      'id',
      'createdAt',
      'metrics.throughput',
      'metrics.gbs',
      'metrics.latency_ms',
      'params.dtype',
      'params.fast',
      'params.name',
      'tags',
      'platform',
      'date',
      'nope',
    ]
    // sparse (every 11th row), very sparse (gaps over a read window), dense (a prefix), scattered, all rows, none
    for (const q of ['metrics.gbs > 0', 'metrics.gbs ~ 00', 'createdAt < 2026-12-30', 'platform = arm64 and status = ok', undefined, 'metrics.nope > 1']) {
      const want = data.filter((s) => !q || evaluate(parseQuery(q), s))
      for (const f of fields) {
        // a fresh reader each time: nothing loaded whole before values() is asked
        const sel = new Store(store.root).select(q ? parseQuery(q) : undefined)
        expect(sel.length).toBe(want.length)
        expect(sel.values(f), `${q} ${f}`).toEqual(want.map((s) => fieldValue(s, f)))
      }
      // and one row at a time, whole rows included
      const sel = new Store(store.root).select(q ? parseQuery(q) : undefined)
      expect(Array.from({ length: sel.length }, (_, k) => sel.row(k).params.name)).toEqual(want.map((s) => s.params.name))
      expect(Array.from({ length: Math.min(sel.length, 300) }, (_, k) => sel.row(k))).toEqual(want.slice(0, 300))
    }
  })

  it('is rewritten from its own columns and the lines after it once enough follow', () => {
    const data = rows(3600)
    const store = storeWith(data.slice(0, 2400))
    store.select(undefined)
    appendFileSync(
      store.indexFile,
      data
        .slice(2400)
        .map((s) => JSON.stringify(s) + '\n')
        .join(''),
    )
    const before = statSync(path.join(store.root, 'index.snapshot')).size
    expect(new Store(store.root).summaries()).toEqual(data) // this reader rewrites it
    expect(statSync(path.join(store.root, 'index.snapshot')).size).toBeGreaterThan(before)
    // the next reader finds every line in the snapshot and answers the same
    const again = new Store(store.root)
    expect(again.summaries()).toEqual(data)
    const q = 'params.name ~ run-35 and metrics.throughput > 20'
    expect(ids(querySummaries(again, q))).toEqual(ids(data.filter((s) => evaluate(parseQuery(q), s))))
  })

  it('is laid out as docs/snapshot-format.md describes it', () => {
    const data = rows(2600)
    const store = storeWith(data)
    store.select(undefined) // writes the snapshot
    const file = readFileSync(path.join(store.root, 'index.snapshot'))
    expect(file.subarray(0, 8).toString()).toBe('CMCIDX3\n')
    const headerLength = file.readUInt32LE(8)
    const header = JSON.parse(file.subarray(12, 12 + headerLength).toString()) as {
      size: number
      cover: { ino: number; covered: number; edge: string; bad: number }
      columns: Array<{ name: string; kind: string; values?: unknown[]; width?: number; bytes?: number }>
    }
    const index = readFileSync(store.indexFile)
    expect(header.size).toBe(data.length)
    expect(header.cover).toEqual({
      ino: statSync(store.indexFile).ino,
      covered: index.length,
      bad: 0,
      edge: createHash('sha256')
        .update(index.subarray(index.length - 256))
        .digest('hex'),
    })
    // a decoder written from the document alone: each body from an 8-byte boundary, little-endian
    let offset = 12 + headerLength
    const body = (length: number) => {
      const pad = (8 - (offset % 8)) % 8
      expect(file.subarray(offset, offset + pad).every((b) => b === 0)).toBe(true)
      offset += pad
      const at = offset
      offset += length
      return at
    }
    const cells = new Map<string, unknown[]>()
    for (const c of header.columns) {
      const n = header.size
      if (c.kind === 'num') {
        const at = body(8 * n)
        cells.set(
          c.name,
          Array.from({ length: n }, (_, i) => file.readDoubleLE(at + 8 * i)).map((x) => (Number.isNaN(x) ? undefined : x)),
        )
      } else if (c.kind === 'dict') {
        const w = c.width!
        expect([1, 2, 4]).toContain(w)
        const at = body(w * n)
        const code = (i: number) => (w === 1 ? file[at + i]! : w === 2 ? file.readUInt16LE(at + 2 * i) : file.readUInt32LE(at + 4 * i))
        cells.set(
          c.name,
          Array.from({ length: n }, (_, i) => (code(i) ? c.values![code(i) - 1] : undefined)),
        )
      } else {
        expect(c.kind).toBe('text')
        const w = c.width
        const endsAt = w ? -1 : body(4 * n)
        const blobAt = body(c.bytes!)
        const end = (i: number) => (i < 0 ? 0 : w ? w * (i + 1) : file.readUInt32LE(endsAt + 4 * i))
        if (w) expect(c.bytes).toBe(w * n)
        cells.set(
          c.name,
          Array.from({ length: n }, (_, i) => (end(i) > end(i - 1) ? file.toString('utf8', blobAt + end(i - 1), blobAt + end(i)) : undefined)),
        )
      }
    }
    expect(offset).toBeLessThanOrEqual(file.length)
    // every kind is in this file: fixed-width text (ids, dates), text with ends (names with holes), numbers, dictionaries
    const kinds = new Map(header.columns.map((c) => [c.name, `${c.kind}${c.width && c.kind === 'text' ? ':fixed' : ''}`]))
    expect([kinds.get('id'), kinds.get('createdAt'), kinds.get('params.name'), kinds.get('metrics.gbs'), kinds.get('platform')]).toEqual([
      'text:fixed',
      'text:fixed',
      'text',
      'num',
      'dict',
    ])
    for (const [name, values] of cells) {
      const want = data.map((s) =>
        name.startsWith('params.')
          ? s.params[name.slice(7)]
          : name.startsWith('metrics.')
            ? s.metrics[name.slice(8)]
            : (s as unknown as Record<string, unknown>)[name],
      )
      expect(values, name).toEqual(want)
    }
    expect([...cells.keys()].sort()).toEqual(
      [
        ...new Set(
          data.flatMap((s) => [
            ...Object.keys(s).filter((k) => !['params', 'metrics'].includes(k)),
            ...Object.keys(s.params).map((k) => `params.${k}`),
            ...Object.keys(s.metrics).map((k) => `metrics.${k}`),
          ]),
        ),
      ].sort(),
    )
  })

  it('is ignored once the index file is replaced or rewritten in place, or when damaged', () => {
    const first = rows(1200)
    const store = storeWith(first)
    expect(store.summaries()).toEqual(first)
    const snapFile = path.join(store.root, 'index.snapshot')
    expect(statSync(snapFile).size).toBeGreaterThan(0)
    // reindex writes a new file and renames it over the index (a new inode)
    const second = rows(1300).slice(100)
    writeFileSync(store.indexFile + '.new', second.map((s) => JSON.stringify(s) + '\n').join(''))
    renameSync(store.indexFile + '.new', store.indexFile)
    expect(new Store(store.root).summaries()).toEqual(second)
    // the same inode, rewritten with other lines of at least the covered length
    const third = rows(1300).reverse()
    writeFileSync(store.indexFile, third.map((s) => JSON.stringify(s) + '\n').join(''))
    expect(new Store(store.root).summaries()).toEqual(third)
    // a damaged snapshot: the lines still answer
    writeFileSync(snapFile, readFileSync(snapFile).subarray(0, 500))
    expect(new Store(store.root).summaries()).toEqual(third)
    writeFileSync(snapFile, 'not a snapshot')
    expect(ids(querySummaries(new Store(store.root), 'platform = arm64'))).toEqual(ids(third.filter((s) => s.platform === 'arm64')))
  })
})
