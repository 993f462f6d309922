// Picking records: a record id (or a unique id prefix) or a query.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { parseWhere } from './query/evaluate.js'
import type { Comparable } from './compare.js'
import type { ExperimentRecord } from './record.js'
import type { Store } from './store.js'
import type { RecordSummary } from './summary.js'

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/

export function querySummaries(store: Store, where: string | undefined, opts: { sort?: string; limit?: number; events?: EventSink } = {}): RecordSummary[] {
  const sel = store.select(parseWhere(where), opts.events)
  let order = Array.from({ length: sel.length }, (_, k) => k)
  if (opts.sort) {
    const [field, dir] = opts.sort.split(':')
    const sign = dir === 'desc' ? -1 : 1
    const keys = order.map((k) => sel.value(k, field!) as string | number | boolean | undefined)
    order = order.sort((a, b) => {
      const x = keys[a], y = keys[b]
      if (x === undefined) return y === undefined ? 0 : 1
      if (y === undefined) return -1
      return (x < y ? -1 : x > y ? 1 : 0) * sign
    })
  }
  if (opts.limit) order = order.slice(0, opts.limit)
  return order.map((k) => sel.row(k))
}

/** An id, a unique id prefix, or a query (see docs/store.md). */
export function selectRecords(store: Store, spec: string, events?: EventSink): ExperimentRecord[] {
  if (ID.test(spec)) return [store.get(spec)]
  if (/^\d{8}T[\dZ-]*[0-9a-f-]*$/.test(spec)) {
    const all = store.select(undefined, events)
    const hits: string[] = []
    for (let k = 0; k < all.length; k++) {
      const id = all.value(k, 'id') as string
      if (id.startsWith(spec)) hits.push(id)
    }
    if (hits.length === 1) return [store.get(hits[0]!)]
    throw new CmcError('input', 'RECORD_AMBIGUOUS', hits.length ? `${spec} matches ${hits.length} records` : `no record id starts with ${spec}`, { hint: 'give more of the id (`cmc exp list`)' })
  }
  const out: ExperimentRecord[] = []
  for (const s of querySummaries(store, spec, { events })) {
    try {
      out.push(store.get(s.id))
    } catch (e) {
      events?.({ type: 'log', level: 'warn', message: `skipped ${s.id}: ${(e as Error).message}` })
    }
  }
  return out
}

/**
 * The runs of one side of a compare: an id gives that record (its repeats are
 * the samples); a query gives its successful runs, compared by their medians
 * from the index, with units and direction read from one of the records.
 */
export function selectComparable(store: Store, spec: string, events?: EventSink): Comparable[] {
  if (ID.test(spec) || /^\d{8}T[\dZ-]*[0-9a-f-]*$/.test(spec)) return selectRecords(store, spec, events)
  // read only the fields a compare needs, straight from the index columns
  const sel = store.select(parseWhere(spec), events)
  const ok: number[] = []
  for (let k = 0; k < sel.length; k++) if (sel.value(k, 'status') === 'ok') ok.push(k)
  if (ok.length < sel.length) events?.({ type: 'log', level: 'warn', message: `${sel.length - ok.length} run(s) matching "${spec}" did not succeed and are left out` })
  const id = (k: number) => sel.value(k, 'id') as string
  if (ok.length <= 1) return ok.map((k) => store.get(id(k)))
  const meta = store.get(id(ok[0]!)).metrics
  const names = sel.metricNames()
  return ok.map((k) => {
    const metrics: Comparable['metrics'] = {}
    for (const n of names) {
      const median = sel.value(k, `metrics.${n}`)
      if (typeof median === 'number') metrics[n] = { median, unit: meta[n]?.unit, higherIsBetter: meta[n]?.higherIsBetter }
    }
    return {
      id: id(k), platform: sel.value(k, 'platform') as string, image: { digest: sel.value(k, 'digest') as string },
      host: { hostname: sel.value(k, 'host') as string }, repeats: [], metrics,
    }
  })
}
