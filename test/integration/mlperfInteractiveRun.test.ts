// A local run that stands for an MLPerf Interactive result, against the real
// engine: LoadGen runs Interactive as a Server test, so the logs a benchmark
// leaves say Server, and its meta declares the scenario the run stands for
// (outputs.metrics.scenario: '{{scenario}}'). The record keeps what the logs
// say beside what was declared, the query language selects the run as
// Interactive, `exp compare` puts it beside published Interactive results
// (and refuses Server ones), and the MLPerf export files it as Interactive.
// A declared scenario the logs contradict is a warning, never a relabel.
import { cpSync, existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../fixtures/mlperf-tree/generate.mjs'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/loadgen-repo')
const dir = tmpDir('cmc-mlperf-interactive-run-')
const tree = path.join(dir, 'inference_results_v6.0')
const env = { CMC_HOME: path.join(dir, 'home'), CMC_STORE: path.join(dir, 'store') }
const SYSTEM = 'closed/NVIDIA/results/H100-PCIe-80GBx2_TRT/bert-99'
const published = (scenario: string) =>
  `source = mlperf and system = H100-PCIe-80GBx2_TRT and benchmark = bert-99 and scenario = ${scenario} and mode = PerformanceOnly`
const RATE = 1234.5
let runs: ExperimentRecord[]
let stderr: string

beforeAll(async () => {
  await pingEngine()
  writeTestTree(tree)
  // a published Interactive result: its folder holds the logs of a Server test
  cpSync(path.join(tree, SYSTEM, 'Server'), path.join(tree, SYSTEM, 'Interactive'), { recursive: true })
  const imported = await cli(['exp', 'import', '--mlperf', tree, '--json'], { env })
  expect(imported.code, imported.stderr).toBe(0)
  const r = await cli(
    ['run', 'fake-loadgen-server', '--repo', repo, '--platform', 'x86_64', '--set', `rate=${RATE}`, '--set', 'scenario=Interactive,Offline', '--json'],
    {
      env,
    },
  )
  expect(r.code, r.stderr).toBe(0)
  runs = JSON.parse(r.stdout) as ExperimentRecord[]
  stderr = r.stderr
}, 600_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const interactive = () => runs.find((r) => r.params.scenario === 'Interactive')!

describe('a local run declared Interactive, whose logs say Server', () => {
  it('keeps what the logs say beside what its meta declares', () => {
    expect(runs.map((r) => r.status)).toEqual(['ok', 'ok'])
    expect(interactive().loadgen).toMatchObject({
      scenario: 'Server',
      declaredScenario: 'Interactive',
      headline: { metric: 'completed_samples_per_second', value: RATE },
    })
  })

  it('is selected as Interactive, not as Server', async () => {
    const ids = async (where: string) => {
      const r = await cli(['exp', 'list', '--where', where, '--json'], { env })
      expect(r.code, r.stderr).toBe(0)
      return (JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id)
    }
    expect(await ids('scenario = Interactive and not source = mlperf')).toEqual([interactive().id])
    expect(await ids('scenario = Interactive and source = mlperf and mode = PerformanceOnly')).toHaveLength(1)
  })

  it('compares with published Interactive results, and not with Server ones', async () => {
    const r = await cli(['exp', 'compare', interactive().id, published('Interactive'), '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const [m] = (JSON.parse(r.stdout) as { metrics: Array<{ metric: string; a: { median: number }; b: { n: number } }> }).metrics
    expect(m).toMatchObject({ metric: 'completed_samples_per_second', a: { median: RATE }, b: { n: 1 } })
    const refused = await cli(['exp', 'compare', interactive().id, published('Server'), '--json'], { env })
    expect(refused.code).toBe(2)
    expect((JSON.parse(refused.stdout) as { data: { field: string } }).data.field).toBe('scenario')
  })

  it('is exported into an Interactive folder', async () => {
    const out = path.join(dir, 'submission')
    const r = await cli(
      [
        'exp',
        'export',
        '--format',
        'mlperf',
        '-o',
        out,
        '--where',
        `id = ${interactive().id}`,
        '--submitter',
        'Us',
        '--system-id',
        'box',
        '--benchmark',
        'bert-99',
        '--json',
      ],
      { env },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(path.join(out, 'closed/Us/results/box/bert-99/Interactive/performance/run_1/mlperf_log_summary.txt'))).toBe(true)
    expect(existsSync(path.join(out, 'closed/Us/results/box/bert-99/Server'))).toBe(false)
  })
})

describe('a declared scenario the logs contradict', () => {
  it('is warned of, and the record keeps what the logs say', () => {
    const offline = runs.find((r) => r.params.scenario === 'Offline')!
    expect(offline.loadgen?.scenario).toBe('Server')
    expect(offline.loadgen?.declaredScenario).toBeUndefined()
    expect(stderr).toContain('outputs.metrics.scenario says Offline, but the LoadGen logs say Server: the record keeps Server, as the logs say')
  })
})
