// A run beside published results compares one headline metric in one unit:
// a run whose LoadGen logs name another headline (tokens, not samples, per
// second), or whose meta gives the same metric another unit, is refused
// with COMPARE_RESULTS_DIFFER naming what differs, as another scenario or
// mode is.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repeatMetrics, summarizeRepeats } from '../../../src/collect/benchmarkMetrics.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { compareSelections } from '../../../src/store/compareSelections.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { summaryLog, writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { cmcErrorOf } from '../../helpers/errors.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-refusals-')
const published = 'source = mlperf and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly and system = H100-PCIe-80GBx2_TRT'
let store: Store

beforeAll(async () => {
  writeTestTree(path.join(dir, 'inference_results_v4.1'))
  store = new Store(path.join(dir, 'store'))
  await importMlperf(store, path.join(dir, 'inference_results_v4.1'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let runs = 0
/** A run whose outputs hold the summary log given, its metrics read as `cmc run` reads them under the meta's units. */
async function runWith(summary: string, units: Record<string, string> = {}, over: Partial<ExperimentRecord> = {}): Promise<ExperimentRecord> {
  const out = path.join(dir, `run-${runs++}`)
  mkdirSync(out)
  writeFileSync(path.join(out, 'mlperf_log_summary.txt'), summary)
  const spec = { dir: '/cmc/out', maxBytes: 1 << 20, metrics: { format: 'loadgen' as const, units } }
  const repeats = [{ index: 0, metrics: repeatMetrics(spec, out, '').metrics, exitCode: 0, durationMs: 1 }]
  const [run] = (await putRecords(store, [
    { ...recordOf({}, over), repeats, metrics: summarizeRepeats(repeats, spec), outputs: [{ path: 'mlperf_log_summary.txt', size: 1, sha256: 'x' }] },
  ])) as [ExperimentRecord]
  const kept = path.join(store.recordDir(run.id), 'outputs')
  mkdirSync(kept, { recursive: true })
  writeFileSync(path.join(kept, 'mlperf_log_summary.txt'), readFileSync(path.join(out, 'mlperf_log_summary.txt')))
  return run
}

const offline = (): string => summaryLog({ scenario: 'Offline', sut: 'cmc', rate: 1000, latencyNs: 400000 }).text

describe('a run beside published results: one metric, one unit', () => {
  it('compares a run of the same headline in the same unit', async () => {
    const run = await runWith(offline())
    const c = compareSelections(store, run.id, published)
    expect(c.metrics[0]).toMatchObject({ metric: 'samples_per_second', unit: 'samples/s', a: { median: 1000 } })
  })

  it('refuses a run whose headline is another metric (tokens per second), naming both', async () => {
    // an LLM's Offline summary states tokens per second beside the samples: its headline is the tokens
    const llm = offline().replace(/^(Samples per second\s*:.*)$/m, '$1\nTokens per second : 52000.5')
    expect(llm).toContain('Tokens per second : 52000.5')
    const run = await runWith(llm)
    const e = cmcErrorOf(() => compareSelections(store, run.id, published))
    expect(e.code).toBe('COMPARE_RESULTS_DIFFER')
    expect(e.message).toBe('the results differ in headline: A tokens_per_second; B samples_per_second')
    expect(e.hint).toContain('add `and headline = tokens_per_second` to side B')
  })

  it('refuses the same metric in another unit, naming the units', async () => {
    const run = await runWith(offline(), { samples_per_second: 'queries/s' })
    expect(run.metrics.samples_per_second?.unit).toBe('queries/s')
    const e = cmcErrorOf(() => compareSelections(store, run.id, published))
    expect(e.code).toBe('COMPARE_RESULTS_DIFFER')
    expect(e.message).toBe('samples_per_second comes in different units: queries/s, samples/s')
    expect(e.data).toEqual({ field: 'unit', units: ['queries/s', 'samples/s'] })
  })
})

describe('--per accelerator: a run counts the GPUs it was given', () => {
  const host = (gpus: number) => ({ ...recordOf({}).host, gpus: Array.from({ length: gpus }, () => ({ vendor: 'nvidia', model: 'NVIDIA H100 PCIe' })) })
  const perRun = async (over: Partial<ExperimentRecord>) => {
    const run = await runWith(offline(), {}, over)
    return compareSelections(store, run.id, published, { per: 'accelerator' }).metrics[0]!.a.median
  }

  it('every GPU of its host when it asked for all of them, or for none in particular', async () => {
    expect(await perRun({ host: host(4), devices: { gpus: 'all', paths: [], groups: [] } })).toBe(250)
    expect(await perRun({ host: host(4) })).toBe(250)
  })

  it('only those --gpus N, --gpus device=... or CDI names gave it', async () => {
    expect(await perRun({ host: host(4), devices: { gpus: '2', paths: [], groups: [] } })).toBe(500)
    expect(await perRun({ host: host(4), devices: { gpus: 'device=1', paths: [], groups: [] } })).toBe(1000)
    expect(await perRun({ host: host(4), devices: { cdi: ['nvidia.com/gpu=0', 'nvidia.com/gpu=3'], paths: [], groups: [] } })).toBe(500)
    expect(await perRun({ host: host(4), devices: { cdi: ['nvidia.com/gpu=all'], paths: [], groups: [] } })).toBe(250)
  })
})
