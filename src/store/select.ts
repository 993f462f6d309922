// Picking records: a record id (or a unique id prefix) or a query.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { compileQuery } from './query/evaluate.js'
import type { ExperimentRecord } from './record.js'
import type { Store } from './store.js'
import type { RecordSummary } from './summary.js'

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/

export function querySummaries(store: Store, where: string | undefined, opts: { sort?: string; limit?: number; events?: EventSink } = {}): RecordSummary[] {
  const pred = compileQuery(where)
  let rows = store.summaries(opts.events).filter(pred)
  if (opts.sort) {
    const [field, dir] = opts.sort.split(':')
    const get = (s: RecordSummary): string | number | boolean | undefined => field.startsWith('metrics.') ? s.metrics[field.slice(8)] : field.startsWith('params.') ? s.params[field.slice(7)] : (s as unknown as Record<string, string | number | undefined>)[field === 'date' ? 'createdAt' : field]
    const sign = dir === 'desc' ? -1 : 1
    rows = [...rows].sort((a, b) => {
      const x = get(a), y = get(b)
      if (x === undefined) return 1
      if (y === undefined) return -1
      return (x < y ? -1 : x > y ? 1 : 0) * sign
    })
  }
  return opts.limit ? rows.slice(0, opts.limit) : rows
}

/** An id, a unique id prefix, or a query (see docs/store.md). */
export function selectRecords(store: Store, spec: string, events?: EventSink): ExperimentRecord[] {
  if (ID.test(spec)) return [store.get(spec)]
  if (/^\d{8}T[\dZ-]*[0-9a-f-]*$/.test(spec)) {
    const hits = store.summaries(events).filter((s) => s.id.startsWith(spec))
    if (hits.length === 1) return [store.get(hits[0].id)]
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
