// Regex metrics matched as stdout arrives: the same metrics however the output
// is split, line by line, from a few kept lines, and in bounded memory for a
// line that never ends.
import { describe, expect, it } from 'vitest'
import { parseRegexMetrics, RegexLineMatcher } from '../../../src/collect/parseRegexMetrics.js'

const patterns = { throughput: 'throughput = ([0-9.]+)', p50: '^latency p50: ([0-9.]+) ms$', count: '^(\\d+)$' }

/** Benchmark-like output: progress, the metrics, noise between them. */
function output(lines: number): string {
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    if (i % 97 === 0) out.push(`step ${i} throughput = ${i}.5 img/s`)
    else if (i % 89 === 0) out.push(`latency p50: ${i / 10} ms`)
    else if (i % 83 === 0) out.push(String(i))
    else out.push(`filler ${'y'.repeat(i % 50)}`)
  }
  return out.join('\n') + '\n'
}

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

function matchInPieces(text: string, pieces: number[], pats: Record<string, string> = patterns): RegexLineMatcher {
  const m = new RegexLineMatcher(pats)
  let at = 0
  for (const len of pieces) {
    m.write(text.slice(at, at + len))
    at += len
  }
  m.write(text.slice(at))
  return m
}

describe('RegexLineMatcher', () => {
  it('finds the last match of each pattern, as one scan of the whole text does', () => {
    const text = output(5000)
    const m = new RegexLineMatcher(patterns)
    m.write(text)
    expect(m.metrics()).toEqual({ throughput: 4947.5, p50: 498.4, count: 4980 })
  })

  it('gives the same metrics for any split of the output, a piece ending mid-line or mid-pattern', () => {
    const text = output(3000)
    const whole = parseRegexMetrics(text, patterns)
    const random = rng(3)
    for (let trial = 0; trial < 30; trial++) {
      const pieces = Array.from({ length: 400 }, () => 1 + Math.floor(random() * (trial % 2 ? 5 : 300)))
      expect(matchInPieces(text, pieces).metrics(), `trial ${trial}`).toEqual(whole)
    }
  })

  it('keeps only the lines the patterns last matched, and they give the same metrics', () => {
    const text = output(3000)
    const m = matchInPieces(text, [17, 4000, 3, 999])
    const lines = m.matchedLines()
    expect(lines.split('\n')).toEqual(['step 2910 throughput = 2910.5 img/s', 'latency p50: 293.7 ms', '2988'])
    expect(parseRegexMetrics(lines, patterns)).toEqual(m.metrics())
  })

  it('matches a last line that has no newline', () => {
    const m = matchInPieces('a\nthroughput = 1\nthroughput = 2', [3, 5])
    expect(m.metrics()).toEqual({ throughput: 2 })
  })

  it('matches within a line: a pattern that would take a line break sees each line alone', () => {
    const text = 'total:\n12\ntotal: 7\n'
    const m = matchInPieces(text, [2, 9], { total: 'total:\\s*(\\d+)' })
    expect(m.metrics()).toEqual({ total: 7 })
    // and the same when the pattern spans lines in one piece but not in another
    expect(parseRegexMetrics('total:\n12\n', { total: 'total:\\s*(\\d+)' })).toEqual({})
  })

  it('holds at most one long line of a line that never ends, and matches its beginning', () => {
    const m = new RegexLineMatcher({ tag: '^tag=(\\d+)' })
    m.write('tag=5 ')
    const chunk = 'z'.repeat(1 << 16)
    for (let i = 0; i < 200; i++) m.write(chunk) // 13 MB without a newline
    m.write('\ntag=6 after\n')
    expect(m.metrics()).toEqual({ tag: 6 })
    const only = new RegexLineMatcher({ tag: '^tag=(\\d+)' })
    only.write('tag=5 ')
    for (let i = 0; i < 200; i++) only.write(chunk)
    expect(only.metrics()).toEqual({ tag: 5 })
    expect(only.matchedLines().length).toBeLessThanOrEqual(1 << 20)
  })
})
