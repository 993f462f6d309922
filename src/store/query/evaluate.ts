// Evaluating a parsed query against index summaries. Numbers compare as
// numbers, everything else as strings (ISO dates sort as strings); a missing
// field never matches (not even !=), so `metrics.x > 1` skips runs without x.
import type { RecordSummary } from '../summary.js'
import { parseQuery, type Op, type QueryNode } from './parseQuery.js'

function fieldValue(s: RecordSummary, field: string): unknown {
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
    case '=': return x === y
    case '!=': return x !== y
    case '<': return x < y
    case '<=': return x <= y
    case '>': return x > y
    case '>=': return x >= y
  }
}

export function evaluate(n: QueryNode, s: RecordSummary): boolean {
  switch (n.type) {
    case 'and': return evaluate(n.left, s) && evaluate(n.right, s)
    case 'or': return evaluate(n.left, s) || evaluate(n.right, s)
    case 'not': return !evaluate(n.expr, s)
    case 'cmp': {
      // A bare day compares with the record's day: date = 2026-11-24 is the whole
      // day, date <= 2026-11-24 includes it, date > 2026-11-24 starts the next.
      if ((n.field === 'date' || n.field === 'createdAt') && typeof n.value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(n.value)) {
        return compare(s.createdAt.slice(0, 10), n.op, n.value)
      }
      return compare(fieldValue(s, n.field), n.op, n.value)
    }
  }
}

export function compileQuery(where: string | undefined): (s: RecordSummary) => boolean {
  if (!where || !where.trim()) return () => true
  const tree = parseQuery(where)
  return (s) => evaluate(tree, s)
}
