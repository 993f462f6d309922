// The record query language of `cmc exp list --where`: parse trees (precedence
// NOT > AND > OR, parentheses), evaluation against index summaries (numbers vs
// strings, dates, tags, attributes) and syntax errors that point at a column.
// Dates are read strictly (ISO 8601, UTC without an offset) and compared as instants.
import { describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { SummaryTable } from '../../../src/store/indexTable.js'
import { compileQuery, evaluate, evaluateTable } from '../../../src/store/query/evaluate.js'
import { parseQuery, type QueryNode } from '../../../src/store/query/parseQuery.js'
import type { RecordSummary } from '../../../src/store/summary.js'

/** A compact rendering of a tree: (a AND b), (a OR b), NOT a, field op value. */
function show(n: QueryNode): string {
  switch (n.type) {
    case 'and':
      return `(${show(n.left)} AND ${show(n.right)})`
    case 'or':
      return `(${show(n.left)} OR ${show(n.right)})`
    case 'not':
      return `NOT ${show(n.expr)}`
    case 'cmp':
      return `${n.field}${n.op}${typeof n.value === 'number' ? `#${n.value}` : JSON.stringify(n.value)}`
  }
}

function syntaxErr(q: string): CmcError {
  try {
    parseQuery(q)
  } catch (e) {
    if (e instanceof CmcError) return e
    throw e
  }
  throw new Error(`expected ${JSON.stringify(q)} to be rejected`)
}

const summary = (over: Partial<RecordSummary> = {}): RecordSummary => ({
  id: '20261124T101500123Z-0a1b2c3d',
  createdAt: '2026-11-24T10:15:00.123Z',
  benchmark: 'matmul',
  image: 'python-numpy',
  digest: 'sha256:aaaa',
  platform: 'x86_64',
  status: 'ok',
  host: 'lab-1',
  params: { batch: 8, dtype: 'fp16', label: '10', fast: true },
  metrics: { throughput: 150.5, latency_ms: 4.25, 'lat.p50': 3 },
  tags: ['gpu', 'nightly'],
  ...over,
})

const matches = (where: string, s: RecordSummary = summary()) => compileQuery(where)(s)

describe('parseQuery: precedence and grouping', () => {
  it('binds and tighter than or, on either side', () => {
    expect(show(parseQuery('status = ok or platform = arm64 and params.batch > 4'))).toBe('(status="ok" OR (platform="arm64" AND params.batch>#4))')
    expect(show(parseQuery('status = ok and platform = arm64 or params.batch > 4'))).toBe('((status="ok" AND platform="arm64") OR params.batch>#4)')
  })

  it('binds not tighter than and, and chains left to right', () => {
    expect(show(parseQuery('not status = ok and platform = x86_64'))).toBe('(NOT status="ok" AND platform="x86_64")')
    expect(show(parseQuery('not not status = ok'))).toBe('NOT NOT status="ok"')
    expect(show(parseQuery('status = a and status = b and status = c'))).toBe('((status="a" AND status="b") AND status="c")')
    expect(show(parseQuery('status = a or status = b or status = c'))).toBe('((status="a" OR status="b") OR status="c")')
  })

  it('lets parentheses override precedence, including under not', () => {
    expect(show(parseQuery('(status = ok or platform = arm64) and params.batch > 4'))).toBe('((status="ok" OR platform="arm64") AND params.batch>#4)')
    expect(show(parseQuery('not (status = ok and platform = arm64)'))).toBe('NOT (status="ok" AND platform="arm64")')
    expect(show(parseQuery('((status = ok))'))).toBe('status="ok"')
  })

  it('accepts keywords in any case and operators without spaces', () => {
    expect(show(parseQuery('NOT status=ok AND metrics.throughput>=100 Or tags~gpu'))).toBe('((NOT status="ok" AND metrics.throughput>=#100) OR tags~"gpu")')
    expect(show(parseQuery('params.batch==8'))).toBe('params.batch=#8')
    expect(show(parseQuery('metrics.x!=1'))).toBe('metrics.x!=#1')
  })

  it('keeps quoted values as strings and numbers as numbers', () => {
    const n = (q: string) => parseQuery(q) as Extract<QueryNode, { type: 'cmp' }>
    expect(n('params.batch = 8').value).toBe(8)
    expect(n('params.batch = "8"').value).toBe('8')
    expect(n("params.dtype = 'fp16'").value).toBe('fp16')
    expect(n('metrics.x > -2.5e3').value).toBe(-2500)
    expect(n('date >= 2026-11-24').value).toBe('2026-11-24')
    expect(n('status = "has space and or"').value).toBe('has space and or')
    expect(n('  params.x = 1').col).toBe(2)
  })

  it('evaluates the trees the way the precedence says', () => {
    const s = summary({ status: 'failed', platform: 'x86_64', params: { batch: 8 } })
    // status = failed or platform = arm64 and params.batch > 100
    //   and-first: true or (false and false) = true;  or-first: (true or false) and false = false
    expect(matches('status = failed or platform = arm64 and params.batch > 100', s)).toBe(true)
    expect(matches('(status = failed or platform = arm64) and params.batch > 100', s)).toBe(false)
    // not status = failed and platform = arm64
    //   not-first: (not true) and false = false;  not over the and: not (true and false) = true
    expect(matches('not status = failed and platform = arm64', s)).toBe(false)
    expect(matches('not (status = failed and platform = arm64)', s)).toBe(true)
    // not status = failed or platform = x86_64
    //   not-first: (not true) or true = true;  not over the or: not (true or true) = false
    expect(matches('not status = failed or platform = x86_64', s)).toBe(true)
    expect(matches('not (status = failed or platform = x86_64)', s)).toBe(false)
  })
})

describe('parseQuery: errors point at the column', () => {
  it('raises a CmcError with code QUERY_SYNTAX, category input, and a caret under the column', () => {
    const q = 'status = ok and bogus > 3'
    const e = syntaxErr(q)
    expect(e.code).toBe('QUERY_SYNTAX')
    expect(e.category).toBe('input')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe('unknown field "bogus" at column 17')
    expect(e.data).toEqual({ column: 17 })
    expect(e.details).toEqual([q, '                ^'])
    expect(q[e.details[1].indexOf('^')]).toBe('b')
    expect(e.hint).toContain('metrics.NAME')
  })

  it('points at a lone "!" (column 8)', () => {
    const q = 'status ! ok'
    const e = syntaxErr(q)
    expect(e.message).toBe('unexpected character "!" at column 8')
    expect(e.details[1]).toBe('       ^')
    expect(q[e.details[1].length - 1]).toBe('!')
  })

  it('points past the end for an unclosed parenthesis and a dangling and', () => {
    const q1 = '(status = ok or platform = arm64'
    const e1 = syntaxErr(q1)
    expect(e1.message).toBe(`expected ")" at column ${q1.length + 1}`)
    expect(e1.details[1]).toBe(' '.repeat(q1.length) + '^')
    const q2 = 'status = ok and'
    const e2 = syntaxErr(q2)
    expect(e2.message).toBe('expected a comparison, found the end at column 16')
    expect(e2.data).toEqual({ column: 16 })
  })

  it('points at the opening quote of an unterminated string', () => {
    const e = syntaxErr('status = "ok')
    expect(e.message).toBe('unterminated string at column 10')
    expect(e.details[1]).toBe('         ^')
    expect(e.hint).toContain('"')
  })

  it('rejects a missing operator, a missing value, and trailing tokens at their columns', () => {
    expect(syntaxErr('status ok').message).toBe('expected an operator (= != < <= > >= ~) after status at column 8')
    expect(syntaxErr('status =').message).toBe('expected a value after = at column 9')
    expect(syntaxErr('status = ok)').message).toBe('unexpected ")" at column 12')
    expect(syntaxErr('metrics.x > 1 metrics.y < 2').message).toBe('unexpected "metrics.y" at column 15')
    expect(syntaxErr('status = ok and or platform = x').message).toBe('expected a field name, found "or" at column 17')
    expect(syntaxErr('metrics. > 1').message).toBe('unknown field "metrics." at column 1')
    expect(syntaxErr('not').message).toBe('expected a comparison, found the end at column 4')
    expect(syntaxErr('()').message).toBe('expected a field name, found ")" at column 2')
  })

  it('treats an empty or blank where as match-all, but an empty parse as an error', () => {
    expect(compileQuery(undefined)(summary())).toBe(true)
    expect(compileQuery('   ')(summary())).toBe(true)
    expect(syntaxErr('').message).toBe('expected a comparison, found the end at column 1')
  })
})

describe('evaluate: types and fields', () => {
  it('compares metrics as numbers, not as strings', () => {
    // as strings "150.5" < "20" would hold
    expect(matches('metrics.throughput > 20')).toBe(true)
    expect(matches('metrics.throughput < 20')).toBe(false)
    expect(matches('metrics.throughput >= 150.5')).toBe(true)
    expect(matches('metrics.throughput > 150.5')).toBe(false)
    expect(matches('metrics.throughput = 150.50')).toBe(true)
    expect(matches('metrics.throughput != 150.5')).toBe(false)
    expect(matches('metrics.latency_ms <= 4.25 and metrics.latency_ms > 4.2')).toBe(true)
    // a quoted number against a numeric field still compares numerically
    expect(matches('metrics.throughput > "20"')).toBe(true)
    // dotted metric names (flattened JSON) are reachable
    expect(matches('metrics.lat.p50 = 3')).toBe(true)
  })

  it('never matches a missing field, not even with !=', () => {
    expect(matches('metrics.nope > 0')).toBe(false)
    expect(matches('metrics.nope != 0')).toBe(false)
    expect(matches('params.nope = 1')).toBe(false)
    expect(matches('not metrics.nope > 0')).toBe(true)
  })

  it('compares params by their type: numbers, numeric strings, strings, booleans', () => {
    expect(matches('params.batch = 8')).toBe(true)
    expect(matches('params.batch >= 16')).toBe(false)
    expect(matches('params.batch < 16')).toBe(true) // 8 < 16 numerically ("8" > "16" as strings)
    // a string param that looks like a number compares as a number against a number...
    expect(matches('params.label > 9')).toBe(true) // "10" -> 10 > 9
    // ...and as a string against a quoted string
    expect(matches('params.label > "9"')).toBe(false) // "10" < "9"
    expect(matches('params.dtype = fp16')).toBe(true)
    expect(matches('params.dtype != fp32')).toBe(true)
    expect(matches('params.dtype ~ FP')).toBe(true) // contains, case-insensitive
    expect(matches('params.fast = true')).toBe(true)
    expect(matches('params.fast = false')).toBe(false)
  })

  it('compares a non-numeric string with a number as strings', () => {
    // "fp16" > "5" as strings (f = 0x66 > 5 = 0x35); a numeric comparison would be impossible
    expect(matches('params.dtype > 5')).toBe(true)
    expect(matches('params.dtype < 5')).toBe(false)
    // a numeric field against a word that is not a number never equals it
    expect(matches('metrics.throughput = fast')).toBe(false)
    expect(matches('metrics.throughput != fast')).toBe(true)
  })

  it('matches a whole day with date = yyyy-mm-dd and orders timestamps in time', () => {
    expect(matches('date = 2026-11-24')).toBe(true)
    expect(matches('createdAt = 2026-11-24')).toBe(true)
    expect(matches('date = 2026-11-25')).toBe(false)
    expect(matches('date >= 2026-11-24')).toBe(true)
    expect(matches('date < 2026-11-25')).toBe(true)
    expect(matches('date > 2026-11-24T10:16')).toBe(false)
    expect(matches('date > 2026-11-24T10:14')).toBe(true)
    expect(matches('date < 2026-01-01')).toBe(false)
    // a bare day compares with the record's day, for every operator
    expect(matches('date != 2026-11-24')).toBe(false)
    expect(matches('date <= 2026-11-24')).toBe(true)
    expect(matches('date > 2026-11-24')).toBe(false)
    expect(matches('date < 2026-11-24')).toBe(false)
    expect(matches('date >= 2026-11-25')).toBe(false)
    // the full timestamp is only equal to itself
    expect(matches('date = "2026-11-24T10:15:00.123Z"')).toBe(true)
    expect(matches('date = "2026-11-24T10:15:00.124Z"')).toBe(false)
  })

  it('treats tags as a set: = and ~ mean has, != means has not, ordering never matches', () => {
    expect(matches('tags = gpu')).toBe(true)
    expect(matches('tags ~ nightly')).toBe(true)
    expect(matches('tags ~ nigh')).toBe(false) // has, not substring
    expect(matches('tags = cpu')).toBe(false)
    expect(matches('tags != cpu')).toBe(true)
    expect(matches('tags != gpu')).toBe(false)
    expect(matches('tags > a')).toBe(false)
    expect(matches('tags = gpu', summary({ tags: [] }))).toBe(false)
    expect(matches('tags != gpu', summary({ tags: [] }))).toBe(true)
  })

  it('reads the attributes status, benchmark, platform, digest, image, host and id', () => {
    expect(matches('status = ok')).toBe(true)
    expect(matches('status = OK')).toBe(false) // values are case-sensitive for =
    expect(matches('status != failed')).toBe(true)
    expect(matches('benchmark = matmul and image = python-numpy')).toBe(true)
    expect(matches('benchmark = python-numpy')).toBe(false) // image alias is not the benchmark
    expect(matches('platform = x86_64')).toBe(true)
    expect(matches('platform = arm64')).toBe(false)
    expect(matches('digest = "sha256:aaaa"')).toBe(true)
    expect(matches('digest ~ AAAA')).toBe(true)
    expect(matches('digest = sha256:bbbb')).toBe(false)
    expect(matches('host = lab-1')).toBe(true)
    expect(matches('id ~ 0a1b2c3d')).toBe(true)
    expect(matches('id = 20261124T101500123Z-ffffffff')).toBe(false)
  })

  it('filters a list of summaries with a compound query', () => {
    const rows = [
      summary({ id: 'a', platform: 'x86_64', params: { batch: 4 }, metrics: { throughput: 90 } }),
      summary({ id: 'b', platform: 'arm64', params: { batch: 8 }, metrics: { throughput: 120 } }),
      summary({ id: 'c', platform: 'arm64', params: { batch: 2 }, metrics: { throughput: 300 }, status: 'failed' }),
      summary({ id: 'd', platform: 'x86_64', params: { batch: 16 }, metrics: { throughput: 101 } }),
      summary({ id: 'e', platform: 'x86_64', params: { batch: 16 }, metrics: {} }),
    ]
    const tree = parseQuery('metrics.throughput > 100 and (platform = arm64 or params.batch >= 8) and not status = failed')
    expect(rows.filter((r) => evaluate(tree, r)).map((r) => r.id)).toEqual(['b', 'd'])
  })
})

describe('dates: ISO 8601, read strictly, compared as instants', () => {
  const at = (createdAt: string) => summary({ createdAt })

  it('accepts dates and date-times with optional seconds, fraction and Z or an offset', () => {
    const s = at('2026-12-01T23:59:30.250Z')
    for (const q of [
      'date = 2026-12-01',
      'date = 2026-12-01T23:59',
      "date = '2026-12-01 23:59'",
      'date = "2026-12-01 23:59:30"',
      'date = 2026-12-01T23:59:30.25',
      'date = 2026-12-01T23:59:30.250Z',
      'date = 2026-12-02T01:59:30.250+02:00',
      'date = 2026-12-02T01:59:30.250+0200',
      'date = 2026-12-02T01:59+02',
      'date = 2026-12-01T18:29-05:30',
      'createdAt = 2026-12-01T23:59:30Z',
    ])
      expect(matches(q, s), q).toBe(true)
  })

  it('reads a time without an offset as UTC, whatever the local time zone', () => {
    const s = at('2026-11-24T23:30:00.000Z')
    expect(matches('date = 2026-11-24', s)).toBe(true)
    expect(matches("date = '2026-11-24 23:30'", s)).toBe(true)
    expect(matches('date < 2026-11-24T23:31', s)).toBe(true)
    expect(matches('date < 2026-11-24T23:30', s)).toBe(false)
  })

  it('compares instants, not strings: offsets, a space before the time, a time in the future', () => {
    const s = at('2026-11-24T10:15:00.123Z')
    // as strings "2026-11-24T10:15:00.123Z" >= "2026-11-24T11:15:00.123+01:00" is false
    expect(matches('date >= 2026-11-24T11:15:00.123+01:00', s)).toBe(true)
    expect(matches('date > 2026-11-24T11:15:00.123+01:00', s)).toBe(false)
    expect(matches('date < 2026-11-24T05:15:00.124-05:00', s)).toBe(true)
    // as strings "2026-12-01T10:00..." >= "2026-12-01 23:59" holds ("T" sorts after " ")
    expect(matches("date >= '2026-12-01 23:59'", at('2026-12-01T10:00:00.000Z'))).toBe(false)
    expect(matches("date >= '2026-12-01 23:59'", at('2026-12-01T23:59:00.000Z'))).toBe(true)
    expect(matches("date < '2026-12-01 23:59'", at('2026-12-01T10:00:00.000Z'))).toBe(true)
  })

  it('treats a value as the span it names: a day, a minute, a second, a fraction', () => {
    const s = at('2026-11-24T10:15:42.500Z')
    // the minute 10:15 holds the record: = and <= include it, > starts after it
    expect(matches('date = 2026-11-24T10:15', s)).toBe(true)
    expect(matches('date <= 2026-11-24T10:15', s)).toBe(true)
    expect(matches('date > 2026-11-24T10:15', s)).toBe(false)
    expect(matches('date >= 2026-11-24T10:15', s)).toBe(true)
    expect(matches('date < 2026-11-24T10:15', s)).toBe(false)
    expect(matches('date != 2026-11-24T10:15', s)).toBe(false)
    expect(matches('date = 2026-11-24T10:15:42', s)).toBe(true)
    expect(matches('date = 2026-11-24T10:15:43', s)).toBe(false)
    expect(matches('date = 2026-11-24T10:15:42.5', s)).toBe(true)
    expect(matches('date = 2026-11-24T10:15:42.4', s)).toBe(false)
    expect(matches('date > 2026-11-24T10:15:42.4', s)).toBe(true)
    expect(matches('date > 2026-11-24T10:15:42.5', s)).toBe(false)
  })

  it('compares a record whose time is not in the canonical form as the same instant', () => {
    for (const createdAt of ['2026-11-24T10:15:00Z', '2026-11-24T11:15:00.000+01:00', '2026-11-24T10:15:00.000Z']) {
      const s = at(createdAt)
      expect(matches('date = 2026-11-24T10:15', s), createdAt).toBe(true)
      expect(matches('date > 2026-11-24T10:14:59.999', s), createdAt).toBe(true)
      expect(matches('date < 2026-11-24T10:15:00.001', s), createdAt).toBe(true)
    }
    // a record without a readable time never matches a date comparison
    expect(matches('date < 2100-01-01', at('someday'))).toBe(false)
    expect(matches('date != 2100-01-01', at('someday'))).toBe(false)
  })

  it('answers date queries over index columns as per-record evaluation does', () => {
    const times = [
      '2026-11-24T10:15:00.123Z',
      '2026-11-24T23:59:59.999Z',
      '2026-11-25T00:00:00.000Z',
      '2026-12-01T23:59:00.000Z',
      '2026-11-24T11:15:00.123+01:00',
      '2026-11-24T10:15:00Z',
      'someday',
    ]
    const queries = [
      'date = 2026-11-24',
      'date > 2026-11-24',
      'date <= 2026-11-24T10:15',
      "date >= '2026-12-01 23:59'",
      'date < 2026-11-24T11:15:00.124+01:00',
      'date != 2026-11-25',
      'createdAt >= 0001-01-01 and date < 9999-12-31T23:59:59.999Z',
      'date > 9999-12-31T23:59:59.999-02:00',
      'date < 0000-01-01T00:00+02:00',
    ]
    // few distinct values (a dictionary) and many (packed text)
    for (const n of [times.length, 3000]) {
      const rows = Array.from({ length: n }, (_, i) =>
        summary({ id: `r${i}`, createdAt: i < times.length ? times[i]! : new Date(Date.UTC(2026, 10, 20) + i * 613_000).toISOString() }),
      )
      const table = SummaryTable.from(rows)
      for (const q of queries) {
        const tree = parseQuery(q)
        const want = rows.map((s) => (evaluate(tree, s) ? 1 : 0))
        expect([...evaluateTable(tree, table)], `${q} (${n} rows)`).toEqual(want)
      }
    }
  })

  it('rejects anything else on a date field, pointing at the value, with the accepted forms', () => {
    for (const [q, value] of [
      ['date >= 12/01/2026', '12/01/2026'],
      ['date >= 2026-12-1', '2026-12-1'],
      ['date >= yesterday', 'yesterday'],
      ['createdAt < 2026', '2026'],
      ['date = 2026-12', '2026-12'],
      ['date = 2026-13-01', '2026-13-01'],
      ['date = 2026-02-29', '2026-02-29'],
      ['date = 2026-12-01T24:00', '2026-12-01T24:00'],
      ['date = 2026-12-01T23:60', '2026-12-01T23:60'],
      ['date = 2026-12-01T23', '2026-12-01T23'],
      ['date = 2026-12-01T23:59:30.', '2026-12-01T23:59:30.'],
      ['date = 2026-12-01T23:59+25:00', '2026-12-01T23:59+25:00'],
      ['date = 2026-12-01Z', '2026-12-01Z'],
      ['status = ok and date > "Dec 1 2026"', '"Dec 1 2026"'],
    ] as const) {
      const e = syntaxErr(q)
      const col = q.indexOf(value)
      expect(e.code, q).toBe('QUERY_SYNTAX')
      expect(e.message, q).toBe(`"${value.replace(/^"|"$/g, '')}" is not a date at column ${col + 1}`)
      expect(e.details, q).toEqual([q, `${' '.repeat(col)}^`])
      expect(e.hint, q).toContain('2026-12-01T23:59')
      expect(e.hint, q).toContain('UTC')
    }
    // a leap day is a date
    expect(matches('date = 2028-02-29', summary({ createdAt: '2028-02-29T12:00:00.000Z' }))).toBe(true)
  })

  it('asks for quotes around a date and a time with a space between, and refuses ~ on dates', () => {
    const q = 'date >= 2026-12-01 23:59 and status = ok'
    const e = syntaxErr(q)
    expect(e.message).toBe('unexpected "23:59" at column 20')
    expect(e.hint).toContain("'2026-12-01 23:59'")
    const t = syntaxErr('date ~ 2026-11')
    expect(t.message).toBe('"~" does not compare dates at column 6')
    expect(t.hint).toContain('date >= 2026-11-01 and date < 2026-12-01')
  })
})
