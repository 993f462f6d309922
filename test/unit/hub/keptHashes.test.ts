// The content hashes a push keeps beside a local store (src/hub/keptHashes.ts),
// on real files: a kept hash is answered while its record.json is unchanged,
// and any edit by hand (in place with the size and mtime put back, or by
// rename) is hashed again; a store without the file, or with torn lines in
// it, is hashed on demand.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeptHashes } from '../../../src/hub/keptHashes.js'
import { recordHash } from '../../../src/hub/recordCheck.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import type { Store } from '../../../src/store/store.js'
import { recordOf } from '../../helpers/records.js'
import { storeOf } from './harness.js'

const recordFile = (store: Store, id: string) => path.join(store.recordDir(id), 'record.json')
const lines = (h: KeptHashes) => (existsSync(h.file) ? readFileSync(h.file, 'utf8').split('\n').filter(Boolean) : [])

async function threeRecords() {
  return storeOf([1, 2, 3].map((v) => recordOf({ throughput: [v, v + 1, v + 2] })))
}

/** A whole second: an mtime that can be put back exactly. */
const PINNED = new Date('2026-11-24T10:00:00Z')
const pinMtime = (store: Store, id: string) => utimesSync(recordFile(store, id), PINNED, PINNED)

/** An edit of record.json (its mtime pinned before) that keeps its size and puts the mtime back: what a size-and-mtime key alone would miss. */
function sameSizeEdit(store: Store, id: string): ExperimentRecord {
  const file = recordFile(store, id)
  const before = statSync(file)
  expect(before.mtimeMs).toBe(PINNED.getTime())
  const text = readFileSync(file, 'utf8')
  const edited = text.replace('"cmcVersion": "0.1.0"', '"cmcVersion": "0.1.9"')
  expect(edited).not.toBe(text)
  writeFileSync(file, edited)
  pinMtime(store, id)
  expect(statSync(file)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs })
  return JSON.parse(edited) as ExperimentRecord
}

describe('kept hashes', () => {
  it('a store with none (an older cmc) is hashed on demand, and the hashes are kept for the next reader', async () => {
    const { store, records } = await threeRecords()
    const first = new KeptHashes(store)
    expect(existsSync(first.file)).toBe(false)
    expect(records.map((r) => first.hashOf(r.id))).toEqual(records.map(recordHash))
    first.flush()
    expect(lines(first)).toHaveLength(3)
    expect(records.map((r) => new KeptHashes(store).hashOf(r.id))).toEqual(records.map(recordHash))
    // nothing new to keep: the file is not written again
    const again = new KeptHashes(store)
    records.forEach((r) => again.hashOf(r.id))
    again.flush()
    expect(lines(again)).toHaveLength(3)
  })

  it('answers the kept hash while record.json is unchanged, without reading the record', async () => {
    const { store, records } = await threeRecords()
    const h = new KeptHashes(store)
    records.forEach((r) => h.hashOf(r.id))
    h.flush()
    // a kept hash replaced in the file is what comes back: the record was not hashed again
    const forged = 'f'.repeat(64)
    writeFileSync(h.file, readFileSync(h.file, 'utf8').replace(recordHash(records[1]!), forged))
    expect(new KeptHashes(store).hashOf(records[1]!.id)).toBe(forged)
    expect(new KeptHashes(store).hashOf(records[0]!.id)).toBe(recordHash(records[0]!))
  })

  it('an edit in place that keeps the size and the mtime is hashed again', async () => {
    const { store, records } = await threeRecords()
    pinMtime(store, records[0]!.id)
    const h = new KeptHashes(store)
    records.forEach((r) => h.hashOf(r.id))
    h.flush()
    const edited = sameSizeEdit(store, records[0]!.id)
    expect(recordHash(edited)).not.toBe(recordHash(records[0]!))
    const next = new KeptHashes(store)
    expect(next.hashOf(records[0]!.id)).toBe(recordHash(edited))
    expect(next.hashOf(records[1]!.id)).toBe(recordHash(records[1]!))
    next.flush()
    // and kept: the last line of an id wins
    expect(new KeptHashes(store).hashOf(records[0]!.id)).toBe(recordHash(edited))
  })

  it('an edit written beside and renamed over record.json, size and mtime kept, is hashed again', async () => {
    const { store, records } = await threeRecords()
    const id = records[2]!.id
    pinMtime(store, id)
    const h = new KeptHashes(store)
    h.hashOf(id)
    h.flush()
    const file = recordFile(store, id)
    const text = readFileSync(file, 'utf8')
    const edited = text.replace('"cmcVersion": "0.1.0"', '"cmcVersion": "0.1.9"')
    writeFileSync(`${file}.new`, edited)
    utimesSync(`${file}.new`, PINNED, PINNED)
    renameSync(`${file}.new`, file)
    expect(statSync(file)).toMatchObject({ size: text.length, mtimeMs: PINNED.getTime() })
    expect(new KeptHashes(store).hashOf(id)).toBe(recordHash(JSON.parse(edited) as ExperimentRecord))
  })

  it('a key taken before a read that the file changed under keeps the hash under the old key: the next reader hashes again', async () => {
    const { store, records } = await threeRecords()
    const id = records[0]!.id
    pinMtime(store, id)
    const h = new KeptHashes(store)
    const key = h.keyOf(id)!
    const edited = sameSizeEdit(store, id)
    // what a push does: the key first, then the record (edited meanwhile)
    expect(h.hashOf(id, key)).toBe(recordHash(edited))
    h.flush()
    const next = new KeptHashes(store)
    expect(next.hashOf(id)).toBe(recordHash(edited))
    next.flush()
    // kept again, under the key the file has now
    expect(lines(h)).toHaveLength(2)
  })

  it('skips torn and foreign lines, and a line appended after a torn one is read', async () => {
    const { store, records } = await threeRecords()
    const h = new KeptHashes(store)
    h.hashOf(records[0]!.id)
    h.flush()
    const whole = readFileSync(h.file, 'utf8')
    // a writer killed mid-line, and text that is no kept hash
    appendFileSync(h.file, `not a line\n${whole.slice(0, 40)}`)
    const next = new KeptHashes(store)
    expect(next.hashOf(records[0]!.id)).toBe(recordHash(records[0]!))
    expect(next.hashOf(records[1]!.id)).toBe(recordHash(records[1]!))
    next.flush()
    const last = new KeptHashes(store)
    // the new line did not land on the torn one
    expect(lines(last).at(-1)).toMatch(new RegExp(`^${records[1]!.id}\\t.*\\t${recordHash(records[1]!)}$`))
    expect(last.hashOf(records[1]!.id)).toBe(recordHash(records[1]!))
  })

  it('a record that is gone or corrupted throws as store.get does', async () => {
    const { store, records } = await threeRecords()
    const h = new KeptHashes(store)
    expect(h.keyOf('20261124T100000000Z-00000000')).toBeUndefined()
    expect(() => h.hashOf('20261124T100000000Z-00000000')).toThrow(expect.objectContaining({ code: 'RECORD_NOT_FOUND' }))
    writeFileSync(recordFile(store, records[0]!.id), '{')
    expect(() => h.hashOf(records[0]!.id)).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT' }))
  })

  it('rewrites the file once most of its lines are superseded', async () => {
    const { store, records } = await threeRecords()
    const h = new KeptHashes(store)
    const record = records[0]!
    for (let k = 0; k < 1100; k++) h.keep(record.id, `${k}\t1\t1\t1`, record)
    h.flush()
    expect(lines(h)).toEqual([`${record.id}\t1099\t1\t1\t1\t${recordHash(record)}`])
  })
})
