// A torn last line in index.jsonl (a writer killed mid-write, a full disk)
// must not hide the records written after it: the next writer starts on a
// fresh line, and a reader recovers a whole summary glued to a fragment by a
// writer that did not (an older cmc, or a store copied mid-write).
import { appendFileSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collector } from '../../../src/events.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { exportRecords, importRecords } from '../../../src/store/exportImport.js'
import { SNAPSHOT_EVERY } from '../../../src/store/indexTable.js'
import { parseWhere } from '../../../src/store/query/evaluate.js'
import { newRecordId, Store } from '../../../src/store/store.js'
import { summaryOf } from '../../../src/store/summary.js'
import { recordOf } from '../../helpers/records.js'
import { tmpDir } from '../../helpers/tmp.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function newStore(): Store {
  const d = tmpDir('cmc-torn-')
  dirs.push(d)
  return new Store(path.join(d, 'store'))
}

function record(id: string, platform = 'x86_64'): ExperimentRecord {
  return recordOf(
    { triad_gbs: [10] },
    {
      id,
      benchmark: { alias: 'stream', uid: 'u-stream' },
      image: { alias: 'stream', uid: 'u-img', planHash: 'ph', ref: 'cmc/stream:x86_64', digest: 'sha256:aaaa', id: 'sha256:bbbb' },
      platform,
      params: { threads: 1 },
    },
  )
}

async function put(store: Store, platform?: string): Promise<ExperimentRecord> {
  const r = record(newRecordId(), platform)
  await (await store.begin(r.id)).commit(r)
  return r
}

describe('a torn last index line', () => {
  it('the next writer starts on a fresh line, so its record is found by every query', async () => {
    const store = newStore()
    const a = await put(store)
    appendFileSync(store.indexFile, '{"id":"2026120') // what power loss leaves
    const b = await put(store, 'arm64')
    const lines = readFileSync(store.indexFile, 'utf8').split('\n')
    expect(lines[1]).toBe('{"id":"2026120')
    expect(JSON.parse(lines[2]!).id).toBe(b.id)
    const { events, sink } = collector()
    expect(store.summaries(sink).map((s) => s.id)).toEqual([a.id, b.id])
    expect(events.map((e) => (e as { message: string }).message)).toEqual([expect.stringContaining('1 damaged index line(s) skipped')])
    const arm = store.select(parseWhere('platform = arm64'))
    expect(Array.from({ length: arm.length }, (_, k) => arm.row(k).id)).toEqual([b.id])
  })

  it('a reader recovers a whole summary glued to the fragment', async () => {
    const store = newStore()
    const a = await put(store)
    const b = record(newRecordId(), 'arm64')
    // as a writer that did not look at the last byte left it: fragment and line on one line
    appendFileSync(store.indexFile, '{"id":"2026120' + JSON.stringify(summaryOf(b)) + '\n')
    const c = await put(store)
    const { events, sink } = collector()
    expect(store.summaries(sink).map((s) => s.id)).toEqual([a.id, b.id, c.id])
    // still reported: the fragment is damage reindex removes
    expect(events).toHaveLength(1)
    const arm = store.select(parseWhere('platform = arm64'))
    expect(arm.length).toBe(1)
    expect(arm.row(0).id).toBe(b.id)
  })

  it('a glued line is recovered inside the columnar snapshot as well', async () => {
    const store = newStore()
    const first = await put(store)
    const glued = record(newRecordId(), 'arm64')
    appendFileSync(store.indexFile, '{"id":"20261' + JSON.stringify(summaryOf(glued)) + '\n')
    const many: string[] = []
    for (let i = 0; i < SNAPSHOT_EVERY; i++) many.push(JSON.stringify(summaryOf(record(newRecordId()))))
    appendFileSync(store.indexFile, many.join('\n') + '\n')
    // the first read writes the snapshot; a second store object reads from it
    expect(store.summaries().length).toBe(SNAPSHOT_EVERY + 2)
    const fresh = new Store(store.root)
    const arm = fresh.select(parseWhere('platform = arm64'))
    expect(arm.length).toBe(1)
    expect(arm.row(0).id).toBe(glued.id)
    expect(fresh.summaries()[0]!.id).toBe(first.id)
  })

  it('exp import starts on a fresh line too', async () => {
    const from = newStore()
    const r = await put(from, 'arm64')
    const file = path.join(from.root, '..', 'one.jsonl')
    await exportRecords(from, [r.id], file, 'jsonl')
    const to = newStore()
    await put(to)
    appendFileSync(to.indexFile, '{"id":"2026120')
    expect(await importRecords(to, file)).toEqual({ added: 1, filled: 0, skipped: 0, invalid: [] })
    // the fragment stays a line of its own, not the start of the imported one
    expect(readFileSync(to.indexFile, 'utf8').split('\n')).toContain('{"id":"2026120')
    const arm = to.select(parseWhere('platform = arm64'))
    expect(arm.length).toBe(1)
    expect(arm.row(0).id).toBe(r.id)
  })
})
