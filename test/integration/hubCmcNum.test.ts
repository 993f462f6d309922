// cmc_num, the hub's reading of a record's text as a number (sqlQuery.ts
// compares a query's number with it), against what the local store's
// compare() reads: Number(text) where the text is not empty and that is
// finite, white space trimmed as Number() trims it (Unicode's, not only
// ASCII's). Run on the real PostgreSQL, after every migration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { openDb, type Db } from '../../src/hub/db.js'
import { freshDatabase, serverUrl } from '../unit/hub/harness.js'

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

/** Every code point a text can hold (PostgreSQL refuses NUL, UTF-16 surrogates are no characters), the astral planes sampled. */
const CODE_POINTS = [
  ...Array.from({ length: 0xffff }, (_, k) => k + 1).filter((c) => c < 0xd800 || c > 0xdfff),
  ...Array.from({ length: 0x100 }, (_, k) => 0x10000 + k * 0x1001),
  0x10ffff,
]

/** What cmc_num gives for each text, as the numbers JavaScript reads back. */
async function hubNumbers(texts: string[]): Promise<Map<string, number | null>> {
  const rows = await db.query<{ t: string; n: number | null }>('select t, cmc_num(t) as n from unnest($1::text[]) as t', [texts])
  return new Map(rows.map((r) => [r.t, r.n === null ? null : Number(r.n)]))
}

describe('cmc_num reads text as the local store does', () => {
  it('gives the number JavaScript gives, or null where it gives none', async () => {
    const hub = await hubNumbers(TEXTS)
    expect(Object.fromEntries(hub)).toEqual(Object.fromEntries(TEXTS.map((t) => [t, javascript(t)])))
  })

  it('trims every white space character Number() trims, and no other, around a number or alone', async () => {
    const texts = CODE_POINTS.flatMap((c) => {
      const ch = String.fromCodePoint(c)
      return [`${ch}5${ch}`, ch, `${ch}0x1F`]
    })
    const hub = await hubNumbers(texts)
    const differ = texts.filter((t) => !Object.is(hub.get(t), javascript(t)))
    expect(
      differ.map((t) => `U+${t.codePointAt(0)!.toString(16).padStart(4, '0')} in ${JSON.stringify(t)}: hub ${hub.get(t)}, local ${javascript(t)}`),
    ).toEqual([])
    // named here too, so that Number() itself changing would be seen
    const trimmed = CODE_POINTS.filter((c) => hub.get(`${String.fromCodePoint(c)}5${String.fromCodePoint(c)}`) === 5)
    expect(trimmed.map((c) => c.toString(16))).toEqual([
      '9',
      'a',
      'b',
      'c',
      'd',
      '20',
      'a0',
      '1680',
      ...'2000 2001 2002 2003 2004 2005 2006 2007 2008 2009 200a 2028 2029 202f 205f 3000 feff'.split(' '),
    ])
  })

  it("reads a number between runs of mixed white space, JavaScript's and ASCII", async () => {
    const ws = ' \t\u00a0\u2003\ufeff\u3000\n'
    const texts = [`${ws}12${ws}`, `${ws}1e3`, `-7.5${ws}`, ws, `${ws}x${ws}`, `\u00851\u0085`, `\u180e1`, `\u200b1`]
    const hub = await hubNumbers(texts)
    expect(texts.map((t) => hub.get(t))).toEqual([12, 1000, -7.5, 0, null, null, null, null])
    expect(texts.map((t) => hub.get(t))).toEqual(texts.map(javascript))
  })
})

describe('in a database whose encoding is not UTF8', () => {
  it('the migrations apply, and cmc_num trims the ASCII white space', async () => {
    const name = `cmc_test_cmc_num_ascii_${process.pid}`
    const admin = new pg.Client({ connectionString: serverUrl() })
    await admin.connect()
    try {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.query(`create database ${name} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0`)
      const ascii = await openDb(Object.assign(new URL(serverUrl()), { pathname: `/${name}` }).toString())
      try {
        const rows = await ascii.query<{ n: number | null }>('select cmc_num(t) as n from unnest($1::text[]) with ordinality as u(t, k) order by k', [
          [' \t5\n\v', '\f0x10\r', '\t', 'v5'],
        ])
        expect(rows.map((r) => r.n)).toEqual([5, 16, 0, null])
      } finally {
        await ascii.close()
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  })
})
