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
import type { CompareOptions } from '../../src/store/compare.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { LocalRecordStore } from '../../src/store/localRecordStore.js'
import type { RecordStore } from '../../src/store/storeApi.js'
import { collector } from '../../src/events.js'
import { freshDatabase, startTestHub, storeOf, variedRecords, type TestHub } from '../unit/hub/harness.js'
import { recordOf, type RecordOverrides } from '../helpers/records.js'
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

// Emulated runs, LoadGen runs and published MLPerf results: the refusals that
// read what a run's summary holds beyond its columns (emulated, source,
// scenario, mode, headline, accelerators) and what its whole record holds (the
// GPUs it saw), against the compare the hub runs over its narrow rows.
describe('compares of emulated runs and published results answer alike', () => {
  let localResults: RecordStore
  let remoteResults: RecordStore

  const offline = { scenario: 'Offline', mode: 'PerformanceOnly', headline: { metric: 'samples_per_second' } } as ExperimentRecord['loadgen']
  const gpus = [
    { vendor: 'nvidia', model: 'H100' },
    { vendor: 'nvidia', model: 'H100' },
  ]
  const run = (i: number, over: RecordOverrides & { unit?: string }) => {
    const { unit = 'samples/s', ...rest } = over
    const values = [0, 1, 2].map((k) => 1000 + 37 * ((i * 7 + k * 3) % 11))
    const r = recordOf({ samples_per_second: values }, { hib: { samples_per_second: true }, ...rest })
    r.metrics.samples_per_second!.unit = unit
    r.benchmark = { alias: 'resnet50', uid: 'u-resnet50' }
    return r
  }
  const published = (i: number, system: string, scenario: string, unit?: string) =>
    run(i, {
      unit,
      hostname: `mlperf:Org/${system}`,
      digest: 'mlperf',
      source: {
        kind: 'mlperf',
        round: 'v5.0',
        submitter: 'Org',
        division: 'closed',
        system,
        benchmark: 'resnet50',
        scenario,
        mode: 'PerformanceOnly',
        accelerators: 8,
        headline: { metric: 'samples_per_second', value: 1000, unit: unit ?? 'samples/s', higherIsBetter: true },
        valid: true,
        from: `closed/Org/results/${system}/${i}`,
        key: `${system}/${scenario}/${i}`,
      },
    })

  beforeAll(async () => {
    const records = [
      ...Array.from({ length: 8 }, (_, i) => run(i, { hostname: 'lab-1', loadgen: offline, host: { ...recordOf({}).host, hostname: 'lab-1', gpus } })),
      ...Array.from({ length: 6 }, (_, i) => run(i + 20, { hostname: 'lab-1', platform: 'arm64', digest: 'sha256:img-arm', emulated: true, loadgen: offline })),
      run(40, { hostname: 'lab-2', loadgen: offline }),
      ...Array.from({ length: 3 }, (_, i) => run(i + 50, { hostname: 'lab-3' })),
      ...Array.from({ length: 8 }, (_, i) => published(i, 'sys1', 'Offline')),
      ...Array.from({ length: 4 }, (_, i) => published(i + 10, 'sys2', 'Server')),
      ...Array.from({ length: 4 }, (_, i) => published(i + 20, 'sys3', 'Offline', 'queries/s')),
    ]
    const { store } = await storeOf(records)
    localResults = new LocalRecordStore(store)
    const client = hubClient({ address: parseHubAddress(hub.at('results')), token: await hub.token('push', 'results') })
    expect((await pushRecords(store, client)).sent).toBe(records.length)
    client.close()
    process.env.CMC_HUB_TOKEN = await hub.token('read', 'results')
    remoteResults = remoteRecordStore(hub.at('results'))
  })

  it('gives the same verdicts and the same refusals', async () => {
    const native = 'host = lab-1 and platform = x86_64'
    const [one] = await localResults.list(native, { limit: 1 })
    const sys = (n: number) => `host = 'mlperf:Org/sys${n}'`
    const pairs: Array<[string, string, CompareOptions]> = [
      [native, 'host = lab-1 and platform = arm64', {}],
      [native, 'host = lab-1 and platform = arm64', { allowEmulated: true }],
      ['host = lab-1 and platform = arm64', 'host = lab-1 and platform = arm64 and status = ok', {}],
      [native, sys(1), {}],
      [native, sys(1), { per: 'accelerator' }],
      [one!.id, sys(1), { per: 'accelerator' }],
      [sys(1), sys(1), { per: 'accelerator' }],
      [native, sys(2), {}],
      [native, sys(3), {}],
      ['host = lab-2', sys(1), { per: 'accelerator' }],
      ['host = lab-2', sys(1), {}],
      ['host = lab-3', sys(1), {}],
      ['host = lab-3', native, {}],
    ]
    const verdicts: string[] = []
    const refusals: string[] = []
    for (const [a, b, opts] of pairs) {
      const l = await localResults.compare(a, b, opts).catch((e: Error) => e)
      const r = await remoteResults.compare(a, b, opts).catch((e: Error) => e)
      if (l instanceof Error) {
        expect(r, `${a} vs ${b}`).toBeInstanceOf(Error)
        expect({ code: (r as { code?: string }).code, message: (r as Error).message }, `${a} vs ${b}`).toEqual({
          code: (l as { code?: string }).code,
          message: l.message,
        })
        refusals.push((l as { code?: string }).code!)
      } else {
        expect(r, `${a} vs ${b}`).toEqual(l)
        verdicts.push(...l.metrics.map((m) => `${m.metric} ${m.verdict}`))
      }
    }
    // every refusal these records can meet was met, and the verdicts were given, not all refused
    expect(new Set(refusals)).toEqual(new Set(['COMPARE_EMULATED', 'COMPARE_RESULTS_DIFFER', 'COMPARE_NO_ACCELERATORS', 'COMPARE_DIFFERENT_HOSTS']))
    expect(refusals.filter((c) => c === 'COMPARE_RESULTS_DIFFER').length).toBeGreaterThanOrEqual(3)
    expect(verdicts.some((v) => v.startsWith('samples_per_second_per_accelerator'))).toBe(true)
    expect(verdicts.length).toBeGreaterThanOrEqual(6)
  })

  // the fields no column of the hub holds: the runs' facts
  const FACTS = [
    'emulated',
    'source',
    'round',
    'submitter',
    'division',
    'system',
    'accelerators',
    'scenario',
    'mode',
    'headline',
    'availability',
    'accelerator',
  ]
  const FACT_VALUES = [
    'true',
    'false',
    'mlperf',
    'v5.0',
    "'v5'",
    'Org',
    'closed',
    'sys2',
    '8',
    '4',
    "'8'",
    'Offline',
    'server',
    'PerformanceOnly',
    'samples_per_second',
    "''",
  ]

  it('lists the same rows for queries of emulation, source and the published fields', async () => {
    const qs: string[] = []
    for (const f of FACTS) for (const op of OPS) for (const v of FACT_VALUES) qs.push(`${f} ${op} ${v}`)
    qs.push(
      'not source = mlperf',
      'not source = mlperf and scenario = Offline',
      'source = mlperf and accelerators >= 8 and system != sys3',
      'not emulated = true and host = lab-1',
      'emulated = true or source ~ ml',
      '(scenario = Server or platform = arm64) and not (mode = PerformanceOnly and emulated = true)',
    )
    let matchedSome = 0
    for (const q of qs) {
      const l = await localResults.list(q)
      const r = await remoteResults.list(q)
      expect(r, q).toEqual(l)
      if (l.length && l.length < 33) matchedSome++
    }
    expect(matchedSome).toBeGreaterThan(qs.length / 5)
    // sorted and limited, and by a fact (which the hub sorts as the local store does, after SQL)
    for (const [where, sort, limit] of [
      ['not source = mlperf', 'date:desc', 5],
      ['source = mlperf', 'host', 7],
      ['scenario = Offline', 'accelerators:desc', 10],
      ['emulated = true', 'metrics.samples_per_second', 3],
    ] as const)
      expect(await remoteResults.list(where, { sort, limit }), `${where} ${sort}`).toEqual(await localResults.list(where, { sort, limit }))
  })

  it('compares sides chosen by emulation and source alike', async () => {
    const pairs: Array<[string, string, CompareOptions]> = [
      ['not emulated = true and host = lab-1', 'emulated = true', {}],
      ['not emulated = true and host = lab-1', 'emulated = true', { allowEmulated: true }],
      ['not source = mlperf and scenario = Offline and host = lab-1', 'source = mlperf and system = sys1', { per: 'accelerator' }],
      ['not source = mlperf and scenario = Offline', 'source = mlperf and scenario = Offline', {}],
      ['source = mlperf and system = sys1', 'source = mlperf and accelerators = 8 and scenario = Server', {}],
      ['not emulated = true and not source = mlperf and host = lab-1', 'source = mlperf and system = sys1', { per: 'accelerator' }],
      [
        'not source = mlperf and not emulated = true and scenario = Offline and host = lab-1',
        'source = mlperf and accelerators = 8 and scenario = Offline',
        {},
      ],
      [
        'not source = mlperf and not emulated = true and scenario = Offline and host = lab-1',
        'source = mlperf and accelerators = 8 and scenario = Offline',
        { allowMixed: true },
      ],
    ]
    let verdicts = 0
    for (const [a, b, opts] of pairs) {
      const l = await localResults.compare(a, b, opts).catch((e: Error) => e)
      const r = await remoteResults.compare(a, b, opts).catch((e: Error) => e)
      if (l instanceof Error) {
        expect({ code: (r as { code?: string }).code, message: (r as Error).message }, `${a} vs ${b}`).toEqual({
          code: (l as { code?: string }).code,
          message: l.message,
        })
      } else {
        expect(r, `${a} vs ${b}`).toEqual(l)
        verdicts += l.metrics.length
      }
    }
    expect(verdicts).toBeGreaterThanOrEqual(3)
  })
})
