// Odd parts of a submission tree that the import keeps or refuses exactly:
// a result whose performance logs are missing still has its measurements,
// user.conf and compliance verdicts kept (with its accuracy record, the one
// record of the folder), so an export writes them back instead of
// placeholders; a link in a compliance folder back to a folder already read
// is not followed, so a loop keeps no file twice; a performance folder
// that is gone or is a file is reported, not passed over.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportTree } from '../../../src/mlperf/exportTree.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { exportRecords, importRecords } from '../../../src/store/exportImport.js'
import { listKeptFiles } from '../../../src/store/keptFiles.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { selectRecords } from '../../../src/store/select.js'
import { openStore, Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { cmcErrorOf } from '../../helpers/errors.js'
import { tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-edges-')
const tree = path.join(dir, 'inference_results_v4.1')
/** the result writeTestTree leaves without its performance logs */
const NO_LOG = 'closed/NVIDIA/results/L4x1_TRT/resnet50/Offline'
/** a tree of its own, where one result's TEST01 folder gets links back to itself */
const loopTree = path.join(dir, 'looped', 'inference_results_v4.1')
const LOOPED = path.join(loopTree, 'closed/NVIDIA/results/L4x1_TRT/bert-99/Offline/TEST01')
let store: Store
let report: Awaited<ReturnType<typeof importMlperf>>

const one = (s: Store, where: string): ExperimentRecord => {
  const found = selectRecords(s, where)
  expect(found, where).toHaveLength(1)
  return found[0]!
}

beforeAll(async () => {
  writeTestTree(tree)
  store = new Store(path.join(dir, 'store'))
  report = await importMlperf(store, tree)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a result without its performance logs', () => {
  it('keeps its measurements, user.conf and compliance with its accuracy record', () => {
    expect(report.skipped).toContainEqual({ path: `${NO_LOG}/performance/run_1`, reason: expect.stringContaining('no LoadGen log') })
    expect(selectRecords(store, 'system = L4x1_TRT and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly')).toEqual([])
    const acc = one(store, 'system = L4x1_TRT and benchmark = resnet50 and scenario = Offline and mode = AccuracyOnly')
    const kept = listKeptFiles(acc).map((o) => o.path)
    expect(kept).toEqual(
      expect.arrayContaining(['accuracy/accuracy.txt', 'measurements.json', 'user.conf', 'TEST01/verify_accuracy.txt', 'TEST01/verify_performance.txt']),
    )
    expect(acc.source).toMatchObject({
      compliance: { TEST01: 'passed' },
      measurements: { starting_weights_filename: 'resnet50.onnx', weight_data_types: 'int8' },
    })
  })

  it('an accuracy record beside a performance record keeps only its own files', () => {
    const acc = one(store, 'system = L4x1_TRT and benchmark = bert-99 and scenario = Server and mode = AccuracyOnly')
    expect(listKeptFiles(acc).map((o) => o.path)).not.toContain('measurements.json')
    expect(acc.source?.measurements).toBeUndefined()
  })

  it('is exported with the measurements and files the tree had, no placeholders', async () => {
    const out = path.join(dir, 'out', 'inference_results_v4.1')
    const records = selectRecords(store, 'source = mlperf and system = L4x1_TRT and benchmark = resnet50')
    const res = exportTree(store, records, out)
    expect(res.round).toBe('v4.1')
    expect(res.placeholders).toEqual([])
    const measurements = path.join(out, 'closed/NVIDIA/measurements/L4x1_TRT/resnet50/Offline')
    expect(JSON.parse(readFileSync(path.join(measurements, 'L4x1_TRT_Offline.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(path.join(tree, NO_LOG, 'measurements.json'), 'utf8')),
    )
    expect(readFileSync(path.join(measurements, 'user.conf'), 'utf8')).toBe(readFileSync(path.join(tree, NO_LOG, 'user.conf'), 'utf8'))
    const test01 = path.join(out, 'closed/NVIDIA/compliance/L4x1_TRT/resnet50/Offline/TEST01')
    expect(readFileSync(path.join(test01, 'verify_performance.txt'), 'utf8')).toBe(
      readFileSync(path.join(tree, NO_LOG, 'TEST01/verify_performance.txt'), 'utf8'),
    )
    // and back: the accuracy record is the same record, measurements and compliance too
    const again = new Store(path.join(dir, 'store-again'))
    await importMlperf(again, out)
    const before = one(store, 'system = L4x1_TRT and benchmark = resnet50 and scenario = Offline')
    const after = one(again, 'system = L4x1_TRT and benchmark = resnet50 and scenario = Offline')
    expect({ ...after.source, from: '' }).toEqual({ ...before.source, from: '' })
    expect(after.id).toBe(before.id)
  })
})

describe('a link in a compliance folder', () => {
  let looped: Store
  let loopReport: typeof report
  beforeAll(async () => {
    writeTestTree(loopTree)
    mkdirSync(path.join(LOOPED, 'performance', 'run_1'), { recursive: true })
    writeFileSync(path.join(LOOPED, 'performance', 'run_1', 'mlperf_log_summary.txt'), 'a compliance run\n')
    symlinkSync('.', path.join(LOOPED, 'again'))
    symlinkSync('..', path.join(LOOPED, 'performance', 'up'))
    looped = new Store(path.join(dir, 'store-looped'))
    loopReport = await importMlperf(looped, loopTree)
  })

  it('back to a folder already read is not followed, and is reported', () => {
    const rel = (p: string) => path.relative(loopTree, p)
    expect(loopReport.skipped).toEqual(
      expect.arrayContaining([
        { path: rel(path.join(LOOPED, 'again')), reason: expect.stringContaining('loop') },
        { path: rel(path.join(LOOPED, 'performance', 'up')), reason: expect.stringContaining('loop') },
      ]),
    )
    const perf = one(looped, 'system = L4x1_TRT and benchmark = bert-99 and scenario = Offline and mode = PerformanceOnly')
    const test01 = listKeptFiles(perf)
      .map((o) => o.path)
      .filter((p) => p.startsWith('TEST01/'))
    expect(test01.sort()).toEqual(['TEST01/performance/run_1/mlperf_log_summary.txt', 'TEST01/verify_accuracy.txt', 'TEST01/verify_performance.txt'])
    expect(perf.source?.compliance).toEqual({ TEST01: 'passed' })
  })
})

describe('a result whose performance folder is gone or is a file', () => {
  const odd = path.join(dir, 'odd', 'inference_results_v4.1')
  const GONE = 'closed/NVIDIA/results/L4x1_TRT/bert-99/Offline'
  const FILE = 'closed/NVIDIA/results/L4x1_TRT/bert-99/Server'
  let oddStore: Store
  let oddReport: Awaited<ReturnType<typeof importMlperf>>

  beforeAll(async () => {
    writeTestTree(odd)
    rmSync(path.join(odd, GONE, 'performance'), { recursive: true })
    rmSync(path.join(odd, FILE, 'performance'), { recursive: true })
    writeFileSync(path.join(odd, FILE, 'performance'), 'not a folder\n')
    oddStore = new Store(path.join(dir, 'store-odd'))
    oddReport = await importMlperf(oddStore, odd)
  })

  it('is reported, and its accuracy run imported', () => {
    expect(oddReport.skipped).toEqual(
      expect.arrayContaining([
        { path: `${GONE}/performance`, reason: 'no performance/run_1 folder: the result has only its accuracy run' },
        { path: `${FILE}/performance`, reason: 'performance is not a folder' },
      ]),
    )
    expect(oddReport.skipped).toHaveLength(report.skipped.length + 2)
    for (const scenario of ['Offline', 'Server']) {
      const where = `system = L4x1_TRT and benchmark = bert-99 and scenario = ${scenario}`
      expect(selectRecords(oddStore, `${where} and mode = PerformanceOnly`)).toEqual([])
      expect(one(oddStore, `${where} and mode = AccuracyOnly`).source?.accuracy).toBeDefined()
    }
  })

  it('is reported again on a second import, which adds nothing', async () => {
    const again = await importMlperf(oddStore, odd)
    expect(again.added).toBe(0)
    expect(again.skipped).toEqual(oddReport.skipped)
  })
})

describe('a system description whose accelerator count is not a number', () => {
  const counted = path.join(dir, 'counted', 'inference_results_v4.1')
  const systems = path.join(counted, 'closed/NVIDIA/systems')
  let countedStore: Store
  let countedReport: Awaited<ReturnType<typeof importMlperf>>

  const edit = (system: string, change: Record<string, unknown>) => {
    const file = path.join(systems, `${system}.json`)
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...change }, null, 2))
  }

  beforeAll(async () => {
    writeTestTree(counted)
    edit('L4x1_TRT', { accelerators_per_node: 'eight' })
    edit('H100-PCIe-80GBx2_TRT', { number_of_nodes: 'two' })
    countedStore = new Store(path.join(dir, 'store-counted'))
    countedReport = await importMlperf(countedStore, counted)
  })

  it('is imported and said once a system file, naming the field and what follows', () => {
    expect(report.warnings).toEqual([])
    expect(countedReport.warnings).toEqual([
      {
        path: 'closed/NVIDIA/systems/H100-PCIe-80GBx2_TRT.json',
        reason: 'number_of_nodes "two" is not a count: taken as 1, so its results count 2 accelerators',
      },
      {
        path: 'closed/NVIDIA/systems/L4x1_TRT.json',
        reason: 'accelerators_per_node "eight" is not a count: its results carry no accelerator count, and compares --per accelerator refuse them',
      },
    ])
    expect(countedReport.added).toBe(report.added)
    const l4 = selectRecords(countedStore, 'system = L4x1_TRT')
    expect(l4.length).toBeGreaterThan(0)
    for (const r of l4) expect(r.source?.accelerators).toBeUndefined()
    for (const r of selectRecords(countedStore, 'system = H100-PCIe-80GBx2_TRT')) expect(r.source?.accelerators).toBe(2)
  })
})

describe('records moved as JSON Lines, which carry no files', () => {
  it('are skipped by an MLPerf export, named with the way to move them, and nothing is written', async () => {
    const picked = selectRecords(store, 'source = mlperf and submitter = NVIDIA and system = L4x1_TRT and benchmark = bert-99 and mode = PerformanceOnly')
    expect(picked.length).toBeGreaterThan(0)
    const moved = await openStore({ path: path.join(dir, 'moved-store') })
    await exportRecords(
      store,
      picked.map((r) => r.id),
      path.join(dir, 'moved.jsonl'),
      'jsonl',
    )
    await importRecords(moved, path.join(dir, 'moved.jsonl'))
    const out = path.join(dir, 'from-jsonl')
    const e = cmcErrorOf(() => exportTree(moved, selectRecords(moved, 'source = mlperf'), out))
    expect(e.code).toBe('EXPORT_NO_LOADGEN')
    expect(e.details).toHaveLength(picked.length)
    for (const d of e.details ?? []) expect(d).toMatch(/not its file .*mlperf_log_.*JSON Lines.*\.tar\.gz/)
    expect(existsSync(out)).toBe(false)
  })

  it('are given their files by a bundle imported after, and those records are written', async () => {
    const first = one(
      store,
      'source = mlperf and submitter = NVIDIA and system = L4x1_TRT and benchmark = bert-99 and scenario = Offline and mode = PerformanceOnly',
    )
    await exportRecords(store, [first.id], path.join(dir, 'one.tar.gz'), 'tar.gz')
    const again = await openStore({ path: path.join(dir, 'mixed-store') })
    await importRecords(again, path.join(dir, 'moved.jsonl'))
    // the bundle gives the record already there the files JSON Lines left behind
    expect(await importRecords(again, path.join(dir, 'one.tar.gz'))).toEqual({ added: 0, filled: 1, skipped: 0, invalid: [] })
    expect(await importRecords(again, path.join(dir, 'one.tar.gz'))).toEqual({ added: 0, filled: 0, skipped: 1, invalid: [] })
    expect(selectRecords(again, 'source = mlperf').length).toBeGreaterThan(1)
    const r = exportTree(again, selectRecords(again, 'source = mlperf'), path.join(dir, 'mixed'))
    expect(r.written.map((w) => w.id)).toEqual([first.id])
    expect(r.skipped.map((s) => s.reason)).toEqual(r.skipped.map(() => expect.stringContaining('JSON Lines')))
  })
})
