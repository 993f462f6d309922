// A benchmark that declares metrics and does not produce them has failed,
// whichever way the metrics were declared (a JSON file, regexes over stdout),
// and the record says which metric and where it was looked for. Values a
// JSON file holds that are not numbers are named, not dropped silently.
import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repeatMetrics } from '../../../src/collect/benchmarkMetrics.js'
import { parseJsonMetrics } from '../../../src/collect/parseJsonMetrics.js'
import { parseRegexMetrics } from '../../../src/collect/parseRegexMetrics.js'
import { tmpDir } from '../../helpers/tmp.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
/** An outputs folder holding metrics.json with this text. */
function withMetricsFile(text: string): string {
  const d = tmpDir('cmc-declared-')
  dirs.push(d)
  writeFileSync(path.join(d, 'metrics.json'), text)
  return d
}
const empty = () => withMetricsFile('{}')

const regex = (patterns?: Record<string, string>) => ({ dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'regex' as const, patterns } })
const json = { dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'json' as const, file: 'metrics.json' } }

describe('regex metrics that stdout does not give fail the repeat', () => {
  it('a pattern that never matches names the metric and the pattern', () => {
    const got = repeatMetrics(regex({ gflops: 'GFLOP/s: ([0-9.]+)' }), empty(), 'starting\ndone\n')
    expect(got.metrics).toEqual({})
    expect(got.problem).toBe("metric gflops: pattern 'GFLOP/s: ([0-9.]+)' matched nothing in stdout")
  })

  it('one metric missing out of two fails the repeat and keeps the one found', () => {
    const got = repeatMetrics(regex({ ms: 'took (\\d+) ms', gflops: 'GFLOP/s: ([0-9.]+)' }), empty(), 'took 12 ms\n')
    expect(got.metrics).toEqual({ ms: 12 })
    expect(got.problem).toContain('metric gflops')
    expect(got.problem).not.toContain('metric ms')
  })

  it('a capture that is not a number says what it captured', () => {
    const got = repeatMetrics(regex({ loss: 'loss: (\\S+)' }), empty(), 'loss: nan\n')
    expect(got.problem).toBe(`metric loss: pattern 'loss: (\\S+)' captured "nan", not a number`)
  })

  it('format: regex with no patterns declares nothing it could read', () => {
    expect(repeatMetrics(regex(), empty(), 'took 12 ms\n').problem).toMatch(/^outputs\.metrics declares format: regex but no patterns/)
    expect(repeatMetrics(regex({}), empty(), 'took 12 ms\n').problem).toMatch(/no patterns/)
  })

  it('a pattern without a capture group gives no value (the meta check refuses it before the run)', () => {
    const got = repeatMetrics(regex({ whole: '^\\d+$' }), empty(), 'value 42\n7\n')
    expect(got.metrics).toEqual({})
    expect(got.problem).toBe("metric whole: pattern '^\\d+$' has no capture group for the value")
    expect(parseRegexMetrics('value 42\n7\n', { whole: '^\\d+$' })).toEqual({})
  })

  it('every pattern matching is a success with no problem', () => {
    const got = repeatMetrics(regex({ ms: 'took (\\d+) ms' }), empty(), 'took 9 ms\ntook 12 ms\n')
    expect(got).toEqual({ metrics: { ms: 12 } })
  })
})

describe('a JSON metrics file that gives no numbers fails the repeat', () => {
  it('an object of strings: failed, naming the file and what it held instead', () => {
    const got = repeatMetrics(json, withMetricsFile('{"gflops": "12.5", "host": "x"}'), '')
    expect(got.metrics).toEqual({})
    expect(got.problem).toBe('metrics file metrics.json holds no numbers (not numbers: gflops (string), host (string))')
  })

  it('an empty object: failed', () => {
    expect(repeatMetrics(json, withMetricsFile('{}'), '').problem).toBe('metrics file metrics.json holds no numbers')
  })

  it('not JSON: a failed repeat with the parser message, not an error that loses the record', () => {
    const got = repeatMetrics(json, withMetricsFile('{"gflops": 12.5,'), '')
    expect(got.metrics).toEqual({})
    expect(got.problem).toMatch(/^metrics\.json is not valid JSON: /)
  })

  it('an array at the top: failed, saying an object was expected', () => {
    expect(repeatMetrics(json, withMetricsFile('[1, 2, 3]'), '').problem).toBe('metrics.json holds an array, not an object of numbers')
  })
})

describe('JSON values that are not metrics are named in a warning', () => {
  it('strings, arrays, booleans and nulls beside numbers: ok, with one warning naming each', () => {
    const text = JSON.stringify({ gflops: 12.5, version: '1.2', hist: [1, 2], lat: { p50: 3, unit: 'ms' }, ok: true, none: null })
    const got = repeatMetrics(json, withMetricsFile(text), '')
    expect(got.problem).toBeUndefined()
    expect(got.metrics).toEqual({ gflops: 12.5, 'lat.p50': 3 })
    expect(got.warnings).toEqual([
      'metrics.json: 5 values are not numbers, so not metrics: version (string), hist (array), lat.unit (string), ok (boolean), none (null)',
    ])
  })

  it('the parser lists what it dropped', () => {
    expect(parseJsonMetrics('{"a": 1, "b": "2", "c": [3]}', 'm.json')).toEqual({ metrics: { a: 1 }, dropped: ['b (string)', 'c (array)'] })
  })

  it('a long list is cut after ten names, with the count', () => {
    const text = JSON.stringify({ n: 1, ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`s${i}`, 'x'])) })
    const [warning] = repeatMetrics(json, withMetricsFile(text), '').warnings ?? []
    expect(warning).toMatch(/^metrics\.json: 14 values are not numbers, so not metrics: s0 \(string\), .*s9 \(string\) and 4 more$/)
  })

  it('a file of numbers only gives no warning', () => {
    expect(repeatMetrics(json, withMetricsFile('{"a": 1, "b": {"c": 2}}'), '')).toEqual({ metrics: { a: 1, 'b.c': 2 } })
  })
})
