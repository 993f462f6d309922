// The query language compiled to SQL: every value and every metric or param
// name is a bind parameter, never text of the statement, so no query can
// change the statement; the placeholders and the values agree.
import { describe, expect, it } from 'vitest'
import { Binder, orderSql, usesFacts, whereSql } from '../../../src/hub/sqlQuery.js'
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

  it("reads emulation, source and the published fields from a run's facts, by a bound name", () => {
    for (const q of ['emulated = true', 'not source = mlperf', 'accelerators >= 8', 'platform = arm64 and (scenario = Offline or round ~ v5)']) {
      expect(usesFacts(parseWhere(q)), q).toBe(true)
      const { text, values } = compile(q)
      expect(text, q).toContain('facts -> $')
      expect(text, q).not.toMatch(/emulated|source|accelerators|scenario|round/)
      expect(values, q).toEqual(expect.arrayContaining([expect.stringMatching(/^(emulated|source|accelerators|scenario|round)$/)]))
    }
    for (const q of ['platform = arm64', 'not tags = nightly and date < 2026-12-01', 'metrics.source > 1 or params.emulated = true'])
      expect(usesFacts(parseWhere(q)), q).toBe(false)
  })
})
