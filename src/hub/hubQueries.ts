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
import { fieldNames, idsWithPrefix, queryRunColumns, querySummaryRows, recordsById, type HeldRecord, type RunColumns } from './hubRecords.js'

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/
/** What select.ts reads as an id prefix in a selection, and (any word) in findRecord. */
const SELECT_PREFIX = /^\d{8}T[\dZ-]*[0-9a-f-]*$/
const FIND_WORD = /^[\w.:-]+$/

/** The most records a report or a record list reads whole from the hub. */
export const MAX_FULL_RECORDS = 20_000

/** Rows as a selection, as Store.select gives them. */
function rowsSelection(rows: RecordSummary[]): Selection {
  return memoSelection(
    rows.length,
    (kind) => rows.map((r) => r[kind]),
    (field) => rows.map((r) => fieldValue(r, field)),
    (k) => rows[k]!,
  )
}

/** A selection whose names and columns are each worked out once, on first asking (a compare asks several times). */
function memoSelection(
  length: number,
  maps: (kind: 'metrics' | 'params') => Array<Record<string, unknown>>,
  column: (field: string) => unknown[],
  row: Selection['row'],
): Selection {
  const names = (kind: 'metrics' | 'params') => {
    const out = new Set<string>()
    for (const x of maps(kind)) for (const k in x) out.add(k)
    return [...out]
  }
  let metrics: string[] | undefined, params: string[] | undefined
  const columns = new Map<string, unknown[]>()
  return {
    length,
    metricNames: () => (metrics ??= names('metrics')),
    paramNames: () => (params ??= names('params')),
    values: (field) => {
      let col = columns.get(field)
      if (!col) columns.set(field, (col = column(field)))
      return col
    },
    row,
  }
}

const COLUMN_FIELDS = new Set(['id', 'benchmark', 'digest', 'platform', 'status', 'host', 'limits'])
const UNREAD_FIELDS = new Set(['date', 'createdAt', 'image', 'tags'])

/**
 * A compare's side read as columns (queryRunColumns) as a selection: each
 * field's column as fieldValue reads it from a summary, whose fields beyond
 * the columns are the run's facts. A compare reads neither whole rows nor the
 * fields the side's read leaves out; asking for them is a bug, not a field
 * that no run has.
 */
function columnsSelection(c: RunColumns): Selection {
  const column = (field: string): unknown[] => {
    if (field.startsWith('metrics.')) return c.metrics.map((m) => m[field.slice(8)])
    if (field.startsWith('params.')) return c.params.map((p) => p[field.slice(7)])
    if (COLUMN_FIELDS.has(field)) return c[field as 'id']
    if (UNREAD_FIELDS.has(field)) throw new Error(`a compare's side is read without ${field}`)
    return c.facts.map((f) => (f as Record<string, unknown> | null)?.[field])
  }
  return memoSelection(
    c.id.length,
    (kind) => c[kind],
    column,
    () => {
      throw new Error("a compare's side is read as columns, without its rows")
    },
  )
}

/**
 * A store over what was read from the hub for one request: the rows each query
 * matched, the ids with a prefix, the project's field names and the full
 * records fetched. select(undefined) is what select.ts asks of "every record":
 * the field names (for the unknown-field warning) and the ids (for a prefix).
 */
class FetchedStore extends Store {
  override readonly hubFields = true
  readonly matched = new Map<string, Selection>()
  readonly full = new Map<string, HeldRecord>()
  ids: string[] = []
  names = { metrics: [] as string[], params: [] as string[] }
  /** the rows of a request without a query (every record, up to its limit) */
  all?: RecordSummary[]

  override select(query: QueryNode | undefined): Selection {
    if (query) return this.matched.get(JSON.stringify(query)) ?? rowsSelection([])
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
  async query(spec: string, opts: { sort?: string; limit?: number; full?: number } = {}): Promise<RecordSummary[]> {
    const tree = parseWhere(spec)
    const rows = await querySummaryRows(this.db, this.project, tree, opts)
    if (tree) this.store.matched.set(JSON.stringify(tree), rowsSelection(rows))
    else this.store.all = rows
    if (opts.full) {
      if (rows.length > opts.full)
        throw new CmcError('HUB_REQUEST_INVALID', `the query matches ${rows.length} records; the hub sends at most ${opts.full} whole records at once`, {
          hint: 'narrow it with --where (`cmc exp list` lists any number of summaries)',
        })
      await this.records(rows.map((r) => r.id))
    }
    return rows
  }

  /**
   * One side of a compare: every run a query matches, from the narrow rows and
   * as columns, and the first successful run whole (for its metrics' units).
   */
  async side(spec: string): Promise<void> {
    const tree = parseWhere(spec)
    if (!tree) {
      await this.query(spec)
      return
    }
    const columns = await queryRunColumns(this.db, this.project, tree)
    this.store.matched.set(JSON.stringify(tree), columnsSelection(columns))
    const ok = columns.status.indexOf('ok')
    if (ok >= 0) await this.records([columns.id[ok]!])
  }

  /**
   * Published results beside runs (or --per accelerator): compareSelections
   * then reads each run's LoadGen facts and GPUs from its whole record, so the
   * successful runs each query side matched, other than published ones, are
   * read whole too.
   */
  async runsBesideResults(specs: string[], per: boolean): Promise<void> {
    const sides = specs.flatMap((spec) => {
      try {
        const tree = parseWhere(spec)
        const sel = tree && this.store.matched.get(JSON.stringify(tree))
        return sel ? [sel] : []
      } catch {
        return [] // an id, read whole already
      }
    })
    const published = (sel: Selection) => sel.values('source').some((v) => v !== undefined)
    if (!per && !sides.some(published) && ![...this.store.full.values()].some((h) => h.record.source)) return
    const ids = sides.flatMap((sel) => {
      const [id, source, status] = [sel.values('id'), sel.values('source'), sel.values('status')]
      return (id as string[]).filter((_, k) => source[k] === undefined && status[k] === 'ok')
    })
    if (ids.length > MAX_FULL_RECORDS)
      throw new CmcError('HUB_REQUEST_INVALID', `the sides hold ${ids.length} runs beside published results; the hub reads at most ${MAX_FULL_RECORDS} whole`, {
        hint: 'narrow the sides with --where',
      })
    await this.records(ids)
  }

  /** What selectRecords (`full`: at most that many) or selectComparable (`compare`) reads for a spec. */
  async selection(spec: string, full: number | 'compare'): Promise<void> {
    if (ID.test(spec)) await this.records([spec])
    else if (SELECT_PREFIX.test(spec)) await this.prefix(spec)
    else if (full === 'compare') await this.side(spec)
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
  await Promise.all([f.names(), f.selection(a, 'compare'), f.selection(b, 'compare')])
  await f.runsBesideResults([a, b], opts.per !== undefined)
  return answer((events) => compareSelections(f.store, a, b, opts, events))
}
