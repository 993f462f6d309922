// cmc_num, the hub's reading of a record's text as a number (sqlQuery.ts
// compares a query's number with it), against what the local store's
// compare() reads: Number(text) where the text is not empty and that is
// finite. Run on the real PostgreSQL, after every migration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../../src/hub/db.js'
import { freshDatabase } from '../unit/hub/harness.js'

let db: Db
let drop: () => Promise<void>

beforeAll(async () => {
  const fresh = await freshDatabase('cmc_num')
  drop = fresh.drop
  db = await openDb(fresh.url)
})
afterAll(async () => {
  await db?.close()
  await drop?.()
})

const javascript = (t: string) => (t !== '' && Number.isFinite(Number(t)) ? Number(t) : null)

const TEXTS = [
  ...['', ' ', '\t', '\n\r\f\v', '42', ' 42 ', '\t7\n', '\v5\v', '+5', '-5', '-0', '00012', '.5', '5.', '1e5', '1E-5', '1e', 'e5', '.', '+', '-'],
  ...['v5', '5v', 'v5.0', 'vv', 'abc', '1_000', '1,5', 'Infinity', '-Infinity', 'NaN', '0x', '0b', '0o'],
  ...[
    '0x1F',
    '0X1f',
    '0x1fffffffffffff',
    '0x20000000000001',
    '0x1fffffffffffffffff',
    `0x${'f'.repeat(300)}`,
    '-0x10',
    '+0x10',
    '0xg',
    '0b101',
    '0B11',
    '0b2',
    '0o17',
    '0O7',
    '0o8',
    '0o777777777777777777',
    `0b1${'0'.repeat(60)}1`,
  ],
  ...['1e308', '1.7976931348623157e308', '2e308', '1e400', '-1e400', '1e-300', '1e-400', '-1e-400', '4.9e-324', '2e-324'],
]

describe('cmc_num reads text as the local store does', () => {
  it('gives the number JavaScript gives, or null where it gives none', async () => {
    const rows = await db.query<{ t: string; n: number | null }>('select t, cmc_num(t) as n from unnest($1::text[]) as t', [TEXTS])
    const hub = Object.fromEntries(rows.map((r) => [r.t, r.n === null ? null : Number(r.n)]))
    expect(hub).toEqual(Object.fromEntries(TEXTS.map((t) => [t, javascript(t)])))
  })
})
