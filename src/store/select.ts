// Picking records: a record id (or a unique id prefix) or a query. A query or
// sort naming a metric or param no record has still runs, with a warning that
// names the nearest field there is (unknownFields.ts).
import { CmcError } from '../errors.js'
import { nearest } from '../meta/nearest.js'
import type { EventSink } from '../events.js'
import { isField, SORT_ATTRIBUTES } from './indexTable.js'
import { parseWhere } from './query/evaluate.js'
import { HUB_FIELDS } from './query/parseQuery.js'
import { comparedFields, queriedFields, warnHubOnlyFields, warnUnknownFields, warnUnmatchable } from './query/unknownFields.js'
import type { Comparable } from './compare.js'
import type { ExperimentRecord } from './record.js'
import type { Selection, Store } from './store.js'
import type { RecordSummary } from './summary.js'
import { limitsOf } from './summary.js'

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/
/** The start of a record id: `20261124T1015`, `20261124T101500123Z-1a2b` */
const ID_PREFIX = /^\d{8}T[\dZ-]*[0-9a-f-]*$/

/** Whether a compare side or a show spec names records by id (whole or a prefix) rather than by a query. */
export function isIdSpec(spec: string): boolean {
  return ID.test(spec) || ID_PREFIX.test(spec)
}
/** What a --sort takes, for its errors. */
const SORT_HINT = `FIELD is ${SORT_ATTRIBUTES.join(', ')}, params.NAME or metrics.NAME (a hub's also ${HUB_FIELDS.join(', ')}); e.g. --sort metrics.gflops:desc`
/** A run of a query side is compared by its medians, never its repeats. */
const NO_REPEATS: Comparable['repeats'] = []

/** The records a query matches, after a warning for each metric or param it names that no record has. */
function selectWhere(store: Store, where: string | undefined, events?: EventSink): Selection {
  const tree = parseWhere(where)
  const sel = store.select(tree, events)
  if (tree) {
    warnUnknownFields(store, sel, queriedFields(tree), events)
    warnUnmatchable(store, sel, tree, events)
    if (!store.hubFields) warnHubOnlyFields(comparedFields(tree), events)
  }
  return sel
}

export function querySummaries(store: Store, where: string | undefined, opts: { sort?: string; limit?: number; events?: EventSink } = {}): RecordSummary[] {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) {
    throw new CmcError('FLAG_VALUE', `--limit ${opts.limit}: expected a number of records, 1 or more`, {
      hint: 'e.g. --limit 10; leave --limit out to list every match',
    })
  }
  const sel = selectWhere(store, where, opts.events)
  let order = Array.from({ length: sel.length }, (_, k) => k)
  if (opts.sort) {
    const [field, dir, ...more] = opts.sort.split(':')
    const known = isField(field!) || HUB_FIELDS.includes(field!)
    if (!known && /^[a-zA-Z][\w.-]*$/.test(field!) && !/^(params|metrics)$/.test(field!)) {
      const near = nearest(field!, [...SORT_ATTRIBUTES, ...HUB_FIELDS], 1)
      throw new CmcError(
        'SORT_INVALID',
        `--sort ${opts.sort}: expected FIELD or FIELD:desc, and records have no field ${field}${near.length ? `; did you mean ${near[0]}?` : ''}`,
        {
          hint: SORT_HINT,
        },
      )
    }
    if (!known || (dir !== undefined && dir !== 'asc' && dir !== 'desc') || more.length) {
      throw new CmcError('SORT_INVALID', `--sort ${opts.sort}: expected FIELD or FIELD:desc`, {
        hint: SORT_HINT,
      })
    }
    warnUnknownFields(store, sel, [field!], opts.events, '--sort: ')
    if (!store.hubFields) warnHubOnlyFields([field!], opts.events, '--sort: ')
    const sign = dir === 'desc' ? -1 : 1
    const keys = sel.values(field!) as Array<string | number | boolean | undefined>
    order = order.sort((a, b) => {
      const x = keys[a],
        y = keys[b]
      if (x === undefined) return y === undefined ? 0 : 1
      if (y === undefined) return -1
      return (x < y ? -1 : x > y ? 1 : 0) * sign
    })
  }
  if (opts.limit !== undefined) order = order.slice(0, opts.limit)
  return order.map((k) => sel.row(k))
}

/** The record whose id starts with `prefix`; undefined when none does, RECORD_AMBIGUOUS when several do. */
function byIdPrefix(store: Store, prefix: string, events?: EventSink): ExperimentRecord | undefined {
  const hits = (store.select(undefined, events).values('id') as string[]).filter((id) => id.startsWith(prefix))
  if (hits.length > 1) throw new CmcError('RECORD_AMBIGUOUS', `${prefix} matches ${hits.length} records`, { hint: 'give more of the id (`cmc exp list`)' })
  return hits.length ? store.get(hits[0]!) : undefined
}

/** An id, a unique id prefix, or a query (see docs/store.md). */
export function selectRecords(store: Store, spec: string, events?: EventSink): ExperimentRecord[] {
  if (ID.test(spec)) return [store.get(spec)]
  if (ID_PREFIX.test(spec)) {
    const r = byIdPrefix(store, spec, events)
    if (!r) throw new CmcError('RECORD_NOT_FOUND', `no record id starts with ${spec}`, { hint: 'list the ids with `cmc exp list`' })
    return [r]
  }
  const out: ExperimentRecord[] = []
  for (const s of querySummaries(store, spec, { events })) {
    const r = readOrSkip(store, s.id, events)
    if (r) out.push(r)
  }
  return out
}

/** A record a query listed, or undefined with a warning when its file cannot be read. */
function readOrSkip(store: Store, id: string, events?: EventSink): ExperimentRecord | undefined {
  try {
    return store.get(id)
  } catch (e) {
    events?.({ type: 'log', level: 'warn', message: `skipped ${id}: ${(e as Error).message}` })
    return undefined
  }
}

/**
 * The one record a command about a record means (`exp show`, `exp reproduce`):
 * an id, a unique prefix of one (any length), or else a query's first match
 * (with a warning that names how many matched).
 * One word that is neither is "not found", not a query syntax error.
 */
export function findRecord(store: Store, spec: string, events?: EventSink): ExperimentRecord {
  if (!ID.test(spec) && /^[\w.:-]+$/.test(spec)) {
    const r = byIdPrefix(store, spec, events)
    if (r) return r
    throw new CmcError('RECORD_NOT_FOUND', `no record ${spec}`, {
      hint: "give a record id or a unique prefix of one (`cmc exp list`), or a query such as 'benchmark = stream and status = ok'",
    })
  }
  if (ID.test(spec)) return store.get(spec)
  const hits = querySummaries(store, spec, { events })
  for (const s of hits) {
    const r = readOrSkip(store, s.id, events)
    if (!r) continue
    if (hits.length > 1)
      events?.({
        type: 'log',
        level: 'warn',
        message: `${hits.length} records match "${spec}"; this is the first, ${r.id} (\`cmc exp list --where '${spec}'\` lists them; give an id for another)`,
      })
    return r
  }
  throw new CmcError('RECORD_NOT_FOUND', `no record matches ${spec}`, { hint: 'list records with `cmc exp list`' })
}

/**
 * The runs of one side of a compare: an id gives that record (its repeats are
 * the samples); a query gives its successful runs, compared by their medians
 * from the index, with units and direction read from one of the records.
 */
export function selectComparable(store: Store, spec: string, events?: EventSink): Comparable[] {
  if (isIdSpec(spec)) return selectRecords(store, spec, events)
  // read only the fields a compare needs, straight from the index columns
  const sel = selectWhere(store, spec, events)
  const status = sel.values('status')
  const ok: number[] = []
  for (let k = 0; k < sel.length; k++) if (status[k] === 'ok') ok.push(k)
  if (ok.length < sel.length)
    events?.({ type: 'log', level: 'warn', message: `${sel.length - ok.length} run(s) matching "${spec}" did not succeed and are left out` })
  const ids = sel.values('id') as string[]
  if (ok.length <= 1) return ok.map((k) => store.get(ids[k]!))
  const meta = store.get(ids[ok[0]!]!).metrics
  const medians = sel.metricNames().map((n) => [n, sel.values(`metrics.${n}`)] as const)
  const [platform, digest, host, benchmark, limits] = (['platform', 'digest', 'host', 'benchmark', 'limits'] as const).map((f) => sel.values(f) as string[])
  const params = sel.paramNames().map((n) => [n, sel.values(`params.${n}`)] as const)
  const emulated = sel.values('emulated')
  // a side's runs share a few images, hosts, benchmarks and limits: one value each, shared by those runs
  // (nothing changes a Comparable's parts), so that a large side makes fewer objects
  const shared = <T>(make: (text: string) => T) => {
    const made = new Map<string, T>()
    return (text: string): T => {
      if (!made.has(text)) made.set(text, make(text))
      return made.get(text)!
    }
  }
  const [imageOf, hostOf, benchmarkOf] = [shared((digest) => ({ digest })), shared((hostname) => ({ hostname })), shared((alias) => ({ alias }))]
  const limitsOfText = shared(limitsOf)
  return ok.map((k) => {
    const metrics: Comparable['metrics'] = {}
    for (const [n, col] of medians) {
      const median = col[k]
      if (typeof median === 'number') metrics[n] = { median, unit: meta[n]?.unit, higherIsBetter: meta[n]?.higherIsBetter }
    }
    const run: Comparable = { id: ids[k]!, platform: platform![k]!, image: imageOf(digest![k]!), host: hostOf(host![k]!), repeats: NO_REPEATS, metrics }
    if (emulated[k] === true) run.emulated = true
    // the run's setup, where its index line keeps one (lines written before the index kept limits do not)
    if (limits![k] !== undefined) {
      run.benchmark = benchmarkOf(benchmark![k]!)
      run.params = {}
      for (const [n, col] of params) if (col[k] !== undefined) run.params[n] = col[k] as string | number | boolean
      const runLimits = limitsOfText(limits![k]!)
      if (runLimits) run.limits = runLimits
    }
    return run
  })
}
