// A record's log kept to its head and tail: what the file holds and what the
// record says, checked against the whole output cut by hand, for writes of
// every size.
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CappedLog } from '../../../src/store/cappedLog.js'
import { tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-capped-log-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** Writes `chunks` to a fresh log of `max` bytes; the file, the cut and what else is left in the folder. */
function logOf(max: number, chunks: Array<Buffer | string>) {
  const file = path.join(dir, `log-${n++}.log`)
  const log = new CappedLog(file, max)
  for (const c of chunks) log.write(c)
  const cut = log.close()
  return { text: readFileSync(file, 'latin1'), cut, left: readdirSync(dir).filter((f) => f.startsWith(path.basename(file))) }
}

/** What the file must hold when `all` is cut to `max` bytes. */
function expected(all: string, max: number): string {
  if (all.length <= max) return all
  const head = Math.floor(max / 2)
  const tail = max - head
  const lead = all[head - 1] === '\n' || head === 0 ? '' : '\n'
  const marker = `=== cmc: ${all.length - max} bytes cut here; the first ${head} and the last ${tail} bytes are kept (outputs.maxLogBytes) ===\n`
  return all.slice(0, head) + lead + marker + all.slice(all.length - tail)
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

describe('CappedLog', () => {
  it('keeps a log under the cap byte for byte, and says nothing was cut', () => {
    const { text, cut, left } = logOf(100, ['=== repeat 1/1 ===\n', 'hello\n', Buffer.from('world\n')])
    expect(text).toBe('=== repeat 1/1 ===\nhello\nworld\n')
    expect(cut).toBeUndefined()
    expect(left).toHaveLength(1) // no ring file left beside it
  })

  it('keeps exactly the cap without a marker', () => {
    const all = 'x'.repeat(99) + '\n'
    const { text, cut } = logOf(100, [all.slice(0, 30), all.slice(30)])
    expect(text).toBe(all)
    expect(cut).toBeUndefined()
  })

  it('keeps the head and the tail of a log over the cap, with a marker line and the cut in numbers', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`)
    const all = lines.join('')
    const { text, cut, left } = logOf(200, lines)
    expect(text).toBe(expected(all, 200))
    expect(text.startsWith('line 0\nline 1\n')).toBe(true)
    expect(text.endsWith('line 998\nline 999\n')).toBe(true)
    expect(text).toMatch(new RegExp(`=== cmc: ${all.length - 200} bytes cut here`))
    expect(cut).toEqual({ at: 100, dropped: all.length - 200, total: all.length })
    expect(text.slice(0, cut!.at)).toBe(all.slice(0, 100))
    expect(left).toHaveLength(1)
  })

  it('puts the marker on a line of its own when the head ends mid-line', () => {
    const all = 'abcdefghij'.repeat(10)
    const { text } = logOf(10, [all])
    expect(text).toBe('abcde\n=== cmc: 90 bytes cut here; the first 5 and the last 5 bytes are kept (outputs.maxLogBytes) ===\nfghij')
  })

  it('gives the same file for any way the output is split into writes', () => {
    const random = rng(7)
    for (const max of [1, 2, 7, 64, 1000]) {
      for (const size of [0, 1, max - 1, max, max + 1, 3 * max + 5, 5000]) {
        if (size < 0) continue
        const all = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26)) + (i % 13 === 12 ? '\n' : '')).join('')
        const chunks: string[] = []
        for (let at = 0; at < all.length;) {
          // sometimes one write far bigger than the ring
          const len = random() < 0.1 ? 1 + Math.floor(random() * 3 * max) : 1 + Math.floor(random() * 40)
          chunks.push(all.slice(at, at + len))
          at += len
        }
        const { text, cut } = logOf(max, chunks)
        expect(text, `max ${max}, ${all.length} bytes in ${chunks.length} writes`).toBe(expected(all, max))
        expect(cut?.dropped ?? 0).toBe(Math.max(0, all.length - max))
      }
    }
  })

  it('keeps bytes as written, whatever they are', () => {
    const all = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))
    const { text } = logOf(1000, [all.subarray(0, 1234), all.subarray(1234)])
    expect(text).toBe(expected(all.toString('latin1'), 1000))
  })
})
