// The names an exported tree's folders take: a submitter, system or
// benchmark given on the command line, or carried by a record (a bundle of
// records can come from anywhere), is one folder of the tree. One with a
// slash or `..` is refused or skipped, and nothing is written outside -o.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repeatMetrics, summarizeRepeats } from '../../../src/collect/benchmarkMetrics.js'
import { exportTree } from '../../../src/mlperf/exportTree.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { summaryLog, writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { cmcErrorOf } from '../../helpers/errors.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { listTree, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-names-')
// every export goes two levels down, so a name that climbs out lands in dir, where the test looks
const base = path.join(dir, 'a', 'b')
let store: Store
let local: ExperimentRecord
let published: ExperimentRecord[]

beforeAll(async () => {
  writeTestTree(path.join(dir, 'inference_results_v4.1'))
  store = new Store(path.join(dir, 'store'))
  await importMlperf(store, path.join(dir, 'inference_results_v4.1'))
  published = selectRecords(store, 'source = mlperf and submitter = NVIDIA and system = L4x1_TRT and benchmark = bert-99 and mode = PerformanceOnly')
  expect(published.length).toBe(3)
  const out = path.join(dir, 'run')
  mkdirSync(out)
  writeFileSync(path.join(out, 'mlperf_log_summary.txt'), summaryLog({ scenario: 'Offline', sut: 'cmc', rate: 1234, latencyNs: 400000 }).text)
  const spec = { dir: '/cmc/out', maxBytes: 1 << 20, metrics: { format: 'loadgen' as const } }
  const repeats = [{ index: 0, metrics: repeatMetrics(spec, out, '').metrics, exitCode: 0, durationMs: 1 }]
  ;[local] = (await putRecords(store, [
    { ...recordOf({}), repeats, metrics: summarizeRepeats(repeats, spec), outputs: [{ path: 'mlperf_log_summary.txt', size: 1, sha256: 'x' }] },
  ])) as [ExperimentRecord]
  const kept = path.join(store.recordDir(local.id), 'outputs')
  mkdirSync(kept, { recursive: true })
  writeFileSync(path.join(kept, 'mlperf_log_summary.txt'), readFileSync(path.join(out, 'mlperf_log_summary.txt')))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What is in dir besides the fixtures' tree, the store, the run's logs and the export folders under base. */
const outside = () => listTree(dir).filter((f) => !/^(inference_results_v4\.1|store|run|a)\//.test(f) && f !== 'a/b/' && !f.startsWith('a/b/'))

describe('exp export --format mlperf: names that would leave their folder', () => {
  it.each([
    ['submitter', { submitter: '../../escaped' }],
    ['submitter', { submitter: '..' }],
    ['submitter', { submitter: '' }],
    ['system-id', { submitter: 'MyOrg', systemId: 'x/../../../escaped' }],
    ['benchmark', { submitter: 'MyOrg', benchmark: '../../../../escaped' }],
  ])('refuses --%s %j with FLAG_VALUE, writing nothing', (flag, opts) => {
    const out = path.join(base, `flag-${flag}-${Object.values(opts).join('').length}`)
    const e = cmcErrorOf(() => exportTree(store, [local], out, opts))
    expect(e.code).toBe('FLAG_VALUE')
    expect(e.message).toContain(`--${flag} `)
    expect(listTree(out)).toEqual([])
    expect(outside()).toEqual([])
  })

  it('a plain name is written where it belongs', () => {
    const out = path.join(base, 'plain')
    const res = exportTree(store, [local], out, { submitter: 'My.Org', systemId: 'box-1', benchmark: 'resnet50' })
    expect(res.written.map((w) => w.path)).toEqual(['closed/My.Org/results/box-1/resnet50/Offline'])
  })

  it('skips a published record whose names or kept paths would leave their folder, and writes the rest', () => {
    const [first, second, third] = published as [ExperimentRecord, ExperimentRecord, ExperimentRecord]
    const climbing = { ...first, source: { ...first.source!, submitter: '../../..' } }
    const slashed = { ...second, source: { ...second.source!, system: 'L4x1_TRT/../../../../..' } }
    const out = path.join(base, 'published')
    const res = exportTree(store, [climbing, slashed, third], out)
    expect(res.skipped).toEqual([
      { id: first.id, reason: 'its submitter "../../.." cannot be a folder of the tree: it holds a slash' },
      { id: second.id, reason: 'its system "L4x1_TRT/../../../../.." cannot be a folder of the tree: it holds a slash' },
    ])
    expect(res.written).toEqual([{ id: third.id, path: `closed/NVIDIA/results/L4x1_TRT/bert-99/${third.source!.scenario}` }])
    expect(outside()).toEqual([])
  })

  it('skips a published record whose kept file path climbs out of its scenario folder', () => {
    const r = published[0]!
    const summary = r.outputs.find((o) => o.path === 'performance/run_1/mlperf_log_summary.txt')!
    const crafted = { ...r, outputs: [...r.outputs, { ...summary, path: 'performance/run_1/../../../../../../../../escaped.txt' }] }
    const out = path.join(base, 'kept-path')
    const res = exportTree(store, [crafted, published[1]!], out)
    expect(res.skipped).toEqual([
      { id: r.id, reason: 'its kept file "performance/run_1/../../../../../../../../escaped.txt" would be written outside its scenario folder' },
    ])
    expect(res.written.map((w) => w.id)).toEqual([published[1]!.id])
    expect(outside()).toEqual([])
  })
})
