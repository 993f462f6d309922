// Published MLPerf results beside a run: a generated submission tree of two
// submitters (several systems, benchmarks and scenarios, and broken parts)
// imported, queried, compared with a local run (per accelerator too),
// exported as a tree again and re-imported with nothing lost; round
// summaries (CSV, JSON) and archives (.tar.gz, .zip) imported the same way.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repeatMetrics, summarizeRepeats } from '../../../src/collect/benchmarkMetrics.js'
import { exportTree } from '../../../src/mlperf/exportTree.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { SYSTEM_FIELDS } from '../../../src/mlperf/systemDescription.js'
import { compareSelections } from '../../../src/store/compareSelections.js'
import { exportRecords, importRecords } from '../../../src/store/exportImport.js'
import { KEPT_TAR, KeptTar, listKeptFiles, readKeptFile, readKeptLoadgen, readRecordFile, recordFileSize } from '../../../src/store/keptFiles.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { querySummaries, selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { summaryLog, writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { putRecords, recordOf } from '../../helpers/records.js'
import { listTree, tmpDir } from '../../helpers/tmp.js'
import { cmcErrorOf as errorOf } from '../../helpers/errors.js'

interface Expected {
  submitter: string
  division: string
  id: string
  accelerator: string
  perNode: number
  benchmark: string
  scenario: string
  headline: number
}

const dir = tmpDir('cmc-mlperf-')
const tree = path.join(dir, 'inference_results_v4.1')
let expected: Expected[]
let store: Store
let report: Awaited<ReturnType<typeof importMlperf>>
let local: ExperimentRecord
const LOCAL_RATE = 23456.78

beforeAll(async () => {
  expected = writeTestTree(tree) as Expected[]
  store = new Store(path.join(dir, 'store'))
  report = await importMlperf(store, tree)
  local = await localRun(store, LOCAL_RATE)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A run as `cmc run` records one: LoadGen logs in its outputs, metrics from them, the GPU its host saw. */
async function localRun(s: Store, rate: number, gpus = [{ vendor: 'NVIDIA', model: 'NVIDIA H100 PCIe', driver: '550.54' }]): Promise<ExperimentRecord> {
  const out = path.join(dir, `local-${rate}`)
  mkdirSync(out, { recursive: true })
  writeFileSync(path.join(out, 'mlperf_log_summary.txt'), summaryLog({ scenario: 'Offline', sut: 'cmc', rate, latencyNs: 400000 }).text)
  const spec = { dir: '/cmc/out', maxBytes: 1 << 20, metrics: { format: 'loadgen' as const } }
  const repeat = repeatMetrics(spec, out, '')
  const repeats = [{ index: 0, metrics: repeat.metrics, exitCode: 0, durationMs: 1 }]
  const base = recordOf({})
  const [stored] = await putRecords(s, [
    {
      ...base,
      benchmark: { alias: 'resnet50-trt', uid: 'u' },
      repeats,
      metrics: summarizeRepeats(repeats, spec),
      host: { ...base.host, hostname: 'gpu-box', gpus },
      outputs: [{ path: 'repeat-1/mlperf_log_summary.txt', size: 1, sha256: 'x' }],
    },
  ])
  const kept = path.join(s.recordDir(stored!.id), 'outputs', 'repeat-1')
  mkdirSync(kept, { recursive: true })
  writeFileSync(path.join(kept, 'mlperf_log_summary.txt'), readFileSync(path.join(out, 'mlperf_log_summary.txt')))
  return stored!
}

describe('importing a submission tree', () => {
  it('makes one record per system x benchmark x scenario x mode', () => {
    // each good result has a performance and an accuracy record; the one without performance logs keeps its accuracy
    expect(report.found).toBe(expected.length * 2 + 1)
    expect(report.added).toBe(report.found)
    expect(querySummaries(store, 'source = mlperf and mode = PerformanceOnly')).toHaveLength(expected.length)
  })

  it('reports each broken part with the reason, and imports the rest', () => {
    expect(report.skipped).toEqual([
      {
        path: 'closed/NVIDIA/results/L4x1_TRT/resnet50/Offline/performance/run_1',
        reason: 'no LoadGen log (mlperf_log_summary.txt or mlperf_log_detail.txt), or only empty ones',
      },
      { path: 'open/AcmeAI/results/Broken_Box', reason: expect.stringMatching(/^its system description open\/AcmeAI\/systems\/Broken_Box\.json is not JSON/) },
      { path: 'open/AcmeAI/results/MI300Xx8_vLLM/Offline', reason: 'a scenario folder directly under the system: the <benchmark> level is missing' },
      { path: 'open/AcmeAI/results/MI300Xx8_vLLM/resnet50/offline_old', reason: expect.stringMatching(/^offline_old is not a scenario/) },
    ])
  })

  it('is idempotent: importing again adds nothing', async () => {
    const again = await importMlperf(store, tree)
    expect(again).toMatchObject({ found: report.found, added: 0, present: report.found })
    expect(querySummaries(store, 'source = mlperf')).toHaveLength(report.found)
  })

  it('keeps each file byte for byte in one tar a record, read through readKeptFile', () => {
    let kept = 0
    for (const { id } of querySummaries(store, 'source = mlperf')) {
      const r = store.get(id)
      const folder = store.recordDir(id)
      expect(listTree(folder)).toEqual([KEPT_TAR, 'record.json'])
      expect(r.outputsTar).toBe(KEPT_TAR)
      for (const o of listKeptFiles(r)) {
        const bytes = readKeptFile(store, r, o.path)
        expect(bytes.length).toBe(o.size)
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(o.sha256)
        expect(bytes.equals(readFileSync(path.join(tree, r.source!.from.replace(/\/(performance\/run_\d+|accuracy)$/, ''), o.path)))).toBe(true)
        kept++
      }
      // the tar is a plain one: tar lists the same names and unpacks the same bytes
      const tar = path.join(folder, KEPT_TAR)
      expect(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).trim().split('\n')).toEqual(r.outputs.map((o) => o.path))
      const out = path.join(dir, 'untar', id)
      mkdirSync(out, { recursive: true })
      execFileSync('tar', ['-xf', tar, '-C', out])
      for (const o of r.outputs)
        expect(
          createHash('sha256')
            .update(readFileSync(path.join(out, o.path)))
            .digest('hex'),
        ).toBe(o.sha256)
    }
    expect(kept).toBeGreaterThan(report.found)
  })

  it('a name ustar cannot hold goes in a pax header, and reads back', () => {
    const long = `${'deep/'.repeat(40)}résumé — mlperf_log_detail.txt`
    const t = new KeptTar(new Date('2024-06-01T00:00:00Z'))
    const data = Buffer.from('x'.repeat(1000))
    const short = Buffer.from('short file')
    const at = [t.add(long, data), t.add('a/b.txt', short)]
    const file = path.join(dir, 'pax.tar')
    writeFileSync(file, t.bytes())
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' })).toBe(`${long}\na/b.txt\n`)
    expect(execFileSync('tar', ['-xOf', file, long]).equals(data)).toBe(true)
    const whole = readFileSync(file)
    expect(whole.subarray(at[0]!, at[0]! + data.length).equals(data)).toBe(true)
    expect(whole.subarray(at[1]!, at[1]! + short.length).equals(short)).toBe(true)
  })

  it('reads a record an earlier import kept under outputs/, and exports it the same', () => {
    const [r] = selectRecords(store, 'source = mlperf and mode = PerformanceOnly and benchmark = resnet50')
    const old = new Store(path.join(dir, 'store-folders'))
    const folderRecord: ExperimentRecord = { ...r!, outputsTar: undefined, outputs: r!.outputs.map(({ offset: _, ...o }) => o) }
    const dest = old.recordDir(r!.id)
    for (const o of r!.outputs) {
      mkdirSync(path.dirname(path.join(dest, 'outputs', o.path)), { recursive: true })
      writeFileSync(path.join(dest, 'outputs', o.path), readKeptFile(store, r!, o.path))
    }
    writeFileSync(path.join(dest, 'record.json'), JSON.stringify(folderRecord))
    const back = old.get(r!.id)
    for (const o of listKeptFiles(back)) expect(readKeptFile(old, back, o.path).equals(readKeptFile(store, r!, o.path))).toBe(true)
    expect(readKeptLoadgen(old, back)).toEqual(readKeptLoadgen(store, r!))
    expect(readKeptLoadgen(store, r!)?.scenario).toBe(r!.source!.scenario)
    const a = path.join(dir, 'export-folders-a')
    const b = path.join(dir, 'export-folders-b')
    exportTree(store, [r!], a)
    exportTree(old, [back], b)
    const files = listTree(a).filter((f) => !f.endsWith('/'))
    expect(listTree(b).filter((f) => !f.endsWith('/'))).toEqual(files)
    for (const f of files) expect(readFileSync(path.join(b, f)).equals(readFileSync(path.join(a, f))), f).toBe(true)
  })

  it('names its files as the record folder does, for whoever sends them on (the hub)', () => {
    const [r] = selectRecords(store, 'source = mlperf and mode = PerformanceOnly and benchmark = resnet50')
    for (const o of r!.outputs) {
      expect(recordFileSize(store, r!, `outputs/${o.path}`)).toBe(o.size)
      expect(readRecordFile(store, r!, `outputs/${o.path}`)!.equals(readKeptFile(store, r!, o.path))).toBe(true)
    }
    expect(recordFileSize(store, r!, 'record.json')).toBeGreaterThan(0)
    expect(readRecordFile(store, r!, r!.logs.stdout)).toBeUndefined()
    expect(recordFileSize(store, r!, r!.logs.stdout)).toBeUndefined()
  })

  it('names a kept file that is gone as a damaged record', () => {
    const [r] = selectRecords(store, 'source = mlperf and mode = PerformanceOnly and benchmark = resnet50')
    expect(errorOf(() => readKeptFile(store, r!, 'not/kept.txt')).code).toBe('RECORD_CORRUPT')
  })

  it('knows a held result from its folders: a re-import reads no log of it', async () => {
    const copy = path.join(dir, 'again', 'inference_results_v4.1')
    cpSync(tree, copy, { recursive: true })
    // the logs of a result the store holds, unreadable now: it is still the result the store holds
    const run = path.join(copy, 'closed/NVIDIA/results/L4x1_TRT/bert-99/Server/performance/run_1')
    for (const log of ['mlperf_log_summary.txt', 'mlperf_log_detail.txt']) writeFileSync(path.join(run, log), 'not a log')
    const again = await importMlperf(store, copy)
    expect(again).toMatchObject({ found: report.found, added: 0, present: report.found })
  })

  it('marks the records as published, with what the publication states and no host of ours', () => {
    const [r] = selectRecords(
      store,
      'source = mlperf and system = DGX-H100_H100-SXM-80GBx8_TRT and benchmark = bert-99 and scenario = Server and mode = PerformanceOnly',
    )
    const want = expected.find((e) => e.id === 'DGX-H100_H100-SXM-80GBx8_TRT' && e.benchmark === 'bert-99' && e.scenario === 'Server')!
    expect(r!.source).toMatchObject({
      kind: 'mlperf',
      round: 'v4.1',
      submitter: 'NVIDIA',
      division: 'closed',
      availability: 'available',
      systemName: 'NVIDIA DGX H100',
      accelerator: 'NVIDIA H100-SXM-80GB',
      accelerators: 8,
      framework: 'TensorRT 10.2, CUDA 12.4',
      valid: true,
      compliance: { TEST01: 'passed' },
      accuracy: 'accuracy: 76.1  good: 38050  total: 50000',
      headline: { metric: 'completed_samples_per_second', value: want.headline, unit: 'samples/s', higherIsBetter: true },
    })
    expect(r!.metrics.completed_samples_per_second!.median).toBe(want.headline)
    expect(r!.platform).toBe('published')
    expect(r!.host).toMatchObject({
      hostname: 'mlperf:NVIDIA/DGX-H100_H100-SXM-80GBx8_TRT',
      kernel: '',
      memoryBytes: 0,
      gpus: [],
      cpuModel: 'Intel Xeon Platinum 8480C',
    })
    expect(r!.loadgen?.settings.qsl_rng_seed).toBe('13281865557512327830')
    expect(r!.outputs.map((o) => o.path).sort()).toEqual([
      'TEST01/verify_accuracy.txt',
      'TEST01/verify_performance.txt',
      'measurements.json',
      'performance/run_1/mlperf_log_detail.txt',
      'performance/run_1/mlperf_log_summary.txt',
      'user.conf',
    ])
    expect(r!.createdAt).toBe('2024-07-01T12:00:00.000Z')
  })
})

describe('the query language selects published results and runs alike', () => {
  it('source = mlperf and submitter = NVIDIA and system ~ H100 and benchmark = resnet50 and scenario = Offline', () => {
    const rows = querySummaries(
      store,
      'source = mlperf and submitter = NVIDIA and system ~ H100 and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly',
    )
    const want = expected.filter((e) => e.submitter === 'NVIDIA' && e.id.includes('H100') && e.benchmark === 'resnet50' && e.scenario === 'Offline')
    expect(rows.map((r) => r.system).sort()).toEqual(want.map((e) => e.id).sort())
    expect(rows.map((r) => r.metrics.samples_per_second).sort()).toEqual(want.map((e) => e.headline).sort())
    expect(rows.every((r) => r.headline === 'samples_per_second' && r.accelerators! >= 2)).toBe(true)
  })

  it('not source = mlperf selects the local runs', () => {
    expect(querySummaries(store, 'not source = mlperf').map((r) => r.id)).toEqual([local.id])
    expect(querySummaries(store, 'source = mlperf and division = open and accelerator ~ MI300X').length).toBe(12)
  })
})

describe('a run beside the published ones', () => {
  const published = 'source = mlperf and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly and system ~ H100'
  const want = () => expected.filter((e) => e.id.includes('H100') && e.benchmark === 'resnet50' && e.scenario === 'Offline')
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  }

  it('refuses a side pooling published results of different systems, and compares one system', () => {
    expect(want().length).toBe(2)
    const e = errorOf(() => compareSelections(store, local.id, published))
    expect(e.code).toBe('COMPARE_PUBLISHED_MIXED')
    expect(e.hint).toMatch(
      /^compare one published result at a time: add `and submitter = NVIDIA and system = \S+ and division = closed and round = v4\.1` to side B's query, compare them --per accelerator, or add --allow-mixed/,
    )
    // the hint's way out: one system's result against the run
    const narrow = /`and (.+?)`/.exec(e.hint!)![1]
    const one = compareSelections(store, local.id, `${published} and ${narrow}`, { per: 'accelerator' })
    expect(one.metrics[0]).toMatchObject({ a: { n: 1, median: LOCAL_RATE }, b: { n: 1 }, verdict: 'inconclusive' })
    // the advice to repeat is for the run, never for a published result
    expect(one.warnings).toContain(
      'samples_per_second_per_accelerator: a side has one sample, so its noise is unknown and no verdict is given; add --repeat or more runs to side A',
    )
  })

  it('compares the headline result, with its unit, and says the hosts are not compared', () => {
    const c = compareSelections(store, local.id, published, { allowMixed: true })
    expect(c.metrics.map((m) => m.metric)).toEqual(['samples_per_second'])
    expect(c.metrics[0]).toMatchObject({
      unit: 'samples/s',
      higherIsBetter: true,
      a: { n: 1, median: LOCAL_RATE },
      b: { n: 2, median: med(want().map((e) => e.headline)) },
    })
    expect(c.warnings[0]).toMatch(/^side B holds published results/)
  })

  it('--per accelerator divides each result by its accelerator count', () => {
    // each system's result divided by its count is a sample of one accelerator: no --allow-mixed needed
    const c = compareSelections(store, local.id, published, { per: 'accelerator' })
    expect(c.warnings).toContain('side B holds 2 published results, each divided by its accelerator count and taken as one sample')
    expect(c.metrics[0]).toMatchObject({
      metric: 'samples_per_second_per_accelerator',
      unit: 'samples/s per accelerator',
      a: { median: LOCAL_RATE },
      b: { median: med(want().map((e) => e.headline / e.perNode)) },
    })
  })

  it('refuses other scenarios, modes and metrics, naming what differs', () => {
    const scenario = errorOf(() => compareSelections(store, local.id, published.replace('Offline', 'Server')))
    expect(scenario.code).toBe('COMPARE_RESULTS_DIFFER')
    expect(scenario.message).toBe('the results differ in scenario: A Offline; B Server')
    const mode = errorOf(() => compareSelections(store, local.id, published.replace('PerformanceOnly', 'AccuracyOnly')))
    expect(mode.message).toBe('the results differ in mode: A PerformanceOnly; B AccuracyOnly')
    const both = errorOf(() => compareSelections(store, 'source = mlperf and benchmark = resnet50 and mode = PerformanceOnly and system ~ H100', published))
    expect(both.message).toMatch(/^the results differ in scenario: A Offline, Server, SingleStream; B Offline$/)
    // a side that selects nothing says so, as any compare does
    expect(errorOf(() => compareSelections(store, local.id, `${published} and submitter = Nobody`)).code).toBe('COMPARE_EMPTY')
  })

  it('refuses a per-accelerator latency, and a run that saw no accelerator', async () => {
    const latency = 'source = mlperf and benchmark = resnet50 and scenario = SingleStream and mode = PerformanceOnly'
    const e = errorOf(() => compareSelections(store, latency, latency, { per: 'accelerator' }))
    expect(e.code).toBe('COMPARE_NO_ACCELERATORS')
    const other = new Store(path.join(dir, 'cpu-store'))
    await importMlperf(other, tree)
    const cpu = await localRun(other, 100, [])
    const none = errorOf(() => compareSelections(other, cpu.id, published, { per: 'accelerator' }))
    expect(none.message).toBe(`${cpu.id} does not say how many accelerators it ran on (it saw none)`)
    // without --per the same run compares
    expect(compareSelections(other, cpu.id, published, { allowMixed: true }).metrics[0]!.a.median).toBe(100)
  })
})

describe('exporting a submission tree', () => {
  it('writes published records back in the layout, and re-importing loses nothing', async () => {
    const out = path.join(dir, 'export-published')
    const records = selectRecords(store, 'source = mlperf')
    const res = exportTree(store, records, out)
    expect(res.written).toHaveLength(records.length)
    expect(res.skipped).toEqual([])
    const files = listTree(out).filter((f) => !f.endsWith('/'))
    expect(files).toContain('closed/NVIDIA/systems/DGX-H100_H100-SXM-80GBx8_TRT.json')
    expect(files).toContain('closed/NVIDIA/results/DGX-H100_H100-SXM-80GBx8_TRT/resnet50/Offline/performance/run_1/mlperf_log_detail.txt')
    expect(files).toContain('open/AcmeAI/results/MI300Xx8_vLLM/bert-99/SingleStream/accuracy/accuracy.txt')
    // a v4.1 tree: the measurements beside results/, under the name that round's checker looks for
    expect(files).toContain('open/AcmeAI/measurements/MI300Xx8_vLLM/bert-99/SingleStream/MI300Xx8_vLLM_SingleStream.json')
    expect(files).toContain('open/AcmeAI/measurements/MI300Xx8_vLLM/bert-99/SingleStream/user.conf')
    expect(files).not.toContain('open/AcmeAI/results/MI300Xx8_vLLM/bert-99/SingleStream/measurements.json')
    const again = new Store(path.join(dir, 'store-again'))
    const back = await importMlperf(again, out, { round: 'v4.1' })
    // the one result the tree held without its performance logs is said to lack them again, its accuracy run written back
    expect(back.skipped).toEqual([
      { path: 'closed/NVIDIA/results/L4x1_TRT/resnet50/Offline/performance', reason: 'no performance/run_1 folder: the result has only its accuracy run' },
    ])
    expect(back.added).toBe(records.length)
    const strip = (r: ExperimentRecord) => ({
      id: r.id,
      metrics: r.metrics,
      status: r.status,
      source: { ...r.source, from: undefined },
      loadgen: r.loadgen,
      host: r.host,
    })
    const before = records.map(strip).sort((x, y) => x.id.localeCompare(y.id))
    const after = selectRecords(again, 'source = mlperf')
      .map(strip)
      .sort((x, y) => x.id.localeCompare(y.id))
    expect(after).toEqual(before)
    // the kept files came back byte for byte, and a second export writes the same tree
    const kept = (st: Store, rs: ExperimentRecord[]) =>
      rs.map((r) => ({ id: r.id, files: listKeptFiles(r).map((o) => ({ path: o.path, sha256: o.sha256 })) })).sort((x, y) => x.id.localeCompare(y.id))
    const reread = selectRecords(again, 'source = mlperf')
    expect(kept(again, reread)).toEqual(kept(store, records))
    for (const r of reread)
      for (const o of listKeptFiles(r))
        expect(
          createHash('sha256')
            .update(readKeptFile(again, r, o.path))
            .digest('hex'),
        ).toBe(o.sha256)
    const out2 = path.join(dir, 'export-published-again')
    exportTree(again, reread, out2)
    expect(listTree(out2)).toEqual(listTree(out))
    for (const f of files.filter((f) => !f.endsWith('README.md')))
      expect(readFileSync(path.join(out2, f)).equals(readFileSync(path.join(out, f))), f).toBe(true)
  })

  it('carries the tar in a bundle of records: exp export FILE.tar.gz, exp import FILE.tar.gz', async () => {
    const records = selectRecords(store, 'source = mlperf and submitter = AcmeAI')
    const bundle = path.join(dir, 'acme.tar.gz')
    expect(
      await exportRecords(
        store,
        records.map((r) => r.id),
        bundle,
        'tar.gz',
      ),
    ).toBe(records.length)
    const other = new Store(path.join(dir, 'store-bundle'))
    mkdirSync(other.recordsDir, { recursive: true })
    expect(await importRecords(other, bundle)).toEqual({ added: records.length, filled: 0, skipped: 0, invalid: [] })
    for (const r of records) {
      const back = other.get(r.id)
      expect(back.outputsTar).toBe(KEPT_TAR)
      for (const o of listKeptFiles(back)) expect(readKeptFile(other, back, o.path).equals(readKeptFile(store, r, o.path))).toBe(true)
    }
  })

  it("writes a local run with a system description from its host and the user's fields", async () => {
    const out = path.join(dir, 'export-local')
    const res = exportTree(store, [local], out, { submitter: 'MyOrg', benchmark: 'resnet50', system: { system_name: 'My GPU box', framework: 'TensorRT 10' } })
    expect(res.written).toEqual([{ id: local.id, path: 'closed/MyOrg/results/NVIDIA_H100_PCIex1/resnet50/Offline' }])
    const sys = JSON.parse(readFileSync(path.join(out, 'closed/MyOrg/systems/NVIDIA_H100_PCIex1.json'), 'utf8')) as Record<string, unknown>
    for (const field of SYSTEM_FIELDS) expect(sys, field).toHaveProperty(field)
    expect(sys).toMatchObject({
      submitter: 'MyOrg',
      division: 'closed',
      system_name: 'My GPU box',
      accelerator_model_name: 'NVIDIA H100 PCIe',
      accelerators_per_node: 1,
      framework: 'TensorRT 10',
    })
    const scenario = path.join(out, 'closed/MyOrg/results/NVIDIA_H100_PCIex1/resnet50/Offline')
    expect(listTree(scenario).filter((f) => !f.endsWith('/'))).toEqual([
      'README.md',
      'measurements.json',
      'performance/run_1/mlperf_log_summary.txt',
      'user.conf',
    ])
    expect(readFileSync(path.join(scenario, 'user.conf'), 'utf8')).toContain(`resnet50.Offline.target_qps = ${LOCAL_RATE}`)
    const again = new Store(path.join(dir, 'store-local'))
    const back = await importMlperf(again, out)
    const [r] = selectRecords(again, 'source = mlperf and mode = PerformanceOnly')
    expect(back.skipped).toEqual([])
    expect(r!.source).toMatchObject({ submitter: 'MyOrg', accelerators: 1, headline: { metric: 'samples_per_second', value: LOCAL_RATE } })
  })

  it('skips records without LoadGen logs, and refuses when none has them', () => {
    const e = errorOf(() => exportTree(store, [recordOf({ x: [1] })], path.join(dir, 'export-none')))
    expect(e.code).toBe('EXPORT_NO_LOADGEN')
  })
})

describe('round summaries and archives', () => {
  const header =
    'Organization,Availability,Division,SystemType,SystemName,Platform,Model,MlperfModel,Scenario,Result,Accuracy,number_of_nodes,host_processor_model_name,host_processors_per_node,host_processor_core_count,accelerator_model_name,accelerators_per_node,Location,framework,operating_system,notes,compliance,errors,version,inferred,has_power,Units'
  const row = (org: string, platform: string, scenario: string, result: string, units: string) =>
    `${org},available,closed,datacenter,"${platform}, rev 2",${platform},resnet,resnet50,${scenario},${result},acc: 76.0,1,EPYC,2,64,NVIDIA H100-SXM-80GB,8,closed/${org}/results/${platform}/resnet50/${scenario}/performance/run_1,TensorRT,Ubuntu,,closed,0,v4.1,0,False,${units}`

  it('says when its rows name no round, which --round then gives them', async () => {
    // without the version column, fourth from the end (a row's quoted SystemName holds a comma)
    const cut = (line: string) => {
      const cells = line.split(',')
      expect(cells.splice(cells.length - 4, 1)).toEqual([line === header ? 'version' : 'v4.1'])
      return cells.join(',')
    }
    const csv = path.join(dir, 'summary-no-round.csv')
    writeFileSync(csv, [cut(header), cut(row('NVIDIA', 'DGX-H100', 'Offline', '91000.5', 'Samples/s'))].join('\n') + '\n')
    const s = new Store(path.join(dir, 'store-no-round'))
    const res = await importMlperf(s, csv)
    expect(res.added).toBe(1)
    expect(res.warnings).toEqual([
      {
        path: 'summary-no-round.csv',
        reason: 'its rows name no round (no version or Round column): they are keyed without one; give --round v4.1 to record it',
      },
    ])
    const given = await importMlperf(s, csv, { round: 'v4.1' })
    expect(given.warnings).toEqual([])
    expect(selectRecords(s, 'round = v4.1').length).toBe(1)
  })

  it("reads the checker's CSV: the Result under LoadGen's name, latencies in ns, power and bad rows skipped", async () => {
    const csv = path.join(dir, 'summary.csv')
    writeFileSync(
      csv,
      [
        header,
        row('NVIDIA', 'DGX-H100', 'Offline', '91000.5', 'Samples/s'),
        row('NVIDIA', 'DGX-H100', 'SingleStream', '0.41', 'Latency (ms)'),
        row('Acme', 'Box', 'Server', '12.5', 'Tokens/s'),
        row('Acme', 'Box', 'Offline', '900', 'Watts'),
        row('Acme', 'Box', 'Offline', 'n/a', 'Samples/s'),
      ].join('\n') + '\n',
    )
    const s = new Store(path.join(dir, 'store-csv'))
    const res = await importMlperf(s, csv)
    expect(res).toMatchObject({ kind: 'summary', found: 3, added: 3 })
    expect(res.skipped).toEqual([
      { path: 'summary.csv:5', reason: 'Units Watts is no performance result a LoadGen run reports (power rows are not imported)' },
      { path: 'summary.csv:6', reason: 'Result n/a is not a number' },
    ])
    const [ss] = selectRecords(s, 'scenario = SingleStream')
    expect(ss!.metrics.early_stopping_latency_ns).toMatchObject({ median: 410000, unit: 'ns', higherIsBetter: false })
    expect(ss!.source).toMatchObject({ round: 'v4.1', systemName: 'DGX-H100, rev 2', accelerators: 8, accuracy: 'acc: 76.0' })
    const [tokens] = selectRecords(s, 'submitter = Acme')
    expect(tokens!.source?.headline).toEqual({ metric: 'completed_tokens_per_second', value: 12.5, unit: 'tokens/s', higherIsBetter: true })
    expect((await importMlperf(s, csv)).added).toBe(0)
    // the same rows as JSON are the same results
    const json = path.join(dir, 'summary.json')
    writeFileSync(
      json,
      JSON.stringify([
        {
          Organization: 'NVIDIA',
          Division: 'closed',
          Platform: 'DGX-H100',
          MlperfModel: 'resnet50',
          Scenario: 'Offline',
          Result: 91000.5,
          Units: 'Samples/s',
          version: 'v4.1',
        },
      ]),
    )
    expect(await importMlperf(s, json)).toMatchObject({ found: 1, added: 0, present: 1 })
  })

  /** A round summary of these lines, summary-NAME.csv, imported into a store of its own. */
  async function importLines(name: string, lines: string[]) {
    const csv = path.join(dir, `summary-${name}.csv`)
    writeFileSync(csv, lines.join('\n') + '\n')
    const s = new Store(path.join(dir, `store-csv-${name}`))
    return { s, res: await importMlperf(s, csv) }
  }

  it("says once a system which rows' accelerator count is not a number, and imports them", async () => {
    const uncounted = (scenario: string, result: string, units: string) =>
      row('Acme', 'Box', scenario, result, units).replace(',NVIDIA H100-SXM-80GB,8,', ',NVIDIA H100-SXM-80GB,eight,')
    const { s, res } = await importLines('counts', [
      header,
      uncounted('Offline', '900', 'Samples/s'),
      uncounted('Server', '800', 'Queries/s'),
      row('NVIDIA', 'DGX-H100', 'Offline', '91000.5', 'Samples/s'),
    ])
    expect(res).toMatchObject({ found: 3, added: 3, skipped: [] })
    expect(res.warnings).toEqual([
      {
        path: 'summary-counts.csv:2',
        reason: 'Acme/Box: accelerators_per_node "eight" is not a count: its results carry no accelerator count, and compares --per accelerator refuse them',
      },
    ])
    for (const r of selectRecords(s, 'submitter = Acme')) expect(r.source?.accelerators).toBeUndefined()
  })

  it('says when a total_accelerators column is not a count, and counts from the nodes instead', async () => {
    const withTotal = (org: string, total: string) => `${row(org, 'Box', 'Offline', '900', 'Samples/s')},${total}`
    const { s, res } = await importLines('totals', [`${header},total_accelerators`, withTotal('Acme', 'many'), withTotal('Zeta', '16')])
    expect(res).toMatchObject({ found: 2, added: 2, skipped: [] })
    expect(res.warnings).toEqual([
      {
        path: 'summary-totals.csv:2',
        reason: 'Acme/Box: total_accelerators "many" is not a count: counted from accelerators_per_node and number_of_nodes as 8',
      },
    ])
    expect(selectRecords(s, 'submitter = Acme')[0]!.source?.accelerators).toBe(8)
    expect(selectRecords(s, 'submitter = Zeta')[0]!.source?.accelerators).toBe(16)
  })

  it('imports a .tar.gz and a .zip of the tree as the tree itself', async () => {
    const tgz = path.join(dir, 'inference_results_v4.1.tar.gz')
    execFileSync('tar', ['-czf', tgz, '-C', tree, '.'])
    const s = new Store(path.join(dir, 'store-tgz'))
    const fromTar = await importMlperf(s, tgz)
    expect(fromTar).toMatchObject({ found: report.found, added: report.found })
    expect(fromTar.skipped.map((x) => x.path)).toEqual(report.skipped.map((x) => x.path))
    expect((await importMlperf(s, tgz)).added).toBe(0)
    const files: Record<string, Uint8Array> = {}
    for (const rel of listTree(tree).filter((f) => !f.endsWith('/'))) files[`sub/${rel}`] = readFileSync(path.join(tree, rel))
    const zip = path.join(dir, 'inference_results_v4.1.zip')
    writeFileSync(zip, zipSync(files))
    const z = new Store(path.join(dir, 'store-zip'))
    expect(await importMlperf(z, zip)).toMatchObject({ found: report.found, added: report.found })
  })

  it('a path that is not there or not a tree is a clear error or a report, never a crash', async () => {
    await expect(importMlperf(store, path.join(dir, 'nothing'))).rejects.toMatchObject({ code: 'IMPORT_MISSING' })
    const empty = path.join(dir, 'empty')
    mkdirSync(empty)
    expect(await importMlperf(store, empty)).toMatchObject({
      found: 0,
      added: 0,
      skipped: [{ path: '.', reason: expect.stringMatching(/not an MLPerf submission tree/) }],
    })
  })
})
