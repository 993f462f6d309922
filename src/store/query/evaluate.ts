// Evaluating a parsed query against index summaries. Numbers compare as
// numbers, dates as instants, everything else as strings; a missing field
// never matches (not even !=), so `metrics.x > 1` skips runs without x.
import type { RecordSummary } from '../summary.js'
import { valueAt, type SummaryTable } from '../indexTable.js'
import { parseDateSpan, type DateSpan } from './dateSpan.js'
import { parseQuery, type Op, type QueryNode } from './parseQuery.js'

type CmpNode = Extract<QueryNode, { type: 'cmp' }>

export function fieldValue(s: RecordSummary, field: string): unknown {
  if (field.startsWith('metrics.')) return s.metrics[field.slice(8)]
  if (field.startsWith('params.')) return s.params[field.slice(7)]
  if (field === 'date' || field === 'createdAt') return s.createdAt
  if (field === 'image') return s.image
  return (s as unknown as Record<string, unknown>)[field]
}

function compare(a: unknown, op: Op, b: string | number): boolean {
  if (a === undefined || a === null) return false
  if (Array.isArray(a)) {
    const has = a.map(String).includes(String(b))
    return op === '!=' ? !has : op === '=' || op === '~' ? has : false
  }
  if (op === '~') return String(a).toLowerCase().includes(String(b).toLowerCase())
  let x: number | string = typeof a === 'number' ? a : String(a)
  let y: number | string = b
  if (typeof x === 'number' && typeof y === 'string' && y !== '' && Number.isFinite(Number(y))) y = Number(y)
  if (typeof x === 'string' && typeof y === 'number') {
    if (x !== '' && Number.isFinite(Number(x))) x = Number(x)
    else y = String(y)
  }
  if (typeof x === 'boolean') x = String(x)
  switch (op) {
    case '=':
      return x === y
    case '!=':
      return x !== y
    case '<':
      return x < y
    case '<=':
      return x <= y
    case '>':
      return x > y
    case '>=':
      return x >= y
  }
}

/** Whether one comparison holds for a field's value (undefined: the field is missing). */
function matcher(n: CmpNode): (value: unknown) => boolean {
  if (n.span) return dateMatcher(n.op, n.span)
  return (value) => compare(value, n.op, n.value)
}

/** The form toISOString writes, which every record's createdAt has. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const LAST_CANONICAL = '9999-12-31T23:59:59.999Z'

/**
 * A record's time against the span a date value names: = is inside it, < before
 * it, <= before its end, > from its end on, >= from its start on. Canonical
 * times are whole milliseconds that sort as strings, so they are compared with
 * the bounds written the same way (no Date per row); any other form of time is
 * read as a date value is.
 */
function dateMatcher(op: Op, span: DateSpan): (value: unknown) => boolean {
  const from = Math.ceil(span.from),
    to = Math.ceil(span.to)
  const holds = (atOrAfterFrom: boolean, beforeTo: boolean): boolean => {
    switch (op) {
      case '=':
        return atOrAfterFrom && beforeTo
      case '!=':
        return !(atOrAfterFrom && beforeTo)
      case '<':
        return !atOrAfterFrom
      case '<=':
        return beforeTo
      case '>':
        return !beforeTo
      default:
        return atOrAfterFrom
    }
  }
  const [fromText, toText] = [from, to].map(canonicalBound)
  return (value) => {
    if (typeof value !== 'string') return false
    if (CANONICAL.test(value)) return holds(value >= fromText!, value < toText!)
    const at = parseDateSpan(value)?.from
    return at !== undefined && holds(at >= span.from, at < span.to)
  }
}

/** A bound as a canonical time sorts among canonical times, for bounds beyond the years 0000-9999 too. */
function canonicalBound(ms: number): string {
  if (ms > Date.parse(LAST_CANONICAL)) return `${LAST_CANONICAL}~` // after every canonical time
  const text = new Date(ms).toISOString()
  return text.startsWith('-') ? '' : text // before every canonical time
}

export function evaluate(n: QueryNode, s: RecordSummary): boolean {
  switch (n.type) {
    case 'and':
      return evaluate(n.left, s) && evaluate(n.right, s)
    case 'or':
      return evaluate(n.left, s) || evaluate(n.right, s)
    case 'not':
      return !evaluate(n.expr, s)
    case 'cmp':
      return matcher(n)(fieldValue(s, n.field))
  }
}

/**
 * The same query over the index's columns: one bit per row. A comparison runs
 * once per distinct value of a dictionary column, once per row of a number column.
 */
export function evaluateTable(n: QueryNode, t: SummaryTable): Uint8Array {
  if (n.type === 'not') {
    const a = evaluateTable(n.expr, t)
    for (let i = 0; i < a.length; i++) a[i] = a[i]! ^ 1
    return a
  }
  if (n.type !== 'cmp') {
    const a = evaluateTable(n.left, t)
    const b = evaluateTable(n.right, t)
    if (n.type === 'and') for (let i = 0; i < a.length; i++) a[i] = a[i]! & b[i]!
    else for (let i = 0; i < a.length; i++) a[i] = a[i]! | b[i]!
    return a
  }
  const out = new Uint8Array(t.size)
  const c = t.column(n.field)
  if (!c) return out
  const matches = matcher(n)
  if (c.kind === 'num') {
    const y = typeof n.value === 'number' ? n.value : n.value !== '' && Number.isFinite(Number(n.value)) ? Number(n.value) : undefined
    const d = c.data
    if (y !== undefined && n.op !== '~') {
      // numbers against a number: what compare() does, without a call per row
      const op = n.op
      for (let i = 0; i < t.size; i++) {
        const x = d[i]!
        out[i] = x !== x ? 0 : (op === '>' ? x > y : op === '>=' ? x >= y : op === '<' ? x < y : op === '<=' ? x <= y : op === '=' ? x === y : x !== y) ? 1 : 0
      }
    } else {
      for (let i = 0; i < t.size; i++) out[i] = !Number.isNaN(d[i]!) && matches(d[i]) ? 1 : 0
    }
  } else if (c.kind === 'text') {
    for (let i = 0; i < t.size; i++) out[i] = matches(valueAt(c, i)) ? 1 : 0
  } else {
    const hit = Uint8Array.from([0, ...c.values.map((v) => (matches(v) ? 1 : 0))])
    const codes = c.codes
    for (let i = 0; i < t.size; i++) out[i] = hit[codes[i]!]!
  }
  return out
}

/** The parsed --where query, undefined when empty; errors point at the column. */
export function parseWhere(where: string | undefined): QueryNode | undefined {
  return where && where.trim() ? parseQuery(where) : undefined
}

export function compileQuery(where: string | undefined): (s: RecordSummary) => boolean {
  const tree = parseWhere(where)
  return tree ? (s) => evaluate(tree, s) : () => true
}
