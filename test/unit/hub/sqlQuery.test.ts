// The query language compiled to SQL: every value and every metric or param
// name is a bind parameter, never text of the statement, so no query can
// change the statement; the placeholders and the values agree.
import { describe, expect, it } from 'vitest'
import { Binder, orderSql, whereSql } from '../../../src/hub/sqlQuery.js'
import { parseWhere } from '../../../src/store/query/evaluate.js'

const compile = (q: string) => {
  const b = new Binder(['project'])
  const text = whereSql(parseWhere(q), b)
  return { text, values: b.values }
}

describe('queries compiled to parameterised SQL', () => {
  it('values and names are parameters, never statement text', () => {
    const hostile = [
      'benchmark = "x\'; drop table records; --"',
      'params.a;drop;table;records;-- = 1',
      "metrics.x;--drop > '1 or 1=1'",
      'tags = "a\' or 1=1"',
      "host ~ '%_'",
    ]
    for (const q of hostile) {
      const { text, values } = compile(q)
      expect(text, q).not.toMatch(/drop|--|%_|or 1=1/i)
      expect(
        values.slice(1).some((v) => typeof v === 'string' && /drop|--|%|1=1|"/.test(v)),
        q,
      ).toBe(true)
    }
  })

  it('every placeholder has a value and every value a placeholder', () => {
    const fields = ['metrics.x', 'params.y', 'benchmark', 'tags', 'id', 'date']
    const values = ['1', "'1'", 'abc', "''", '2026-12-01']
    for (const f of fields)
      for (const op of ['=', '!=', '<', '<=', '>', '>=', '~'])
        for (const v of values) {
          const q = `${f} ${op} ${v}`
          let compiled
          try {
            compiled = compile(q)
          } catch {
            continue // not a query (a date field against a non-date)
          }
          const used = new Set([...compiled.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))
          expect(
            [...used].sort((a, b) => a - b),
            q,
          ).toEqual(Array.from({ length: compiled.values.length - 1 }, (_, i) => i + 2))
        }
  })

  it('orders by attributes and metrics in SQL, and leaves params to JavaScript', () => {
    const b = new Binder(['p'])
    expect(orderSql(undefined, b)).toBe('seq')
    expect(orderSql('host:desc', b)).toBe('host collate "C" desc, seq')
    expect(orderSql("metrics.a'b", b)).toContain('$2')
    expect(b.values).toEqual(['p', "a'b"])
    expect(orderSql('params.batch', b)).toBeUndefined()
  })
})
