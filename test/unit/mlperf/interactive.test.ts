// Two shapes of today's published trees: an Interactive result, whose
// LoadGen logs say Server (LoadGen runs Interactive as a Server test with
// tighter latencies), and a performance run that holds its own
// mlperf_log_accuracy.json beside the summary and detail logs. Both are
// imported, and exported back as they were.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportTree } from '../../../src/mlperf/exportTree.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { listKeptFiles } from '../../../src/store/keptFiles.js'
import { selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { listTree, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-interactive-')
const tree = path.join(dir, 'inference_results_v6.0')
const SYSTEM = 'closed/NVIDIA/results/H100-PCIe-80GBx2_TRT/bert-99'
const RUN_ACCURACY = `${SYSTEM}/Offline/performance/run_1/mlperf_log_accuracy.json`
let store: Store
let report: Awaited<ReturnType<typeof importMlperf>>
let plain: Awaited<ReturnType<typeof importMlperf>>

beforeAll(async () => {
  writeTestTree(tree)
  plain = await importMlperf(new Store(path.join(dir, 'store-plain')), tree)
  cpSync(path.join(tree, SYSTEM, 'Server'), path.join(tree, SYSTEM, 'Interactive'), { recursive: true })
  writeFileSync(path.join(tree, RUN_ACCURACY), '[\n]\n')
  store = new Store(path.join(dir, 'store'))
  report = await importMlperf(store, tree)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('an Interactive result', () => {
  it('is imported from its Server logs, as Interactive', () => {
    expect(readFileSync(path.join(tree, SYSTEM, 'Interactive/performance/run_1/mlperf_log_summary.txt'), 'utf8')).toMatch(/^Scenario : Server$/m)
    expect(report.skipped).toEqual(plain.skipped)
    expect(report.added).toBe(plain.added + 2)
    const [perf] = selectRecords(store, 'system = H100-PCIe-80GBx2_TRT and benchmark = bert-99 and scenario = Interactive and mode = PerformanceOnly')
    const [server] = selectRecords(store, 'system = H100-PCIe-80GBx2_TRT and benchmark = bert-99 and scenario = Server and mode = PerformanceOnly')
    expect(perf!.source).toMatchObject({ scenario: 'Interactive', headline: server!.source!.headline, from: `${SYSTEM}/Interactive/performance/run_1` })
    expect(perf!.loadgen?.scenario).toBe('Server')
    expect(selectRecords(store, 'scenario = Interactive and mode = AccuracyOnly')).toHaveLength(1)
  })

  it("another scenario's logs in a folder are still refused", async () => {
    const odd = path.join(dir, 'odd', 'inference_results_v6.0')
    writeTestTree(odd)
    cpSync(path.join(odd, SYSTEM, 'Offline'), path.join(odd, SYSTEM, 'Interactive'), { recursive: true })
    const r = await importMlperf(new Store(path.join(dir, 'store-odd')), odd)
    expect(r.skipped).toContainEqual({ path: `${SYSTEM}/Interactive/performance/run_1`, reason: 'the log says scenario Offline, its folder Interactive' })
  })
})

describe("a performance run's own accuracy log", () => {
  it('is kept, and written back with the folder as it was', () => {
    const [perf] = selectRecords(store, 'system = H100-PCIe-80GBx2_TRT and benchmark = bert-99 and scenario = Offline and mode = PerformanceOnly')
    expect(listKeptFiles(perf!).map((o) => o.path)).toContain('performance/run_1/mlperf_log_accuracy.json')
    const out = path.join(dir, 'out')
    exportTree(store, selectRecords(store, 'source = mlperf and system = H100-PCIe-80GBx2_TRT and benchmark = bert-99'), out, { round: 'v6.0' })
    for (const scenario of ['Offline', 'Interactive']) {
      const folder = `${SYSTEM}/${scenario}`
      const kept = (root: string) => listTree(path.join(root, folder)).filter((f) => !f.endsWith('/') && f !== 'README.md')
      expect(kept(out), scenario).toEqual(kept(tree))
      for (const f of kept(tree)) expect(readFileSync(path.join(out, folder, f)).equals(readFileSync(path.join(tree, folder, f))), f).toBe(true)
    }
  })
})
