// A metric or param that no record in the store has is most often a typo
// (`metrics.secnds`): the query is still valid and runs, it matches nothing by
// that field, and a warning names the nearest field records do have. What the
// store has is read from the index columns, never from record files, and only
// when none of the rows the query matched has the field. Likewise a query that
// matches nothing names the comparisons no record can meet (a value no record
// has, a word against numbers).
import type { EventSink } from '../../events.js'
import { nearest } from '../../meta/nearest.js'
import type { Selection, Store } from '../store.js'
import { HUB_FIELDS, type QueryNode } from './parseQuery.js'

type Kind = 'metrics' | 'params'

/** How many names a warning lists when none is near. */
const LISTED = 8

/** The metric and param fields a query compares, each once, in the order they appear. */
export function queriedFields(tree: QueryNode): string[] {
  return comparedFields(tree).filter((f) => kindOf(f))
}

/** One warning for each of these fields (a query's, a sort's) that only a hub holds: in a local store no record has it. */
export function warnHubOnlyFields(fields: string[], events: EventSink | undefined, prefix = ''): void {
  for (const field of fields.filter((f) => HUB_FIELDS.includes(f)))
    events?.({ type: 'log', level: 'warn', message: `${prefix}${field} is known to a hub only (who pushed each record): no record in a local store has it` })
}

type Comparison = Extract<QueryNode, { type: 'cmp' }>

/** Every comparison of a query, in the order they appear. */
function comparisons(tree: QueryNode): Comparison[] {
  if (tree.type === 'cmp') return [tree]
  if (tree.type === 'not') return comparisons(tree.expr)
  return [...comparisons(tree.left), ...comparisons(tree.right)]
}

/** Every field a query compares, each once, in the order they appear. */
export function comparedFields(tree: QueryNode): string[] {
  return [...new Set(comparisons(tree).map((n) => n.field))]
}

/** Fields whose values are names a user types from memory; ids, digests, dates and tags are not. */
const NAMED = /^(status|benchmark|platform|image|host|source|round|submitter|division|availability|system|accelerator|scenario|mode|headline|params\..+)$/

/**
 * For a query that matched nothing, one warning for each comparison no record
 * can meet, read from the index columns:
 * - a field whose values are all numbers against a value that is not one
 *   (`metrics.gbs > fast`, `params.threads = two`, `accelerators >= eight`);
 * - `FIELD = VALUE` of a named field (scenario, round, status, a param, ...)
 *   whose value no record has, with the nearest values there are
 *   (`scenario = offline`: Offline; `round = 4.1`: v4.1).
 */
export function warnUnmatchable(store: Store, matched: Selection, tree: QueryNode, events: EventSink | undefined): void {
  if (!events || matched.length) return
  let all: Selection | undefined
  const warn = (message: string) => events({ type: 'log', level: 'warn', message })
  for (const n of comparisons(tree)) {
    if (n.span || n.op === '!=' || n.op === '~') continue
    all ??= store.select(undefined)
    const column = all.values(n.field).filter((v) => v !== undefined)
    if (!column.length) continue
    if (typeof n.value !== 'number' && column.every((v) => typeof v === 'number')) {
      warn(`${n.field} ${n.op} ${n.value}: every ${n.field} in the store is a number and "${n.value}" is not one, so no record can match`)
      continue
    }
    if (n.op !== '=' || !NAMED.test(n.field)) continue
    // a value written as a number (`round = 4.1`) is still text to a field of text
    const values = new Set(column.filter((v): v is string => typeof v === 'string'))
    const asked = String(n.value)
    if (!values.size || values.has(asked) || column.includes(n.value)) continue
    const near = nearest(asked, values)
    const listed = [...values].sort().slice(0, LISTED)
    warn(
      `no record has ${n.field} = ${asked}; ${near.length ? `did you mean ${near.join(' or ')}?` : `its values: ${listed.join(', ')}${values.size > LISTED ? ', …' : ''}`}`,
    )
  }
}

const kindOf = (field: string): Kind | undefined => (field.startsWith('metrics.') ? 'metrics' : field.startsWith('params.') ? 'params' : undefined)

/**
 * One warning (`prefix` first) for each metric or param among `fields` that no
 * record in the store has. `matched`, the query's selection, answers first: a
 * param one of its rows has, or a metric among its names, is one the store has.
 */
export function warnUnknownFields(store: Store, matched: Selection, fields: readonly string[], events: EventSink | undefined, prefix = ''): void {
  if (!events) return
  let known: KnownFields | undefined
  for (const field of fields) {
    const kind = kindOf(field)
    if (!kind) continue
    const name = field.slice(kind.length + 1)
    if (kind === 'metrics' ? matched.metricNames().includes(name) : matched.values(field).some((v) => v !== undefined)) continue
    known ??= knownFields(store)
    if (known.has(kind, name)) continue
    events({ type: 'log', level: 'warn', message: `${prefix}no record has ${field}${suggestion(known, kind, name)}` })
  }
}

/** "; did you mean …?" with the nearest name of the same kind, else the same name of the other kind, else a list. */
function suggestion(known: KnownFields, kind: Kind, name: string): string {
  const names = known.names(kind)
  const [near] = nearest(name, names, 1)
  if (near !== undefined) return `; did you mean ${kind}.${near}?`
  const other: Kind = kind === 'metrics' ? 'params' : 'metrics'
  if (known.has(other, name)) return `; did you mean ${other}.${name}?`
  if (!names.length) return ''
  const listed = [...names].sort().slice(0, LISTED)
  return `; ${kind}: ${listed.join(', ')}${names.length > LISTED ? ', …' : ''}`
}

interface KnownFields {
  has(kind: Kind, name: string): boolean
  names(kind: Kind): string[]
}

/** The store's metric and param names: the index's columns, and the lines appended since its snapshot. */
function knownFields(store: Store): KnownFields {
  const all = store.select(undefined)
  const names = { metrics: new Set(all.metricNames()), params: new Set(all.paramNames()) }
  return {
    has: (kind, name) => names[kind].has(name),
    names: (kind) => [...names[kind]],
  }
}
