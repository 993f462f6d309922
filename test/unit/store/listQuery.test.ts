// What a listing query tells its user beyond the rows: a metric, param or sort
// field no record in the store has is named in a warning with the nearest one
// that exists (the query still runs), and a --limit below 1 is refused.
import { appendFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { collector } from '../../../src/events.js'
import { querySummaries, selectComparable, selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
import type { RecordSummary } from '../../../src/store/summary.js'
import { tmpDir } from '../../helpers/tmp.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function summary(i: number, over: Partial<RecordSummary> = {}): RecordSummary {
  const t = new Date(Date.UTC(2026, 10, 20) + i * 3_600_000)
  return {
    id: `${t
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.(\d{3})Z$/, '$1Z')}-${i.toString(16).padStart(8, '0')}`,
    createdAt: t.toISOString(),
    benchmark: 'stream',
    image: 'c-omp',
    digest: 'sha256:aa',
    platform: i % 2 ? 'arm64' : 'x86_64',
    status: 'ok',
    host: 'lab-1',
    params: { threads: 1 + (i % 4), size: 1000 },
    metrics: { seconds: 1 + i / 10, triad_gbs: 10 + i },
    tags: [],
    ...over,
  }
}

/** A store whose index holds these summaries (no record files: a listing reads only the index). */
function storeWith(rows: RecordSummary[]): Store {
  const d = tmpDir('cmc-list-')
  dirs.push(d)
  const store = new Store(d)
  writeFileSync(store.indexFile, rows.map((s) => JSON.stringify(s) + '\n').join(''))
  return store
}

function listed(store: Store, where: string | undefined, opts: { sort?: string; limit?: number } = {}) {
  const { events, sink } = collector()
  const rows = querySummaries(store, where, { ...opts, events: sink })
  const warnings = events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []))
  return { ids: rows.map((r) => r.id), warnings }
}

describe('fields no record has', () => {
  const rows = Array.from({ length: 12 }, (_, i) => summary(i))
  const store = storeWith(rows)

  it('warns about a metric no record has, naming the nearest one, and still runs the query', () => {
    expect(listed(store, 'metrics.secnds < 1')).toEqual({ ids: [], warnings: ['no record has metrics.secnds; did you mean metrics.seconds?'] })
    // in an or, the rest of the query still matches
    const r = listed(store, 'metrics.secnds < 1 or platform = arm64')
    expect(r.ids).toEqual(rows.filter((s) => s.platform === 'arm64').map((s) => s.id))
    expect(r.warnings).toEqual(['no record has metrics.secnds; did you mean metrics.seconds?'])
  })

  it('warns about a param no record has, naming the nearest one', () => {
    expect(listed(store, 'params.thread = 2').warnings).toEqual(['no record has params.thread; did you mean params.threads?'])
    // a name that is a metric, not a param
    expect(listed(store, 'params.seconds > 1').warnings).toEqual(['no record has params.seconds; did you mean metrics.seconds?'])
  })

  it('lists what there is when no name is near', () => {
    expect(listed(store, 'metrics.flops > 1').warnings).toEqual(['no record has metrics.flops; metrics: seconds, triad_gbs'])
    expect(listed(store, 'params.qqqqqqqq = 1').warnings).toEqual(['no record has params.qqqqqqqq; params: size, threads'])
  })

  it('warns about a sort field no record has, and sorts by nothing', () => {
    const r = listed(store, undefined, { sort: 'metrics.triad_gb:desc' })
    expect(r.warnings).toEqual(['--sort: no record has metrics.triad_gb; did you mean metrics.triad_gbs?'])
    expect(r.ids).toEqual(rows.map((s) => s.id))
  })

  it('says nothing about fields records have, nor about attributes', () => {
    expect(listed(store, 'metrics.seconds < 1.5 and params.threads = 2 and status = ok and digest ~ aa', { sort: 'params.size' })).toEqual({
      ids: [rows[1]!.id],
      warnings: [],
    })
  })

  it('knows the fields of lines appended after the index snapshot and of the snapshot itself', () => {
    const many = Array.from({ length: 1500 }, (_, i) => summary(i))
    const s = storeWith(many)
    s.select(undefined) // writes the snapshot
    appendFileSync(s.indexFile, JSON.stringify(summary(1500, { metrics: { late_gbs: 1 }, params: { late: 'yes' } })) + '\n')
    const again = new Store(s.root)
    expect(listed(again, 'metrics.late_gbs = 1 and params.late = yes and metrics.seconds > 150').warnings).toEqual([])
    expect(listed(again, 'metrics.late_gb = 1').warnings).toEqual(['no record has metrics.late_gb; did you mean metrics.late_gbs?'])
  })

  it('warns wherever a query selects records: show, export, report, compare', () => {
    const { events, sink } = collector()
    expect(selectRecords(store, 'metrics.secnds < 1', sink)).toEqual([])
    expect(selectComparable(store, 'params.thread = 2', sink)).toEqual([])
    expect(events.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e as { message: string }).message)).toEqual([
      'no record has metrics.secnds; did you mean metrics.seconds?',
      'no record has params.thread; did you mean params.threads?',
    ])
  })
})

describe('a number field compared with a word', () => {
  const store = storeWith([summary(0), summary(1, { params: { threads: 2, size: 1000, precision: 'fp16' } })])

  it('warns when nothing matched: no record can meet it', () => {
    expect(listed(store, 'metrics.triad_gbs > fast')).toEqual({
      ids: [],
      warnings: ['metrics.triad_gbs > fast: every metrics.triad_gbs in the store is a number and "fast" is not one, so no record can match'],
    })
    expect(listed(store, 'params.threads = two and status = ok').warnings).toEqual([
      'params.threads = two: every params.threads in the store is a number and "two" is not one, so no record can match',
    ])
  })

  it('says nothing of a word against words, of != and ~, or when something matched', () => {
    // a word against words: only that no record has the word
    expect(listed(store, 'params.precision = fp32').warnings).toEqual(['no record has params.precision = fp32; did you mean fp16?'])
    expect(listed(store, 'metrics.triad_gbs ~ fast').warnings).toEqual([])
    expect(listed(store, 'metrics.triad_gbs > fast or platform = arm64')).toEqual({ ids: [summary(1).id], warnings: [] })
  })
})

describe('a value no record has', () => {
  const store = storeWith([
    summary(0, { source: 'mlperf', round: 'v4.1', scenario: 'Offline' }),
    summary(1, { source: 'mlperf', round: 'v4.1', scenario: 'Server', accelerators: 8 }),
  ])

  it('warns, when nothing matched, with the nearest values there are', () => {
    expect(listed(store, 'scenario = offline')).toEqual({ ids: [], warnings: ['no record has scenario = offline; did you mean Offline?'] })
    expect(listed(store, 'round = 4.1 and scenario = Offline').warnings).toEqual(['no record has round = 4.1; did you mean v4.1?'])
    expect(listed(store, 'status = done').warnings).toEqual(['no record has status = done; its values: ok'])
    expect(listed(store, 'accelerators >= eight').warnings).toEqual([
      'accelerators >= eight: every accelerators in the store is a number and "eight" is not one, so no record can match',
    ])
  })

  it('says nothing when the values are there but not together, or when something matched', () => {
    expect(listed(store, 'scenario = Server and platform = x86_64')).toEqual({ ids: [], warnings: [] })
    expect(listed(store, 'scenario = offline or scenario = Server').warnings).toEqual([])
  })
})

describe('--limit', () => {
  const rows = Array.from({ length: 5 }, (_, i) => summary(i))
  const store = storeWith(rows)

  it('keeps the first N of the order', () => {
    expect(listed(store, undefined, { limit: 2 }).ids).toEqual(rows.slice(0, 2).map((s) => s.id))
    expect(listed(store, undefined, { limit: 99 }).ids).toHaveLength(5)
  })

  it('refuses 0 and negatives as FLAG_VALUE with a hint', () => {
    for (const limit of [0, -1, -5]) {
      let err: unknown
      try {
        querySummaries(store, undefined, { limit })
      } catch (e) {
        err = e
      }
      expect(err, String(limit)).toBeInstanceOf(CmcError)
      const e = err as CmcError
      expect(e.code).toBe('FLAG_VALUE')
      expect(e.exitCode).toBe(2)
      expect(e.message).toBe(`--limit ${limit}: expected a number of records, 1 or more`)
      expect(e.hint).toContain('--limit 10')
    }
  })
})
