// The record query language of `cmc exp list --where` (docs/store.md):
//   expr := or;  or := and ('or' and)*;  and := not ('and' not)*
//   not := 'not' not | '(' expr ')' | field op value
//   op := = != < <= > >= ~ (contains; for tags: has)
// Precedence NOT > AND > OR. Errors name the column and show a caret. A date
// field's value must be a date (dateSpan.ts), read here once into the span it names.
import { CmcError } from '../../errors.js'
import { DATE_FORMS, parseDateSpan, type DateSpan } from './dateSpan.js'

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~'
export type QueryNode =
  | { type: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { type: 'not'; expr: QueryNode }
  | { type: 'cmp'; field: string; op: Op; value: string | number; col: number; span?: DateSpan }

interface Token {
  kind: 'word' | 'string' | 'op' | 'lparen' | 'rparen' | 'eof'
  text: string
  col: number
}

// where a record comes from (an imported MLPerf result) and its LoadGen scenario
const SOURCE_FIELDS = ['source', 'round', 'submitter', 'division', 'availability', 'system', 'accelerator', 'accelerators', 'scenario', 'mode', 'headline']
/** Fields a hub holds beside each record, which a record itself has not: who pushed it. */
export const HUB_FIELDS = ['pushedBy']
const ATTRIBUTES = [
  'id',
  'status',
  'benchmark',
  'platform',
  'image',
  'digest',
  'host',
  'limits',
  'emulated',
  'date',
  'createdAt',
  'tags',
  ...SOURCE_FIELDS,
  ...HUB_FIELDS,
]

export const isDateField = (field: string) => field === 'date' || field === 'createdAt'

function syntaxError(query: string, col: number, message: string, hint?: string): CmcError {
  return new CmcError('QUERY_SYNTAX', `${message} at column ${col + 1}`, {
    details: [query, `${' '.repeat(col)}^`],
    hint: hint ?? 'e.g. metrics.throughput > 100 and (platform = arm64 or params.batch >= 8)',
    data: { column: col + 1 },
  })
}

function tokenize(q: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '(') {
      out.push({ kind: 'lparen', text: c, col: i })
      i++
      continue
    }
    if (c === ')') {
      out.push({ kind: 'rparen', text: c, col: i })
      i++
      continue
    }
    const op = /^(<=|>=|!=|==|=|<|>|~)/.exec(q.slice(i))
    if (op) {
      out.push({ kind: 'op', text: op[1] === '==' ? '=' : op[1], col: i })
      i += op[1].length
      continue
    }
    if (c === '"' || c === "'") {
      const end = q.indexOf(c, i + 1)
      if (end < 0) throw syntaxError(q, i, 'unterminated string', `close the string with ${c}`)
      out.push({ kind: 'string', text: q.slice(i + 1, end), col: i })
      i = end + 1
      continue
    }
    const w = /^[^\s()<>=!~"']+/.exec(q.slice(i))
    if (!w) throw syntaxError(q, i, `unexpected character "${c}"`)
    out.push({ kind: 'word', text: w[0], col: i })
    i += w[0].length
  }
  out.push({ kind: 'eof', text: '', col: q.length })
  return out
}

export function parseQuery(query: string): QueryNode {
  const toks = tokenize(query)
  let p = 0
  const peek = () => toks[p]
  const isKw = (t: Token, kw: string) => t.kind === 'word' && t.text.toLowerCase() === kw

  const parseOr = (): QueryNode => {
    let left = parseAnd()
    while (isKw(peek(), 'or')) {
      p++
      left = { type: 'or', left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): QueryNode => {
    let left = parseNot()
    while (isKw(peek(), 'and')) {
      p++
      left = { type: 'and', left, right: parseNot() }
    }
    return left
  }
  const parseNot = (): QueryNode => {
    const t = peek()
    if (isKw(t, 'not')) {
      p++
      return { type: 'not', expr: parseNot() }
    }
    if (t.kind === 'lparen') {
      p++
      const e = parseOr()
      if (peek().kind !== 'rparen') throw syntaxError(query, peek().col, `expected ")"`, 'close the parenthesis opened earlier')
      p++
      return e
    }
    return parseCmp()
  }
  const parseCmp = (): QueryNode => {
    const f = peek()
    if (f.kind !== 'word' || ['and', 'or', 'not'].includes(f.text.toLowerCase())) {
      throw syntaxError(query, f.col, f.kind === 'eof' ? 'expected a comparison, found the end' : `expected a field name, found "${f.text}"`)
    }
    const field = f.text
    if (!ATTRIBUTES.includes(field) && !/^(metrics|params)\.[^.]+/.test(field)) {
      throw syntaxError(query, f.col, `unknown field "${field}"`, `fields: ${ATTRIBUTES.join(', ')}, metrics.NAME, params.NAME`)
    }
    p++
    const op = peek()
    if (op.kind !== 'op') throw syntaxError(query, op.col, `expected an operator (= != < <= > >= ~) after ${field}`)
    p++
    const v = peek()
    if (v.kind !== 'word' && v.kind !== 'string') throw syntaxError(query, v.col, `expected a value after ${op.text}`)
    p++
    if (isDateField(field)) return dateCmp(f, op, v)
    const num = v.kind === 'word' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.text) ? Number(v.text) : undefined
    return { type: 'cmp', field, op: op.text as Op, value: num ?? v.text, col: f.col }
  }
  const dateCmp = (f: Token, op: Token, v: Token): QueryNode => {
    if (op.text === '~') {
      throw syntaxError(query, op.col, '"~" does not compare dates', 'compare dates with = != < <= > >=, e.g. date >= 2026-11-01 and date < 2026-12-01')
    }
    const span = parseDateSpan(v.text)
    if (!span) throw syntaxError(query, v.col, `"${v.text}" is not a date`, `write a date as ${DATE_FORMS}`)
    // `date >= 2026-12-01 23:59` unquoted: the time is a word of its own
    const next = peek()
    if (v.kind === 'word' && next.kind === 'word' && /^\d{2}:\d{2}/.test(next.text)) {
      throw syntaxError(query, next.col, `unexpected "${next.text}"`, `quote a date with a time: '${v.text} ${next.text}', or write ${v.text}T${next.text}`)
    }
    return { type: 'cmp', field: f.text, op: op.text as Op, value: v.text, col: f.col, span }
  }

  const tree = parseOr()
  if (peek().kind !== 'eof') throw syntaxError(query, peek().col, `unexpected "${peek().text}"`, 'join comparisons with and / or')
  return tree
}
