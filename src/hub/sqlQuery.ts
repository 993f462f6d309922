// The record query language (src/store/query/) compiled to PostgreSQL over the
// hub's records table, with every value and every metric or param name a bind
// parameter: the text of a query never becomes SQL. Each comparison keeps the
// rules of evaluate.ts's compare(): a missing field never matches (not even
// !=), numbers compare as numbers, a number against text that reads as a
// number compares as numbers, else as text; text compares by code point
// (COLLATE "C"); `~` is a case-insensitive contains; `tags = x` is has. What
// JavaScript decides about the query's own value (is it numeric, what String()
// gives) is decided here, once, so the SQL only reads the records' side.
// A field no column holds (emulated, a published result's source, round,
// submitter..., a LoadGen scenario) is one of the run's facts: the runs
// table's `facts`, which the records table has not, so a query naming one is
// answered from runs (usesFacts). A differential test
// (test/integration/hubDifferential.test.ts) holds the two to the same rows.
import type { Op, QueryNode } from '../store/query/parseQuery.js'

/** Text columns of the records table: the query's attribute fields. */
const TEXT_COLUMNS: Record<string, string> = {
  id: 'id',
  benchmark: 'benchmark',
  image: 'image',
  digest: 'digest',
  platform: 'platform',
  status: 'status',
  host: 'host',
  limits: 'limits',
  createdAt: 'created_at',
  date: 'created_at',
  /** the user of the token that pushed the record: a hub's field, which a local store has not */
  pushedBy: 'pushed_by',
}

const SQL_OP: Record<Exclude<Op, '~'>, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }

/** Collects bind values into a statement's list; `$n` for each. */
export class Binder {
  constructor(readonly values: unknown[] = []) {}
  bind(v: unknown): string {
    this.values.push(v)
    return `$${this.values.length}`
  }
}

/** JavaScript's `Number.isFinite(Number(text))` for a non-empty text: what compare() asks of a value. */
const numericText = (text: string) => text !== '' && Number.isFinite(Number(text))

/** Whether a query names a field only the runs table holds (its `facts`). */
export function usesFacts(tree: QueryNode | undefined): boolean {
  if (!tree) return false
  switch (tree.type) {
    case 'and':
    case 'or':
      return usesFacts(tree.left) || usesFacts(tree.right)
    case 'not':
      return usesFacts(tree.expr)
    case 'cmp':
      return jsonField(tree.field) === 'facts'
  }
}

/** The jsonb column a field is read from (metrics.NAME, params.NAME, else a fact); undefined for a text column or tags. */
function jsonField(field: string): 'metrics' | 'params' | 'facts' | undefined {
  if (field.startsWith('metrics.')) return 'metrics'
  if (field.startsWith('params.')) return 'params'
  return Object.hasOwn(TEXT_COLUMNS, field) || field === 'tags' ? undefined : 'facts'
}

/** The WHERE condition of a parsed query, its values bound into the statement's (over runs where usesFacts). */
export function whereSql(tree: QueryNode | undefined, b: Binder): string {
  return tree ? node(tree, b) : 'true'
}

function node(n: QueryNode, b: Binder): string {
  switch (n.type) {
    case 'and':
      return `(${node(n.left, b)} and ${node(n.right, b)})`
    case 'or':
      return `(${node(n.left, b)} or ${node(n.right, b)})`
    case 'not':
      return `(not ${node(n.expr, b)})`
    case 'cmp':
      // never NULL (the text columns are NOT NULL, a missing key falls to the CASE's else),
      // so `not` inverts it as evaluate() does, and an index on the column still serves it
      return cmp(n, b)
  }
}

function cmp(n: Extract<QueryNode, { type: 'cmp' }>, b: Binder): string {
  if (n.span) return dateCmp(TEXT_COLUMNS[n.field]!, n.op, n.span, b)
  if (n.field === 'tags') {
    if (n.op !== '=' && n.op !== '!=' && n.op !== '~') return 'false'
    const has = `(${b.bind(String(n.value))}::text = any(tags))`
    return n.op === '!=' ? `(not ${has})` : has
  }
  const column = TEXT_COLUMNS[n.field]
  if (column) return textCmp(column, n.op, n.value, b)
  const kind = jsonField(n.field)!
  const j = `(${kind} -> ${b.bind(kind === 'facts' ? n.field : n.field.slice(kind.length + 1))}::text)`
  // what the field holds decides the comparison, per row, as typeof does in compare()
  return `(case jsonb_typeof(${j}) when 'number' then ${numberCmp(`(${j})::float8`, `(${j} #>> '{}')`, n.op, n.value, b)} when 'string' then ${textCmp(
    `(${j} #>> '{}')`,
    n.op,
    n.value,
    b,
  )} when 'boolean' then ${textCmp(`(${j} #>> '{}')`, n.op, n.value, b)} else false end)`
}

const contains = (text: string, value: string | number, b: Binder) => `(strpos(lower(${text}), lower(${b.bind(String(value))}::text)) > 0)`

/** A record's number x (SQL float8) against the query's value. */
function numberCmp(x: string, asText: string, op: Op, value: string | number, b: Binder): string {
  if (op === '~') return contains(asText, value, b)
  if (typeof value === 'number') return `(${x} ${SQL_OP[op]} ${b.bind(value)}::float8)`
  if (op === '=' || op === '!=') {
    // a text value is read as a number only when it is one; otherwise x is never equal to it
    if (numericText(value)) return `(${x} ${SQL_OP[op]} ${b.bind(Number(value))}::float8)`
    return op === '=' ? 'false' : 'true'
  }
  // < <= > >= between a number and a text: JavaScript reads the text as a number (NaN compares false)
  const y = Number(value)
  return Number.isNaN(y) ? 'false' : `(${x} ${SQL_OP[op]} ${b.bind(String(y))}::float8)`
}

/** A record's text x against the query's value. */
function textCmp(x: string, op: Op, value: string | number, b: Binder): string {
  if (op === '~') return contains(x, value, b)
  if (typeof value === 'string') return `(${x} ${SQL_OP[op]} ${b.bind(value)}::text collate "C")`
  // a number: compared as numbers when the record's text reads as one, else as texts
  const n = b.bind(value)
  return `(case when cmc_num(${x}) is not null then cmc_num(${x}) ${SQL_OP[op]} ${n}::float8 else ${x} ${SQL_OP[op]} ${b.bind(String(value))}::text collate "C" end)`
}

const LAST_CANONICAL = '9999-12-31T23:59:59.999Z'

/** A bound as a canonical time sorts among canonical times (what evaluate.ts's dateMatcher compares with). */
function canonicalBound(ms: number): string {
  if (ms > Date.parse(LAST_CANONICAL)) return `${LAST_CANONICAL}~`
  const text = new Date(ms).toISOString()
  return text.startsWith('-') ? '' : text
}

/**
 * A time against the span a date value names. The hub keeps only canonical
 * times (toISOString's form; recordCheck.ts refuses others), which sort as text.
 */
function dateCmp(column: string, op: Op, span: { from: number; to: number }, b: Binder): string {
  const from = () => `(${column} >= ${b.bind(canonicalBound(Math.ceil(span.from)))}::text collate "C")`
  const to = () => `(${column} < ${b.bind(canonicalBound(Math.ceil(span.to)))}::text collate "C")`
  switch (op) {
    case '=':
      return `(${from()} and ${to()})`
    case '!=':
      return `(not (${from()} and ${to()}))`
    case '<':
      return `(not ${from()})`
    case '<=':
      return to()
    case '>':
      return `(not ${to()})`
    default:
      return from()
  }
}

/**
 * ORDER BY for `--sort FIELD[:desc]`, as querySummaries sorts: rows without
 * the field last either way, ties in push order; undefined for a field SQL
 * cannot order as JavaScript's < does. Attributes are always text and metrics
 * always numbers; a param may be a number in one record and text in another,
 * which < compares as numbers (an order no ORDER BY gives), so those rows are
 * sorted by querySummaries itself.
 */
export function orderSql(sort: string | undefined, b: Binder): string | undefined {
  if (!sort) return 'seq'
  const [field, dir] = sort.split(':')
  const d = dir === 'desc' ? 'desc' : 'asc'
  const column = TEXT_COLUMNS[field!]
  if (column) return `${column} collate "C" ${d}, seq`
  if (!field!.startsWith('metrics.')) return undefined
  const j = `(metrics -> ${b.bind(field!.slice(8))}::text)`
  return `jsonb_typeof(${j}) is distinct from 'number', (case when jsonb_typeof(${j}) = 'number' then (${j})::float8 end) ${d}, seq`
}
