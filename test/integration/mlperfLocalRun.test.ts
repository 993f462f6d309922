// A run made by `cmc run` beside published MLPerf results, against the real
// engine: a benchmark of our own writes LoadGen logs (a shell script, no real
// LoadGen), its record keeps the same LoadGen facts an imported result has,
// the query language selects it by scenario with the published ones, and
// `exp compare` puts it against them (per accelerator where its host has any),
// refusing another scenario.
import path from 'node:path'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../fixtures/mlperf-tree/generate.mjs'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/loadgen-repo')
const dir = tmpDir('cmc-mlperf-run-')
const tree = path.join(dir, 'inference_results_v4.1')
const env = { CMC_HOME: path.join(dir, 'home'), CMC_STORE: path.join(dir, 'store') }
const published = 'source = mlperf and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly'
const RATE = 2345.5

interface Expected {
  benchmark: string
  scenario: string
  headline: number
  perNode: number
}
let expected: Expected[]
let run: ExperimentRecord

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

beforeAll(async () => {
  await pingEngine()
  expected = (writeTestTree(tree) as Expected[]).filter((e) => e.benchmark === 'resnet50' && e.scenario === 'Offline')
  const imported = await cli(['exp', 'import', '--mlperf', tree, '--json'], { env })
  expect(imported.code, imported.stderr).toBe(0)
  const r = await cli(['run', 'fake-loadgen-offline', '--repo', repo, '--platform', 'x86_64', '--set', `rate=${RATE}`, '--json'], { env })
  expect(r.code, r.stderr).toBe(0)
  ;[run] = JSON.parse(r.stdout) as [ExperimentRecord]
}, 600_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a local run that writes LoadGen logs', () => {
  it('records the LoadGen facts an imported result has', () => {
    expect(run.status).toBe('ok')
    expect(run.source).toBeUndefined()
    expect(run.loadgen).toMatchObject({
      scenario: 'Offline',
      mode: 'PerformanceOnly',
      sut: 'fake-sut',
      version: '4.1 @ 0fake0',
      datetime: '2024-07-26T18:18:16Z',
      valid: true,
      headline: { metric: 'samples_per_second', value: RATE, unit: 'samples/s', higherIsBetter: true },
      warnings: 0,
      errors: 0,
    })
    // a 64-bit seed kept exact, a setting kept apart from the metrics
    expect(run.loadgen?.settings.qsl_rng_seed).toBe('13281865557512327830')
    expect(run.loadgen?.settings.target_qps).toBe(RATE)
    expect(run.metrics.samples_per_second?.median).toBe(RATE)
    expect(run.metrics.target_qps).toBeUndefined()
  })

  it('is selected by scenario, beside the published results', async () => {
    const r = await cli(['exp', 'list', '--where', 'scenario = Offline and mode = PerformanceOnly and benchmark = fake-loadgen-offline', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id)).toEqual([run.id])
    const both = await cli(['exp', 'list', '--where', 'scenario = Offline and mode = PerformanceOnly and headline = samples_per_second', '--json'], { env })
    const rows = JSON.parse(both.stdout) as Array<{ id: string; source?: string }>
    expect(rows.map((x) => x.id)).toContain(run.id)
    // every published Offline performance result of the tree (resnet50 and bert-99), and the run
    expect(rows.filter((x) => x.source === 'mlperf').length).toBeGreaterThanOrEqual(expected.length)
  })

  it('compares with the published results of its scenario', async () => {
    // several systems' results are no repeats: refused, unless pooled on purpose
    expect(expected.length).toBeGreaterThan(1)
    const refused = await cli(['exp', 'compare', run.id, published, '--json'], { env })
    expect(refused.code).toBe(2)
    expect((JSON.parse(refused.stdout) as { error: string }).error).toBe('COMPARE_PUBLISHED_MIXED')
    const r = await cli(['exp', 'compare', run.id, published, '--allow-mixed', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const [m] = (JSON.parse(r.stdout) as { metrics: Array<{ metric: string; a: { median: number }; b: { median: number; n: number } }> }).metrics
    expect(m!.metric).toBe('samples_per_second')
    expect(m!.a.median).toBe(RATE)
    expect(m!.b.n).toBe(expected.length)
    expect(m!.b.median).toBeCloseTo(median(expected.map((e) => e.headline)), 6)
  })

  it('compares per accelerator, or says the run saw none', async () => {
    const r = await cli(['exp', 'compare', run.id, published, '--per', 'accelerator', '--allow-mixed', '--json'], { env })
    const doc = JSON.parse(r.stdout) as { error?: string; metrics?: Array<{ metric: string; a: { median: number }; b: { median: number } }> }
    const gpus = run.host.gpus.length
    if (gpus) {
      expect(r.code, r.stderr).toBe(0)
      expect(doc.metrics![0]!.metric).toBe('samples_per_second_per_accelerator')
      expect(doc.metrics![0]!.a.median).toBeCloseTo(RATE / gpus, 6)
      expect(doc.metrics![0]!.b.median).toBeCloseTo(median(expected.map((e) => e.headline / e.perNode)), 6)
    } else {
      expect(r.code).toBe(2)
      expect(doc.error).toBe('COMPARE_NO_ACCELERATORS')
    }
  })

  it('refuses the published results of another scenario', async () => {
    const r = await cli(['exp', 'compare', run.id, published.replace('Offline', 'Server'), '--json'], { env })
    expect(r.code).toBe(2)
    expect((JSON.parse(r.stdout) as { error: string; data: { field: string } }).data.field).toBe('scenario')
  })
})
