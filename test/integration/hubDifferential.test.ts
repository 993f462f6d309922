// The hub and the local store give the same answers on the same records: the
// same rows, in the same order, for hundreds of queries (every field against
// numbers, texts and dates, with every operator, and combinations), the same
// sorted and limited lists, the same warnings, and the same comparisons and
// refusals. The hub runs on a real PostgreSQL; the local store is the files.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { remoteRecordStore } from '../../src/hub/remoteStore.js'
import { pushRecords } from '../../src/hub/transfer.js'
import { parseHubAddress } from '../../src/store/location.js'
import { LocalRecordStore, type RecordStore } from '../../src/store/storeApi.js'
import { collector } from '../../src/events.js'
import { freshDatabase, startTestHub, storeOf, variedRecords, type TestHub } from '../unit/hub/harness.js'
import { tmpDir } from '../helpers/tmp.js'

let hub: TestHub
let drop: () => Promise<void>
let local: RecordStore
let remote: RecordStore
const home = tmpDir('cmc-hub-home-')

beforeAll(async () => {
  const db = await freshDatabase('differential')
  drop = db.drop
  hub = await startTestHub(db.url)
  process.env.CMC_HOME = home
  process.env.CMC_HUB_TOKEN = await hub.token('push', 'diff')
  const { store } = await storeOf(variedRecords(240))
  local = new LocalRecordStore(store)
  const client = hubClient({ address: parseHubAddress(hub.at('diff')), token: process.env.CMC_HUB_TOKEN })
  const pushed = await pushRecords(store, client)
  client.close()
  expect(pushed.sent).toBe(240)
  remote = remoteRecordStore(hub.at('diff'))
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
  rmSync(home, { recursive: true, force: true })
})

const FIELDS = [
  'metrics.throughput',
  'metrics.latency_ms',
  'metrics.nosuch',
  'params.threads',
  'params.batch',
  'params.mode',
  'params.exact',
  'params.nosuch',
  'benchmark',
  'platform',
  'status',
  'host',
  'digest',
  'image',
  'limits',
  'tags',
  'id',
]
const VALUES = [
  '105',
  '8',
  '16',
  '2',
  '-1',
  '1e2',
  "'8'",
  "'16'",
  'fast',
  "'Slow mode'",
  'slow',
  'true',
  'arm64',
  'lab-1',
  'nightly',
  "''",
  'none',
  "'0x10'",
  'sha256:img1',
]
const OPS = ['=', '!=', '<', '<=', '>', '>=', '~']
const DATES = ['2026-11-24', "'2026-11-24T10:15'", '2026-11-25T00:00Z', '2026-11-22T05:00+02:00', '2026-11-29T23:59:59.999']

function queries(): string[] {
  const out: string[] = []
  for (const f of FIELDS) for (const op of OPS) for (const v of VALUES) out.push(`${f} ${op} ${v}`)
  for (const op of OPS.filter((o) => o !== '~')) for (const d of DATES) out.push(`date ${op} ${d}`)
  // combinations, picked deterministically from the comparisons above
  const simple = [...out]
  for (let i = 0; i < 150; i++) {
    const a = simple[(i * 7919) % simple.length]!,
      b = simple[(i * 104729 + 3) % simple.length]!
    out.push(i % 3 === 0 ? `${a} and ${b}` : i % 3 === 1 ? `(${a}) or not (${b})` : `not ${a} and (${b} or ${a})`)
  }
  return out
}

describe('the hub and the local store answer alike', () => {
  it('the same rows, in the same order, for every query', async () => {
    const qs = queries()
    expect(qs.length).toBeGreaterThan(1000)
    const differ: string[] = []
    let matchedSome = 0
    for (const q of qs) {
      const [l, r] = await Promise.all([local.list(q), remote.list(q)])
      if (l.length && l.length < 240) matchedSome++
      if (JSON.stringify(l.map((x) => x.id)) !== JSON.stringify(r.map((x) => x.id))) differ.push(`${q}: local ${l.length}, hub ${r.length}`)
      else expect(r).toEqual(l)
    }
    expect(differ).toEqual([])
    // the queries are not all trivial: many select some rows but not all
    expect(matchedSome).toBeGreaterThan(qs.length / 10)
  })

  it('the same sorted, limited lists and the same warnings', async () => {
    const cases: Array<[string | undefined, string | undefined, number | undefined]> = [
      [undefined, undefined, undefined],
      ['status = ok', 'metrics.throughput:desc', 5],
      ['platform = arm64', 'params.batch', 7],
      [undefined, 'date:desc', 10],
      ['tags = nightly', 'host:desc', undefined],
      ['metrics.throughput > 120', 'params.mode', 12],
      [undefined, 'params.exact:desc', 9],
      ['metrics.thruput > 1', undefined, undefined],
      [undefined, 'metrics.nosuch', 3],
    ]
    for (const [where, sort, limit] of cases) {
      const a = collector(),
        b = collector()
      const l = await local.list(where, { sort, limit, events: a.sink })
      const r = await remote.list(where, { sort, limit, events: b.sink })
      expect(r, `${where} ${sort} ${limit}`).toEqual(l)
      expect(b.events).toEqual(a.events)
    }
  })

  it('bad queries, sorts and limits are the same errors', async () => {
    for (const [where, sort, limit] of [
      ['metrics.x >', undefined, undefined],
      ['nosuchfield = 1', undefined, undefined],
      [undefined, 'bogus', undefined],
      [undefined, undefined, 0],
    ] as const) {
      const l = await local.list(where, { sort, limit }).catch((e: Error) => e)
      const r = await remote.list(where, { sort, limit }).catch((e: Error) => e)
      expect(l).toBeInstanceOf(Error)
      expect({ code: (r as { code?: string }).code, message: (r as Error).message }).toEqual({
        code: (l as { code?: string }).code,
        message: (l as Error).message,
      })
    }
  })

  it('the same comparisons and the same refusals', async () => {
    const pairs: Array<[string, string, Record<string, boolean>]> = [
      [
        "params.threads = 1 and params.batch = 16 and params.mode = 'Slow mode' and params.exact = false",
        "params.threads = 2 and params.batch = 16 and params.mode = 'Slow mode' and params.exact = true",
        { allowDifferentHosts: true, allowDifferentImages: true },
      ],
      ['params.threads = 1', 'params.threads = 3', {}],
      ['params.threads = 1', 'params.threads = 3', { allowMixed: true }],
      ['params.threads = 1', 'params.threads = 3', { allowMixed: true, allowDifferentHosts: true }],
      ['params.threads = 1', 'params.threads = 3', { allowMixed: true, allowDifferentHosts: true, allowDifferentImages: true }],
      ['host = lab-0 and benchmark = bench', 'host = lab-0 and benchmark = stream', { allowMixed: true, allowDifferentImages: true }],
      ['platform = arm64', 'platform = x86_64', { allowMixed: true, allowDifferentHosts: true }],
      ['status = failed', 'status = ok', {}],
      ['metrics.throughput > 1e9', 'status = ok', {}],
    ]
    let verdicts = 0
    for (const [a, b, opts] of pairs) {
      const l = await local.compare(a, b, opts).catch((e: Error) => e)
      const r = await remote.compare(a, b, opts).catch((e: Error) => e)
      if (l instanceof Error) {
        expect(r, `${a} vs ${b}`).toBeInstanceOf(Error)
        expect((r as { code?: string }).code).toBe((l as { code?: string }).code)
        expect((r as Error).message).toBe(l.message)
      } else {
        expect(r, `${a} vs ${b}`).toEqual(l)
        verdicts += l.metrics.length
      }
    }
    expect(verdicts).toBeGreaterThan(4)
    // a side by record id: its repeats are the samples
    const [x, y] = await local.list('status = ok', { limit: 2 })
    expect(await remote.compare(x!.id, y!.id, { allowDifferentHosts: true, allowDifferentImages: true, allowMixed: true })).toEqual(
      await local.compare(x!.id, y!.id, { allowDifferentHosts: true, allowDifferentImages: true, allowMixed: true }),
    )
  })

  it('show finds the same record by id, prefix and query', async () => {
    const [first] = await local.list(undefined, { limit: 1 })
    for (const spec of [first!.id, first!.id.slice(0, 24), 'params.mode = fast and status = ok'])
      expect(await remote.find(spec)).toEqual(await local.find(spec))
    // every id begins with the day the records were stored
    const day = first!.id.slice(0, 9)
    const err = await remote.find(day).catch((e: Error) => e)
    const localErr = (await local.find(day).catch((e: Error) => e)) as Error
    expect(err).toMatchObject({ code: 'RECORD_AMBIGUOUS', message: localErr.message })
  })
})
