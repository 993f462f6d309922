// Evaluating a parsed query against index summaries. Numbers compare as
// numbers, everything else as strings (ISO dates sort as strings); a missing
// field never matches (not even !=), so `metrics.x > 1` skips runs without x.
import type { RecordSummary } from '../summary.js'
import { valueAt, type SummaryTable } from '../indexTable.js'
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
  // A bare day compares with the record's day: date = 2026-11-24 is the whole
  // day, date <= 2026-11-24 includes it, date > 2026-11-24 starts the next.
  if ((n.field === 'date' || n.field === 'createdAt') && typeof n.value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(n.value)) {
    return (value) => typeof value === 'string' && compare(value.slice(0, 10), n.op, n.value)
  }
  return (value) => compare(value, n.op, n.value)
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
