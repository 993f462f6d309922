// The embedded experiment store: records published through begin()/commit(),
// the index and its summaries, damaged files reported and skipped, reindex,
// cleanStaging, and the two promises of the layout: concurrent writers in
// separate processes never lose or interleave records, and a writer killed
// with SIGKILL never leaves a half record behind.
//
// The writer processes import the compiled store (dist/store/store.js); it is
// rebuilt with tsc first when it is missing or older than its sources.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { collector } from '../../../src/events.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { compareGroups } from '../../../src/store/compare.js'
import { exportRecords, importRecords } from '../../../src/store/exportImport.js'
import { findRecord, selectComparable, selectRecords } from '../../../src/store/select.js'
import { newRecordId, openStore, Store, validateRecord } from '../../../src/store/store.js'
import { summaryOf } from '../../../src/store/summary.js'
import { recordOf } from '../../helpers/records.js'
import { listTree, repoRoot, tmpDir } from '../../helpers/tmp.js'
import { cmcErrorOf as err } from '../../helpers/errors.js'

const dirs: string[] = []
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function newStore(): Store {
  const d = tmpDir('cmc-store-')
  dirs.push(d)
  return new Store(path.join(d, 'store'))
}

function record(id: string, over: Partial<ExperimentRecord> = {}): ExperimentRecord {
  return recordOf(
    { throughput: [100] },
    {
      id,
      createdAt: '2026-11-24T10:15:00.123Z',
      benchmark: { alias: 'matmul', uid: 'u-matmul' },
      image: { alias: 'python-numpy', uid: 'u-img', planHash: 'ph', ref: 'cmc/python-numpy:ph', digest: 'sha256:aaaa', id: 'sha256:bbbb' },
      params: { batch: 8 },
      command: 'python bench.py',
      env: { A: '1' },
      timings: { buildMs: 0, startedAt: '2026-11-24T10:15:00.123Z', endedAt: '2026-11-24T10:15:01.123Z', totalMs: 1000, runMs: [10] },
      tags: ['t'],
      ...over,
    },
  )
}

async function put(store: Store, over: Partial<ExperimentRecord> = {}, id?: string): Promise<ExperimentRecord> {
  const w = await store.begin(id)
  writeFileSync(path.join(w.dir, 'stdout.log'), `out of ${w.id}\n`)
  const r = record(w.id, over)
  await w.commit(r)
  return r
}

const walk = listTree

const indexLines = (s: Store) =>
  existsSync(s.indexFile)
    ? readFileSync(s.indexFile, 'utf8')
        .split('\n')
        .filter((l) => l.length)
    : []

describe('Store: writing and reading records', () => {
  it('makes sortable ids of the documented shape', () => {
    const id = newRecordId(new Date('2026-11-24T10:15:00.123Z'))
    expect(id).toMatch(/^20261124T101500123Z-[0-9a-f]{8}$/)
    expect(newRecordId(new Date('2026-11-24T10:15:00.123Z'))).not.toBe(id)
    expect(newRecordId(new Date('2026-11-24T10:15:00.124Z')) > id).toBe(true)
  })

  it('publishes a staged record with its files into records/yyyy/mm/id and indexes it', async () => {
    const store = newStore()
    const w = await store.begin('20261124T101500123Z-00000001')
    expect(w.dir.startsWith(store.stagingDir + path.sep)).toBe(true)
    writeFileSync(path.join(w.dir, 'stdout.log'), 'hello\n')
    mkdirSync(path.join(w.dir, 'outputs'))
    writeFileSync(path.join(w.dir, 'outputs', 'result.json'), '{"x":1}')
    const r = record(w.id)
    const dest = await w.commit(r)
    expect(dest).toBe(path.join(store.root, 'records', '2026', '11', '20261124T101500123Z-00000001'))
    expect(walk(dest)).toEqual(['outputs/', 'outputs/result.json', 'record.json', 'stdout.log'])
    expect(readFileSync(path.join(dest, 'stdout.log'), 'utf8')).toBe('hello\n')
    expect(existsSync(w.dir)).toBe(false)
    expect(readdirSync(store.stagingDir)).toEqual([])
    expect(store.get(w.id)).toEqual(r)
    expect(store.recordIds()).toEqual([w.id])
    expect(indexLines(store)).toEqual([JSON.stringify(summaryOf(r))])
  })

  it('returns summaries in index order with medians per metric', async () => {
    const store = newStore()
    expect(store.summaries()).toEqual([])
    const a = await put(store, { params: { batch: 1 } })
    const b = await put(store, {
      status: 'failed',
      tags: ['x', 'y'],
      metrics: { lat_ms: { n: 3, median: 4.5, mean: 5, min: 4, max: 6.5, stdev: 1, ci95: [4, 6.5] } },
    })
    const s = store.summaries()
    expect(s.map((x) => x.id)).toEqual([a.id, b.id])
    expect(s[0]).toEqual({
      id: a.id,
      createdAt: '2026-11-24T10:15:00.123Z',
      benchmark: 'matmul',
      image: 'python-numpy',
      digest: 'sha256:aaaa',
      platform: 'x86_64',
      status: 'ok',
      host: 'lab-1',
      limits: 'none',
      params: { batch: 1 },
      metrics: { throughput: 100 },
      tags: ['t'],
    })
    expect(s[1]).toMatchObject({ status: 'failed', tags: ['x', 'y'], metrics: { lat_ms: 4.5 } })
  })

  it('refuses to commit an incomplete record and keeps the staging until discard', async () => {
    const store = newStore()
    const w = await store.begin()
    const bad = { ...record(w.id), benchmark: { alias: '', uid: '' } }
    const e = await w.commit(bad).then(
      () => undefined,
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(CmcError)
    expect((e as CmcError).code).toBe('RECORD_INVALID')
    expect(existsSync(w.dir)).toBe(true)
    expect(store.recordIds()).toEqual([])
    expect(existsSync(store.indexFile)).toBe(false)
    await w.discard()
    expect(existsSync(w.dir)).toBe(false)
  })

  it('validates records: format 1, id, benchmark alias, status, metrics', () => {
    expect(validateRecord(record('x'))).toBe(true)
    expect(validateRecord({ ...record('x'), format: 2 })).toBe(false)
    expect(validateRecord({ ...record('x'), id: 3 })).toBe(false)
    expect(validateRecord({ ...record('x'), metrics: undefined })).toBe(false)
    expect(validateRecord({ ...record('x'), status: undefined })).toBe(false)
    expect(validateRecord(null)).toBe(false)
  })

  it('reports a missing record clearly', () => {
    const store = newStore()
    const e = err(() => store.get('20261124T101500123Z-deadbeef'))
    expect(e.code).toBe('RECORD_NOT_FOUND')
    expect(e.message).toContain(store.root)
  })

  it('picking a record: a word or an id prefix that matches nothing is "not found", two matches "ambiguous"', async () => {
    const store = newStore()
    for (const id of ['20261124T101500123Z-00000001', '20261124T101500123Z-00000002']) await (await store.begin(id)).commit(record(id))
    expect(selectRecords(store, '20261124T101500123Z-00000002').map((r) => r.id)).toEqual(['20261124T101500123Z-00000002'])
    expect(findRecord(store, '20261124T101500123Z-00000001').id).toBe('20261124T101500123Z-00000001')
    const none = err(() => selectRecords(store, '20261124T9'))
    expect([none.code, none.message, none.hint]).toEqual(['RECORD_NOT_FOUND', 'no record id starts with 20261124T9', 'list the ids with `cmc exp list`'])
    const two = err(() => findRecord(store, '20261124'))
    expect([two.code, two.message]).toEqual(['RECORD_AMBIGUOUS', '20261124 matches 2 records'])
    const word = err(() => findRecord(store, 'nosuch'))
    expect([word.code, word.message, word.exitCode]).toEqual(['RECORD_NOT_FOUND', 'no record nosuch', 2])
    expect(findRecord(store, 'status = ok').id).toBe('20261124T101500123Z-00000001') // a query's first match
    // where a query is expected (report --where, exp list), a word is still read as one
    expect(err(() => selectRecords(store, 'nightly')).code).toBe('QUERY_SYNTAX')
  })

  it('opens the store given by path, or the nearest .cmc/store', async () => {
    const d = tmpDir('cmc-loc-')
    dirs.push(d)
    const s1 = await openStore({ path: path.join(d, 'explicit') })
    expect(s1.root).toBe(path.join(d, 'explicit'))
    expect(statSync(path.join(d, 'explicit', 'records')).isDirectory()).toBe(true)
    const prev = process.env.CMC_STORE
    delete process.env.CMC_STORE
    try {
      mkdirSync(path.join(d, 'proj', '.cmc'), { recursive: true })
      mkdirSync(path.join(d, 'proj', 'a', 'b'), { recursive: true })
      const s2 = await openStore({ cwd: path.join(d, 'proj', 'a', 'b') })
      expect(s2.root).toBe(path.join(d, 'proj', '.cmc', 'store'))
    } finally {
      if (prev !== undefined) process.env.CMC_STORE = prev
    }
  })
})

describe('selectComparable: the sides of a compare', () => {
  const metric = (v: number, unit = 'img/s') => ({
    n: 3,
    median: v,
    mean: v,
    min: v,
    max: v,
    stdev: 0,
    ci95: [v, v] as [number, number],
    unit,
    higherIsBetter: true,
  })
  it('a query side uses the index medians of its successful runs, units from a record; the verdict equals the full-record one', async () => {
    const store = newStore()
    for (const v of [100, 102, 98, 101]) await put(store, { platform: 'x86_64', metrics: { throughput: metric(v) } })
    for (const v of [150, 149, 152, 151]) await put(store, { platform: 'arm64', metrics: { throughput: metric(v) } })
    await put(store, { platform: 'arm64', status: 'failed', metrics: { throughput: metric(1) } })
    const warnings: string[] = []
    const A = selectComparable(store, 'platform = x86_64')
    const B = selectComparable(store, 'platform = arm64', (e) => {
      if (e.type === 'log') warnings.push(e.message)
    })
    expect(A).toHaveLength(4)
    expect(B).toHaveLength(4) // the failed run is left out, and said so
    expect(warnings).toEqual(['1 run(s) matching "platform = arm64" did not succeed and are left out'])
    expect(B[0].metrics.throughput.unit).toBe('img/s')
    const light = compareGroups(A, B)
    const full = compareGroups(selectRecords(store, 'platform = x86_64'), selectRecords(store, 'platform = arm64 and status = ok'))
    expect(light.metrics).toEqual(full.metrics)
    expect(light.metrics[0].verdict).toBe('improved')
    expect(light.metrics[0].unit).toBe('img/s')
  })

  it('an id side is the full record, so its repeats are the samples', async () => {
    const store = newStore()
    const r = await put(store, { repeats: [1, 2, 3].map((v, i) => ({ index: i, metrics: { throughput: v }, exitCode: 0, durationMs: 1 })) })
    const [one] = selectComparable(store, r.id)
    expect(one.repeats.map((x) => x.metrics.throughput)).toEqual([1, 2, 3])
  })
})

describe('Store: damaged files are reported and skipped', () => {
  it('skips a record.json of garbage in get, select and reindex, and says which', async () => {
    const store = newStore()
    const a = await put(store)
    const b = await put(store)
    const c = await put(store)
    const file = path.join(store.recordDir(b.id), 'record.json')
    writeFileSync(file, '{ "format": 1, "id": garb')

    const e = err(() => store.get(b.id))
    expect(e.code).toBe('RECORD_CORRUPT')
    expect(e.category).toBe('store')
    expect(e.where?.file).toBe(file)
    expect(e.message).toContain('is corrupted')

    // a query still lists b from the index, but selecting full records skips it with a warning
    const { events, sink } = collector()
    expect(selectRecords(store, 'status = ok', sink).map((r) => r.id)).toEqual([a.id, c.id])
    expect(events).toEqual([{ type: 'log', level: 'warn', message: expect.stringMatching(new RegExp(`^skipped ${b.id}: .*corrupted`)) }])

    const rx = collector()
    const res = store.reindex(rx.sink)
    expect(res.indexed).toBe(2)
    expect(res.skipped).toHaveLength(1)
    expect(res.skipped[0].id).toBe(b.id)
    expect(res.skipped[0].reason).toContain('is corrupted')
    expect(rx.events.filter((x) => x.type === 'log' && x.level === 'warn')).toHaveLength(1)
    expect(store.summaries().map((s) => s.id)).toEqual([a.id, c.id])
    // the damaged folder is left for the user to inspect
    expect(store.recordIds()).toEqual([a.id, b.id, c.id].sort())
  })

  it('a bundle with a damaged record imports the others and names the damaged one, not as already there', async () => {
    const store = newStore()
    const a = await put(store)
    const b = await put(store)
    writeFileSync(path.join(store.recordDir(b.id), 'record.json'), '{ "format": 1, "id": garb')
    const bundle = path.join(path.dirname(store.root), 'two.tar.gz')
    await exportRecords(store, [a.id, b.id], bundle, 'tar.gz')
    const into = newStore()
    mkdirSync(into.root, { recursive: true })
    expect(await importRecords(into, bundle)).toEqual({ added: 1, filled: 0, skipped: 0, invalid: [path.relative(store.recordsDir, store.recordDir(b.id))] })
    expect(into.summaries().map((s) => s.id)).toEqual([a.id])
    expect(existsSync(into.recordDir(b.id))).toBe(false)
  })

  it('reindex leaves a snapshot of the new index, so the next query reads no lines', async () => {
    const store = newStore()
    for (let i = 0; i < 1000; i++) await put(store)
    rmSync(store.indexFile)
    expect(store.reindex().indexed).toBe(1000)
    const snap = path.join(store.root, 'index.snapshot')
    expect(existsSync(snap)).toBe(true)
    const before = statSync(snap).ino
    const again = new Store(store.root)
    expect(again.select(undefined).length).toBe(1000)
    expect(again.summaries()).toEqual(store.summaries())
    expect(statSync(snap).ino).toBe(before) // read, not rewritten (a rewrite renames a new file in)
  })

  it('treats valid JSON that is not a complete record as corrupted', async () => {
    const store = newStore()
    const a = await put(store)
    writeFileSync(path.join(store.recordDir(a.id), 'record.json'), '{"format":1,"id":"x"}')
    const e = err(() => store.get(a.id))
    expect(e.code).toBe('RECORD_CORRUPT')
    expect(e.message).toContain('not a complete record')
    expect(store.reindex().skipped.map((s) => s.id)).toEqual([a.id])
  })

  it('skips damaged and torn index lines with one warning', async () => {
    const store = newStore()
    const a = await put(store)
    appendFileSync(store.indexFile, 'garbage\n')
    const b = await put(store)
    appendFileSync(store.indexFile, '{"id":"20261124T101500123Z-0000') // torn last line, no newline
    const { events, sink } = collector()
    expect(store.summaries(sink).map((s) => s.id)).toEqual([a.id, b.id])
    expect(events).toEqual([{ type: 'log', level: 'warn', message: '2 damaged index line(s) skipped; `cmc exp reindex` rebuilds the index' }])
    // a clean index gives no warning
    store.reindex()
    const again = collector()
    expect(store.summaries(again.sink).map((s) => s.id)).toEqual([a.id, b.id])
    expect(again.events).toEqual([])
  })
})

describe('Store: reindex and cleanStaging', () => {
  it('rebuilds the index from the record files alone', async () => {
    const store = newStore()
    const made = [await put(store, { platform: 'arm64' }), await put(store), await put(store, { status: 'failed' })]
    const before = store.summaries()
    rmSync(store.indexFile)
    expect(store.summaries()).toEqual([])
    const res = store.reindex()
    expect(res).toEqual({ indexed: 3, skipped: [], staleStaging: 0 })
    const after = store.summaries()
    expect(after).toHaveLength(3)
    expect([...after].sort((x, y) => x.id.localeCompare(y.id))).toEqual([...before].sort((x, y) => x.id.localeCompare(y.id)))
    expect(after.map((s) => s.id)).toEqual(made.map((r) => r.id).sort())
  })

  it('drops index lines of records whose folder is gone, and duplicates', async () => {
    const store = newStore()
    const a = await put(store)
    const b = await put(store)
    appendFileSync(store.indexFile, indexLines(store)[0] + '\n') // a listed twice
    rmSync(store.recordDir(b.id), { recursive: true })
    expect(store.summaries().map((s) => s.id)).toEqual([a.id, b.id, a.id])
    store.reindex()
    expect(store.summaries().map((s) => s.id)).toEqual([a.id])
  })

  it('removes staging folders of dead writers once old enough, never those of live ones', async () => {
    const store = newStore()
    mkdirSync(store.stagingDir, { recursive: true })
    // a live process: a sleeper we start (and stop) ourselves
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    children.push(sleeper)
    // a dead process: one that has exited
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' })
    const deadPid = Number(gone.stdout.trim())
    expect(Number.isInteger(deadPid)).toBe(true)

    const live = path.join(store.stagingDir, `20261124T101500123Z-0000000a.${sleeper.pid}`)
    const deadYoung = path.join(store.stagingDir, `20261124T101500123Z-0000000b.${deadPid}`)
    const deadOld = path.join(store.stagingDir, `20261124T101500123Z-0000000c.${deadPid}`)
    for (const d of [live, deadYoung, deadOld]) {
      mkdirSync(d)
      writeFileSync(path.join(d, 'stdout.log'), 'partial')
    }
    const twoDaysAgo = (Date.now() - 48 * 3600 * 1000) / 1000
    utimesSync(live, twoDaysAgo, twoDaysAgo)
    utimesSync(deadOld, twoDaysAgo, twoDaysAgo)

    expect(store.cleanStaging()).toBe(1) // default age: 24 h
    expect(readdirSync(store.stagingDir).sort()).toEqual([path.basename(live), path.basename(deadYoung)])
    expect(store.cleanStaging(0)).toBe(1)
    expect(readdirSync(store.stagingDir)).toEqual([path.basename(live)])
    sleeper.kill('SIGKILL')
    await new Promise((r) => sleeper.once('exit', r))
    expect(store.cleanStaging(0)).toBe(1)
    expect(readdirSync(store.stagingDir)).toEqual([])
    expect(store.cleanStaging()).toBe(0)
    expect(new Store(path.join(store.root, 'nowhere')).cleanStaging()).toBe(0)
  })
})

// ------------------------------------------------------- separate processes --

const distStore = path.join(repoRoot, 'dist', 'store', 'store.js')
const closure = ['store/store', 'store/summary', 'store/location', 'errors', 'paths']
const stale = () =>
  closure.some((f) => {
    const js = path.join(repoRoot, 'dist', `${f}.js`)
    return !existsSync(js) || statSync(path.join(repoRoot, 'src', `${f}.ts`)).mtimeMs > statSync(js).mtimeMs
  })

// A writer process: waits for "go" on stdin (a start barrier), then commits
// `count` records (count < 0: forever), each with a stdout.log of `pad` bytes.
const WRITER = `
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { Store } from ${JSON.stringify(pathToFileURL(distStore).href)}
const [root, count, tag, pad] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5])]
const store = new Store(root)
const record = (id, i) => ({
  format: 1, id, createdAt: new Date().toISOString(), cmcVersion: '0.1.0',
  benchmark: { alias: 'bench', uid: 'u' },
  image: { alias: 'img', uid: 'u', planHash: 'p', ref: 'r', digest: 'sha256:d', id: 'sha256:i' },
  platform: 'x86_64', params: { writer: tag, i },
  repeats: [{ index: 0, metrics: { i }, exitCode: 0, durationMs: 1 }],
  metrics: { i: { n: 1, median: i, mean: i, min: i, max: i, stdev: 0, ci95: [i, i] } },
  status: 'ok', exitCode: 0,
  host: { hostname: 'h', os: 'linux', kernel: 'k', arch: 'x86_64', cpuModel: 'c', cores: 1, memoryBytes: 1, gpus: [], docker: { version: 'v', apiVersion: 'a', os: 'linux', arch: 'amd64', runtimes: [] } },
  command: 'c', env: {}, devices: { paths: [], groups: [] }, logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
  outputs: [], refused: [], timings: { buildMs: 0, startedAt: '', endedAt: '', totalMs: 0, runMs: [] }, tags: ['w-' + tag],
})
process.stdout.write('ready\\n')
await new Promise((r) => process.stdin.once('data', r))
const filler = 'x'.repeat(pad)
for (let i = 0; count < 0 || i < count; i++) {
  const w = await store.begin()
  writeFileSync(path.join(w.dir, 'stdout.log'), tag + ' ' + i + '\\n' + filler)
  await w.commit(record(w.id, i))
  if (count < 0) process.stdout.write('c\\n')
}
process.stdin.destroy()
`

// Stages one record, writes half its log, says "staged", then hangs until killed.
const STAGER = `
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { Store } from ${JSON.stringify(pathToFileURL(distStore).href)}
const w = await new Store(process.argv[2]).begin()
writeFileSync(path.join(w.dir, 'stdout.log'), 'half a log')
process.stdout.write('staged ' + w.id + '\\n')
setInterval(() => {}, 1000)
`

function startChild(
  script: string,
  args: string[],
): {
  child: ChildProcess
  lines: string[]
  waitFor: (pred: (lines: string[]) => boolean) => Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
} {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  const lines: string[] = []
  let buf = ''
  let stderr = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split('\n')
    buf = parts.pop()!
    lines.push(...parts)
    for (const w of waiters.splice(0)) w()
  })
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  )
  const waitFor = async (pred: (l: string[]) => boolean) => {
    while (!pred(lines)) {
      const r = await Promise.race([new Promise<'data'>((res) => waiters.push(() => res('data'))), exited.then(() => 'exit' as const)])
      if (r === 'exit' && !pred(lines)) throw new Error(`child exited early: ${stderr}`)
    }
  }
  return { child, lines, waitFor, exited }
}

describe('Store: separate writer processes', () => {
  let scripts: string
  beforeAll(() => {
    if (stale())
      spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'ignore' })
    if (stale()) throw new Error('dist/ is older than src/ and tsc did not refresh it; run `npx tsc -p tsconfig.json`')
    scripts = tmpDir('cmc-writers-')
    dirs.push(scripts)
    writeFileSync(path.join(scripts, 'writer.mjs'), WRITER)
    writeFileSync(path.join(scripts, 'stager.mjs'), STAGER)
  }, 120_000)

  it('keeps every record of 20 concurrent writers, each exactly once in the index', async () => {
    const store = newStore()
    const WRITERS = 20,
      N = 10
    const procs = Array.from({ length: WRITERS }, (_, k) => startChild(path.join(scripts, 'writer.mjs'), [store.root, String(N), `w${k}`, '2048']))
    await Promise.all(procs.map((p) => p.waitFor((l) => l.includes('ready'))))
    for (const p of procs) p.child.stdin!.write('go\n') // all start together
    const exits = await Promise.all(procs.map((p) => p.exited))
    for (const x of exits) expect(x, x.stderr).toMatchObject({ code: 0, signal: null })

    // the files: WRITERS * N folders, each complete, with its own log
    const ids = store.recordIds()
    expect(ids).toHaveLength(WRITERS * N)
    expect(new Set(ids).size).toBe(WRITERS * N)
    const seen = new Set<string>()
    for (const id of ids) {
      const r = store.get(id)
      expect(validateRecord(r)).toBe(true)
      expect(r.id).toBe(id)
      const log = readFileSync(path.join(store.recordDir(id), 'stdout.log'), 'utf8')
      expect(log.startsWith(`${r.params.writer} ${r.params.i}\n`)).toBe(true)
      expect(log.length).toBe(`${r.params.writer} ${r.params.i}\n`.length + 2048)
      seen.add(`${r.params.writer}/${r.params.i}`)
    }
    expect(seen.size).toBe(WRITERS * N) // every (writer, i) once: nothing lost, nothing doubled

    // the index: every line whole JSON (no interleaving), every id exactly once
    const lines = indexLines(store)
    expect(lines).toHaveLength(WRITERS * N)
    const indexed = lines.map((l) => (JSON.parse(l) as { id: string }).id)
    expect([...indexed].sort()).toEqual(ids)
    const { events, sink } = collector()
    expect(store.summaries(sink)).toHaveLength(WRITERS * N)
    expect(events).toEqual([])
    expect(walk(store.stagingDir)).toEqual([])
  })

  it('shows no half record after a writer is killed with SIGKILL mid-stream', async () => {
    const store = newStore()
    const p = startChild(path.join(scripts, 'writer.mjs'), [store.root, '-1', 'k', String(256 * 1024)])
    await p.waitFor((l) => l.includes('ready'))
    p.child.stdin!.write('go\n')
    await p.waitFor((l) => l.includes('c')) // at least one commit done
    await new Promise((r) => setTimeout(r, 200))
    p.child.kill('SIGKILL')
    const x = await p.exited
    expect(x.signal).toBe('SIGKILL')

    // index: every line parses, or is skipped with a report
    const lines = indexLines(store)
    const good = lines.filter((l) => {
      try {
        JSON.parse(l)
        return true
      } catch {
        return false
      }
    })
    const { events, sink } = collector()
    const sums = store.summaries(sink)
    expect(sums).toHaveLength(good.length)
    if (good.length < lines.length)
      expect(events).toEqual([{ type: 'log', level: 'warn', message: expect.stringContaining(`${lines.length - good.length} damaged`) }])
    else expect(events).toEqual([])
    expect(sums.length).toBeGreaterThan(0)

    // records: every folder complete and readable; nothing temporary visible
    const ids = store.recordIds()
    for (const id of ids) {
      expect(walk(store.recordDir(id))).toEqual(['record.json', 'stdout.log'])
      const r = store.get(id)
      expect(r.id).toBe(id)
      expect(readFileSync(path.join(store.recordDir(id), 'stdout.log'), 'utf8')).toHaveLength(`k ${r.params.i}\n`.length + 256 * 1024)
    }
    expect(walk(store.recordsDir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    // every indexed record is on disk; at most the one being published when killed is not yet indexed
    const idSet = new Set(ids)
    for (const s of sums) expect(idSet.has(s.id)).toBe(true)
    expect(ids.length - sums.length).toBeGreaterThanOrEqual(0)
    expect(ids.length - sums.length).toBeLessThanOrEqual(1)
    // the records' i run 0..n-1 with no gap: nothing committed was lost
    expect(ids.map((id) => store.get(id).params.i as number).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i))

    // leftovers: at most the killed writer's staging folder; too young for the default age, gone at age 0
    const left = readdirSync(store.stagingDir)
    expect(left.length).toBeLessThanOrEqual(1)
    for (const d of left) expect(d.endsWith(`.${p.child.pid}`)).toBe(true)
    expect(store.cleanStaging()).toBe(0)
    expect(store.cleanStaging(0)).toBe(left.length)
    expect(readdirSync(store.stagingDir)).toEqual([])

    // and reindex agrees with the files
    const res = store.reindex()
    expect(res).toMatchObject({ indexed: ids.length, skipped: [] })
    expect(store.summaries().map((s) => s.id)).toEqual(ids)
  })

  it('leaves only a staging folder when killed before commit; cleanStaging removes it', async () => {
    const store = newStore()
    const kept = await put(store)
    const p = startChild(path.join(scripts, 'stager.mjs'), [store.root])
    await p.waitFor((l) => l.some((x) => x.startsWith('staged ')))
    const id = p.lines.find((x) => x.startsWith('staged '))!.slice(7)
    const staged = path.join(store.stagingDir, `${id}.${p.child.pid}`)
    expect(readFileSync(path.join(staged, 'stdout.log'), 'utf8')).toBe('half a log')
    // while the writer lives, even age 0 keeps its folder
    expect(store.cleanStaging(0)).toBe(0)
    p.child.kill('SIGKILL')
    await p.exited

    expect(store.recordIds()).toEqual([kept.id])
    expect(store.summaries().map((s) => s.id)).toEqual([kept.id])
    expect(err(() => store.get(id)).code).toBe('RECORD_NOT_FOUND')
    expect(existsSync(staged)).toBe(true)
    expect(store.cleanStaging()).toBe(0) // younger than a day
    const res = store.reindex() // reindex cleans at age 0
    expect(res).toEqual({ indexed: 1, skipped: [], staleStaging: 1 })
    expect(existsSync(staged)).toBe(false)
  })
})
