// A compare's side, read from the runs table in whatever order the database's
// plan gives, is put back in push order before it is compared: here the plan
// is an index scan, which gives the runs in time order, and the runs were
// pushed newest first, so the two orders are opposite. The comparison is
// still the local store's, ids in the same order.
import { rmSync } from 'node:fs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { runColumnsSql } from '../../src/hub/hubRecords.js'
import { remoteRecordStore } from '../../src/hub/remoteStore.js'
import { Binder } from '../../src/hub/sqlQuery.js'
import { pushRecords } from '../../src/hub/transfer.js'
import { parseWhere } from '../../src/store/query/evaluate.js'
import { parseHubAddress } from '../../src/store/location.js'
import { LocalRecordStore } from '../../src/store/localRecordStore.js'
import type { RecordStore } from '../../src/store/storeApi.js'
import { recordOf } from '../helpers/records.js'
import { tmpDir } from '../helpers/tmp.js'
import { freshDatabase, startTestHub, storeOf, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
let drop: () => Promise<void>
let local: RecordStore
let remote: RecordStore
const home = tmpDir('cmc-hub-order-home-')
const A = 'benchmark = bench and platform = x86_64'
const B = 'benchmark = bench and platform = arm64'

beforeAll(async () => {
  const db = await freshDatabase('compare_order')
  drop = db.drop
  // every connection the hub opens plans a side as an index scan (time order), never a scan of the table (push order)
  const admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
  const name = new URL(db.url).pathname.slice(1)
  await admin.query(`alter database ${name} set enable_seqscan = off`)
  await admin.query(`alter database ${name} set enable_bitmapscan = off`)
  await admin.end()
  hub = await startTestHub(db.url)
  process.env.CMC_HOME = home
  const token = await hub.token('push', 'order')
  process.env.CMC_HUB_TOKEN = token
  // newest first: each run is an hour older than the one stored before it
  const records = Array.from({ length: 40 }, (_, i) => {
    const values = [0, 1, 2].map((k) => 100 + ((i * 13 + k * 7) % 17))
    const r = recordOf({ throughput: values }, { platform: i % 2 ? 'arm64' : 'x86_64', digest: i % 2 ? 'sha256:arm' : 'sha256:x86' })
    r.createdAt = new Date(Date.UTC(2026, 10, 24, 12) - i * 3600_000).toISOString()
    return r
  })
  const { store } = await storeOf(records)
  local = new LocalRecordStore(store)
  const client = hubClient({ address: parseHubAddress(hub.at('order')), token })
  expect((await pushRecords(store, client)).sent).toBe(40)
  client.close()
  remote = remoteRecordStore(hub.at('order'))
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
  rmSync(home, { recursive: true, force: true })
})

describe('a compare side read out of push order', () => {
  it('comes from the database in time order, not push order', async () => {
    const b = new Binder(['order'])
    const [row] = await hub.db.query<{ columns: { seq: number[] } }>(runColumnsSql(parseWhere(A), b), b.values)
    const seq = row!.columns.seq
    expect(seq).toHaveLength(20)
    expect(seq).toEqual([...seq].sort((x, y) => y - x))
  })

  it('is compared in push order, as the local store compares', async () => {
    const opts = { allowDifferentImages: true }
    const l = await local.compare(A, B, opts)
    const r = await remote.compare(A, B, opts)
    expect(r).toEqual(l)
    expect(r.a.ids).toEqual((await local.list(A)).map((s) => s.id))
    expect(r.metrics.map((m) => m.metric)).toEqual(['throughput'])
  })
})
