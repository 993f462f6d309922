// The hub answers list, show, report and compare with the local store's own
// code (select.ts, compareSelections.ts): what a query matches is read from
// PostgreSQL first (the query compiled to SQL), into a store over those rows
// alone, and the same functions then pick, sort, warn and compare over it. So
// the hub cannot apply another rule than `cmc exp list` does locally; only
// which rows match is PostgreSQL's, and the differential test holds that to
// the local answer.
import { CmcError } from '../errors.js'
import { collector, type EventSink } from '../events.js'
import type { CompareOptions, Comparison } from '../store/compare.js'
import { compareSelections } from '../store/compareSelections.js'
import { fieldValue, parseWhere } from '../store/query/evaluate.js'
import type { QueryNode } from '../store/query/parseQuery.js'
import type { ExperimentRecord } from '../store/record.js'
import { findRecord, querySummaries, selectRecords } from '../store/select.js'
import { Store, type Selection } from '../store/store.js'
import type { RecordSummary } from '../store/summary.js'
import type { Db } from './db.js'
import { fieldNames, idsWithPrefix, querySummaryRows, recordsById, type HeldRecord } from './hubRecords.js'

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/
/** What select.ts reads as an id prefix in a selection, and (any word) in findRecord. */
const SELECT_PREFIX = /^\d{8}T[\dZ-]*[0-9a-f-]*$/
const FIND_WORD = /^[\w.:-]+$/

/** The most records a report or a record list reads whole from the hub. */
export const MAX_FULL_RECORDS = 20_000

/** Rows as a selection, as Store.select gives them; each answer worked out once (a compare asks several times). */
function rowsSelection(rows: RecordSummary[]): Selection {
  const names = (kind: 'metrics' | 'params') => {
    const out = new Set<string>()
    for (const r of rows) for (const k in r[kind]) out.add(k)
    return [...out]
  }
  let metrics: string[] | undefined, params: string[] | undefined
  const columns = new Map<string, unknown[]>()
  return {
    length: rows.length,
    metricNames: () => (metrics ??= names('metrics')),
    paramNames: () => (params ??= names('params')),
    values: (field) => {
      let column = columns.get(field)
      if (!column) columns.set(field, (column = rows.map((r) => fieldValue(r, field))))
      return column
    },
    row: (k) => rows[k]!,
  }
}

/**
 * A store over what was read from the hub for one request: the rows each query
 * matched, the ids with a prefix, the project's field names and the full
 * records fetched. select(undefined) is what select.ts asks of "every record":
 * the field names (for the unknown-field warning) and the ids (for a prefix).
 */
class FetchedStore extends Store {
  readonly matched = new Map<string, RecordSummary[]>()
  readonly full = new Map<string, HeldRecord>()
  ids: string[] = []
  names = { metrics: [] as string[], params: [] as string[] }
  /** the rows of a request without a query (every record, up to its limit) */
  all?: RecordSummary[]

  override select(query: QueryNode | undefined): Selection {
    if (query) return rowsSelection(this.matched.get(JSON.stringify(query)) ?? [])
    if (this.all) {
      const rows = rowsSelection(this.all)
      return {
        ...rows,
        metricNames: () => [...new Set([...this.names.metrics, ...rows.metricNames()])],
        paramNames: () => [...new Set([...this.names.params, ...rows.paramNames()])],
      }
    }
    return {
      length: this.ids.length,
      metricNames: () => this.names.metrics,
      paramNames: () => this.names.params,
      values: (field) => (field === 'id' ? this.ids : []),
      row: () => {
        throw new Error('a hub selection of every record has no rows')
      },
    }
  }

  override get(id: string): ExperimentRecord {
    const held = this.full.get(id)
    if (!held) throw new CmcError('RECORD_NOT_FOUND', `no record ${id} on the hub`, { hint: 'list records with `cmc exp list --store HUB`' })
    return held.record
  }
}

/** The answer of one hub request: the result, and the warnings the local command would print. */
export interface HubAnswer<T> {
  result: T
  warnings: string[]
}

/** Reads what a spec (an id, an id prefix, a query) selects into the store. */
class Fetcher {
  readonly store: FetchedStore
  constructor(
    private readonly db: Db,
    private readonly project: string,
  ) {
    this.store = new FetchedStore(`hub:${project}`)
  }

  async names(): Promise<void> {
    this.store.names = await fieldNames(this.db, this.project)
  }

  async records(ids: string[]): Promise<void> {
    for (const [id, held] of await recordsById(
      this.db,
      this.project,
      ids.filter((id) => !this.store.full.has(id)),
    ))
      this.store.full.set(id, held)
  }

  async prefix(prefix: string): Promise<void> {
    const ids = await idsWithPrefix(this.db, this.project, prefix)
    this.store.ids = [...new Set([...this.store.ids, ...ids])]
    if (ids.length === 1) await this.records(ids)
  }

  /** The rows a query matches; `full`: how many of them (from the first) to read whole. */
  async query(spec: string, opts: { sort?: string; limit?: number; full?: number | 'first-ok' } = {}): Promise<RecordSummary[]> {
    const tree = parseWhere(spec)
    const rows = await querySummaryRows(this.db, this.project, tree, opts)
    if (tree) this.store.matched.set(JSON.stringify(tree), rows)
    else this.store.all = rows
    if (opts.full === 'first-ok') {
      const ok = rows.find((r) => r.status === 'ok')
      if (ok) await this.records([ok.id])
    } else if (opts.full) {
      if (rows.length > opts.full)
        throw new CmcError('HUB_REQUEST_INVALID', `the query matches ${rows.length} records; the hub sends at most ${opts.full} whole records at once`, {
          hint: 'narrow it with --where (`cmc exp list` lists any number of summaries)',
        })
      await this.records(rows.map((r) => r.id))
    }
    return rows
  }

  /** What selectRecords or selectComparable reads for a spec. */
  async selection(spec: string, full: number | 'first-ok'): Promise<void> {
    if (ID.test(spec)) await this.records([spec])
    else if (SELECT_PREFIX.test(spec)) await this.prefix(spec)
    else await this.query(spec, { full })
  }
}

function answer<T>(run: (events: EventSink) => T): HubAnswer<T> {
  const { events, sink } = collector()
  const result = run(sink)
  const warnings = events.flatMap((e) => (e.type === 'log' && e.level === 'warn' ? [e.message] : []))
  return { result, warnings }
}

/** `cmc exp list`: summaries, sorted and limited in SQL, then by querySummaries over them. */
export async function hubList(
  db: Db,
  project: string,
  where: string | undefined,
  opts: { sort?: string; limit?: number },
): Promise<HubAnswer<RecordSummary[]>> {
  // --limit and --sort checked, as querySummaries checks them, before the database is asked
  querySummaries(new FetchedStore('check'), undefined, opts)
  const f = new Fetcher(db, project)
  await Promise.all([f.names(), f.query(where ?? '', opts)])
  return answer((events) => querySummaries(f.store, where, { ...opts, events }))
}

/** `cmc exp show`: one record (an id, a prefix, a query's first match), with who pushed it and when. */
export async function hubFind(db: Db, project: string, spec: string): Promise<HubAnswer<HeldRecord>> {
  const f = new Fetcher(db, project)
  await f.names()
  if (ID.test(spec)) await f.records([spec])
  else if (FIND_WORD.test(spec) || SELECT_PREFIX.test(spec)) await f.prefix(spec)
  else await f.query(spec, { limit: 1, full: 1 })
  return answer((events) => {
    const r = findRecord(f.store, spec, events)
    return f.store.full.get(r.id)!
  })
}

/** `cmc report`: the records a spec selects, whole; `first` keeps the first of that order (the web UI's newest). */
export async function hubRecords(db: Db, project: string, spec: string, first?: { sort: string; limit: number }): Promise<HubAnswer<ExperimentRecord[]>> {
  const f = new Fetcher(db, project)
  await f.names()
  if (first && !ID.test(spec) && !SELECT_PREFIX.test(spec)) await f.query(spec, { ...first, full: first.limit })
  else await f.selection(spec, MAX_FULL_RECORDS)
  return answer((events) => selectRecords(f.store, spec, events))
}

/** `cmc exp compare A B`: compareSelections over what each side selects. */
export async function hubCompare(db: Db, project: string, a: string, b: string, opts: CompareOptions): Promise<HubAnswer<Comparison>> {
  const f = new Fetcher(db, project)
  // the two sides read at once, on two connections
  await Promise.all([f.names(), f.selection(a, 'first-ok'), f.selection(b, 'first-ok')])
  return answer((events) => compareSelections(f.store, a, b, opts, events))
}
