// Benchmark meta that could only fail at run time is refused when it is
// loaded, with its file:line:col: regex metrics that cannot give a value, and
// a timeout no run could meet.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { loadArtifactFile } from '../../../src/meta/load.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'

const root = tmpDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))
const repo = { name: 't', root }
let n = 0

/** Loads a benchmark whose meta is these lines after kind, alias, image and command (lines 1-4). */
function load(...lines: string[]) {
  const rel = `b${n++}/cmc.yaml`
  writeTree(root, { [rel]: ['kind: benchmark', 'alias: b', 'image: x', 'command: run', ...lines, ''].join('\n') })
  return loadArtifactFile(path.join(root, rel), repo)
}
function loadError(...lines: string[]): CmcError {
  try {
    load(...lines)
  } catch (e) {
    expect(e).toBeInstanceOf(CmcError)
    return e as CmcError
  }
  throw new Error('expected an error')
}
const regexMetrics = (...patterns: string[]) => ['outputs:', '  metrics:', '    format: regex', '    patterns:', ...patterns.map((p) => `      ${p}`)]

describe('regex metrics are checked when the meta loads', () => {
  it('a pattern without a capture group points at the pattern and says how to capture', () => {
    const e = loadError(...regexMetrics("ms: 'took \\d+ ms'"))
    expect(e.code).toBe('META_INVALID')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe("outputs.metrics.patterns.ms: 'took \\d+ ms' has no capture group for the value")
    expect(e.where).toMatchObject({ line: 9, col: 11 })
    expect(e.hint).toBe("put the number in parentheses, e.g. ms: 'took ([0-9.]+) ms'")
  })

  it('a non-capturing group or an escaped parenthesis is not a capture group', () => {
    expect(loadError(...regexMetrics("ms: 'took (?:\\d+) ms'")).code).toBe('META_INVALID')
    expect(loadError(...regexMetrics("ms: 'took \\(\\d+\\) ms'")).code).toBe('META_INVALID')
  })

  it('a pattern that does not compile points at the pattern', () => {
    const e = loadError(...regexMetrics("ok: 'a (\\d+)'", "broken: 'took ([0-9.]+ ms'"))
    expect(e.code).toBe('METRICS_REGEX')
    expect(e.message).toMatch(/^outputs\.metrics\.patterns\.broken: invalid regex 'took \(\[0-9\.\]\+ ms': /)
    expect(e.where).toMatchObject({ line: 10, col: 15 })
  })

  it('format: regex without patterns is a missing key at outputs.metrics', () => {
    const e = loadError('outputs:', '  metrics:', '    format: regex')
    expect(e.code).toBe('META_MISSING_KEY')
    expect(e.message).toBe('outputs.metrics has format: regex but no patterns')
    expect(e.where).toMatchObject({ line: 6 })
    expect(e.hint).toMatch(/^add "patterns:"/)
    expect(loadError('outputs:', '  metrics:', '    format: regex', '    patterns: {}').code).toBe('META_MISSING_KEY')
  })

  it('patterns with a group, named or not, load', () => {
    const a = load(...regexMetrics("ms: 'took (\\d+) ms'", "gflops: 'GFLOP/s: (?<v>[0-9.]+)'", "p99: '(?:p99|P99)=([0-9.]+)'"))
    expect(a.alias).toBe('b')
  })
})

describe('timeout', () => {
  it('0 is refused, as --timeout 0 is', () => {
    const e = loadError('timeout: 0')
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toBe('timeout must be > 0')
    expect(e.where).toMatchObject({ line: 5, col: 10 })
  })

  it('a negative timeout is refused, a fraction of a second is not', () => {
    expect(loadError('timeout: -5').code).toBe('META_INVALID')
    expect(load('timeout: 0.5').alias).toBe('b')
  })
})

describe('the MLPerf scenario a run declares (outputs.metrics.scenario)', () => {
  it('is a scenario or a template, at its line', () => {
    const e = loadError('outputs:', '  metrics:', '    format: loadgen', '    scenario: Interactiv')
    expect(e.code).toBe('META_INVALID')
    expect(e.where).toMatchObject({ line: 8, col: 15 })
    expect(e.message).toBe('outputs.metrics.scenario: "Interactiv" is not an MLPerf scenario')
    expect(e.hint).toBe('did you mean "Interactive"?')
    expect(load('outputs:', '  metrics:', '    format: loadgen', '    scenario: Interactive').meta).toMatchObject({
      outputs: { metrics: { scenario: 'Interactive' } },
    })
    expect(load('outputs:', '  metrics:', '    format: loadgen', "    scenario: '{{scenario}}'").meta).toMatchObject({
      outputs: { metrics: { scenario: '{{scenario}}' } },
    })
  })

  it('is for LoadGen logs only', () => {
    const e = loadError('outputs:', '  metrics:', '    format: json', '    scenario: Interactive')
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toBe('outputs.metrics.scenario is the MLPerf scenario LoadGen logs stand for, and these metrics are format: json')
    expect(e.where).toMatchObject({ line: 8 })
    expect(e.hint).toBe('set format: loadgen, or leave scenario out')
  })
})
