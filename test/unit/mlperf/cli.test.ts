// The MLPerf commands as a user runs them (the built binary, through the fast
// path and through oclif): import a tree, select with the query language,
// compare a run with the published results per accelerator, refuse another
// scenario, export a tree, and a report of the run beside them.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repeatMetrics, summarizeRepeats } from '../../../src/collect/benchmarkMetrics.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { summaryLog, writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { putRecords, recordOf } from '../../helpers/records.js'
import { listTree, repoRoot, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-cli-')
const tree = path.join(dir, 'inference_results_v4.1')
const store = path.join(dir, 'store')
const bin = path.join(repoRoot, 'bin/run.js')
let run: ExperimentRecord
const published = 'source = mlperf and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly and system ~ H100'

/** argv through the fast path and through oclif, which must say the same; `between` runs after the first (to clear what it wrote). */
function cmc(...argv: string[]) {
  return bothPaths(argv, () => {})
}

function bothPaths(argv: string[], between: () => void) {
  const env = { ...process.env, CMC_STORE: store, CMC_HOME: path.join(dir, 'home') }
  const fast = spawnSync(process.execPath, [bin, ...argv], { env, encoding: 'utf8' })
  between()
  const slow = spawnSync(process.execPath, [bin, ...argv], { env: { ...env, CMC_NO_FAST_PATH: '1' }, encoding: 'utf8' })
  expect(slow.status, argv.join(' ')).toBe(fast.status)
  expect(slow.stderr, argv.join(' ')).toBe(fast.stderr)
  expect(slow.stdout, argv.join(' ')).toBe(fast.stdout)
  return fast
}

/** An export into `out` through both paths, each into a new folder (an export refuses one that holds files): the same files too. */
function cmcExport(out: string, ...argv: string[]) {
  let first: string[] = []
  const r = bothPaths([...argv, '-o', out], () => {
    first = listTree(out)
    rmSync(out, { recursive: true, force: true })
  })
  expect(listTree(out)).toEqual(first)
  return r
}

beforeAll(async () => {
  writeTestTree(tree)
  const first = spawnSync(process.execPath, [bin, 'exp', 'import', '--mlperf', tree, '--store', store], {
    encoding: 'utf8',
    env: { ...process.env, CMC_HOME: path.join(dir, 'home') },
  })
  expect(first.status, first.stderr).toBe(0)
  expect(first.stdout).toMatch(/^imported 47 MLPerf result\(s\) from .*, 4 skipped\n$/)
  expect(first.stderr).toContain(
    'skipped open/AcmeAI/results/MI300Xx8_vLLM/Offline: a scenario folder directly under the system: the <benchmark> level is missing',
  )
  const out = path.join(dir, 'run')
  mkdirSync(out)
  writeFileSync(path.join(out, 'mlperf_log_summary.txt'), summaryLog({ scenario: 'Offline', sut: 'cmc', rate: 20000, latencyNs: 400000 }).text)
  const spec = { dir: '/cmc/out', maxBytes: 1 << 20, metrics: { format: 'loadgen' as const } }
  const repeats = [{ index: 0, metrics: repeatMetrics(spec, out, '').metrics, exitCode: 0, durationMs: 1 }]
  const base = recordOf({})
  ;[run] = (await putRecords(new Store(store), [
    {
      ...base,
      repeats,
      metrics: summarizeRepeats(repeats, spec),
      host: {
        ...base.host,
        gpus: [
          { vendor: 'NVIDIA', model: 'NVIDIA H100 PCIe' },
          { vendor: 'NVIDIA', model: 'NVIDIA H100 PCIe' },
        ],
      },
      outputs: [{ path: 'mlperf_log_summary.txt', size: 1, sha256: 'x' }],
    },
  ])) as [ExperimentRecord]
  mkdirSync(path.join(new Store(store).recordDir(run.id), 'outputs'), { recursive: true })
  writeFileSync(path.join(new Store(store).recordDir(run.id), 'outputs', 'mlperf_log_summary.txt'), readFileSync(path.join(out, 'mlperf_log_summary.txt')))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('cmc exp import --mlperf, list, compare, export', () => {
  it('imports again adding nothing', () => {
    const again = cmc('exp', 'import', '--mlperf', tree, '--json')
    expect(again.status).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ found: 47, added: 0, present: 47 })
  })

  it('--round 4.1 is the round v4.1: the same tree under that round imports nothing new; a tree that names none is warned of', () => {
    const again = cmc('exp', 'import', '--mlperf', tree, '--round', '4.1', '--json')
    expect(again.status, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ found: 47, added: 0, present: 47 })
    const bad = cmc('exp', 'import', '--mlperf', tree, '--round', 'latest')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('error[FLAG_VALUE]: --round latest: not a round')
    const unnamed = path.join(dir, 'submission')
    mkdirSync(unnamed, { recursive: true })
    const none = cmc('exp', 'import', '--mlperf', unnamed, '--store', path.join(dir, 'store-unnamed'))
    expect(none.stderr).toMatch(/^warning: \S*submission names no round .*give --round v4\.1/m)
    // a path that is not there is that error alone, with no warning about its round first
    const missing = cmc('exp', 'import', '--mlperf', path.join(dir, 'not-there'), '--store', path.join(dir, 'store-unnamed'))
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/^error\[IMPORT_MISSING\]: \S*not-there does not exist/)
    // a summary of a header and no rows says it held nothing
    writeFileSync(
      path.join(dir, 'empty_v4.1.csv'),
      'Organization,Availability,Division,SystemType,SystemName,Platform,Model,MlperfModel,Scenario,Result,Accuracy,Location\n',
    )
    const empty = cmc('exp', 'import', '--mlperf', path.join(dir, 'empty_v4.1.csv'), '--store', path.join(dir, 'store-unnamed'))
    expect(empty.status, empty.stderr).toBe(0)
    expect(empty.stderr).toMatch(/^warning: \S*empty_v4\.1\.csv holds no results: nothing was imported$/m)
  })

  it('shows a published record with the files it keeps in its tar, each with its sha256', () => {
    const list = cmc('exp', 'list', '--where', published, '--json')
    const id = (JSON.parse(list.stdout) as Array<{ id: string }>)[0]!.id
    const record = new Store(store).get(id)
    const shown = cmc('exp', 'show', id)
    expect(shown.status, shown.stderr).toBe(0)
    expect(shown.stdout).toContain(`  outputs  ${record.outputs.length} file(s) in kept.tar`)
    const lines = shown.stdout.split('\n')
    for (const o of record.outputs)
      expect(
        lines.some((l) => l.includes(o.path) && l.includes(o.sha256)),
        o.path,
      ).toBe(true)
  })

  it('selects published results with the query language', () => {
    const r = cmc(
      'exp',
      'list',
      '--where',
      'source = mlperf and submitter = NVIDIA and system ~ H100 and benchmark = resnet50 and scenario = Offline',
      '--json',
    )
    const rows = JSON.parse(r.stdout) as Array<{ system: string; mode: string }>
    expect(rows.map((x) => `${x.system} ${x.mode}`).sort()).toEqual([
      'DGX-H100_H100-SXM-80GBx8_TRT AccuracyOnly',
      'DGX-H100_H100-SXM-80GBx8_TRT PerformanceOnly',
      'H100-PCIe-80GBx2_TRT AccuracyOnly',
      'H100-PCIe-80GBx2_TRT PerformanceOnly',
    ])
    // in text, each published row says whose system, scenario, mode and round it is, its headline result first
    const text = cmc('exp', 'list', '--where', `${published} and system ~ DGX`).stdout
    expect(text).toMatch(/PUBLISHED +PARAMS +METRICS/)
    expect(text).toMatch(/NVIDIA\/DGX-H100_H100-SXM-80GBx8_TRT Offline PerformanceOnly v4\.1 +samples_per_second=/)
  })

  it('compares a run with the published results per accelerator', () => {
    // two H100 systems match: one number each, no repeats of one measurement; refused as totals, the hint narrowing to one
    const pooled = cmc('exp', 'compare', run.id, published)
    expect(pooled.status).toBe(2)
    expect(pooled.stderr).toContain('error[COMPARE_PUBLISHED_MIXED]: side B pools results of different published systems or rounds')
    const one = `${published} and ${/add `and (.+?)` to side B's query/.exec(pooled.stderr)![1]}`
    // per accelerator, each system's result is a sample of one accelerator: the whole query compares
    const all = cmc('exp', 'compare', run.id, published, '--per', 'accelerator')
    expect(all.status, all.stderr).toBe(0)
    expect(all.stderr).toContain('side B holds 2 published results, each divided by its accelerator count and taken as one sample')
    const r = cmc('exp', 'compare', run.id, one, '--per', 'accelerator')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('samples_per_second_per_accelerator (samples/s per accelerat')
    expect(r.stdout).toMatch(/\b10000\b/) // 20000 samples/s on 2 GPUs
    expect(r.stderr).toContain('side B holds published results')
    const json = JSON.parse(cmc('exp', 'compare', run.id, one, '--per', 'accelerator', '--json').stdout) as { metrics: Array<{ a: { median: number } }> }
    expect(json.metrics[0]!.a.median).toBe(10000)
  })

  it('refuses another scenario with exit code 2', () => {
    const r = cmc('exp', 'compare', run.id, published.replace('Offline', 'Server'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('the results differ in scenario: A Offline; B Server')
  })

  it('exports a submission tree of the published results and the run', () => {
    const out = path.join(dir, 'tree-out')
    const r = cmcExport(
      out,
      'exp',
      'export',
      '--format',
      'mlperf',
      '--where',
      `source = mlperf and submitter = NVIDIA or id = ${run.id}`,
      '--submitter',
      'Me',
      '--benchmark',
      'resnet50',
      '--json',
    )
    expect(r.status, r.stderr).toBe(0)
    rmSync(out, { recursive: true, force: true })
    const text = cmcExport(out, 'exp', 'export', '--format', 'mlperf', '--where', `id = ${run.id}`, '--submitter', 'Me', '--benchmark', 'resnet50')
    // nobody said how the weights were made: the placeholders are named, to fill in before submitting
    expect(text.stderr).toMatch(/^warning: 1 measurements\.json file\(s\) say "unknown" for what nobody gave \(input_data_types, retraining, /m)
    expect(existsSync(path.join(out, 'closed/Me/results/NVIDIA_H100_PCIex2/resnet50/Offline/performance/run_1/mlperf_log_summary.txt'))).toBe(true)
    expect(existsSync(path.join(out, 'closed/Me/systems/NVIDIA_H100_PCIex2.json'))).toBe(true)
  })

  it('writes a report with the run beside the published results', () => {
    const html = path.join(dir, 'report.html')
    const r = spawnSync(process.execPath, [bin, 'report', '--compare', `id = ${run.id}`, published, '-o', html, '--store', store], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('"published":{"submitter":"NVIDIA"')
    expect(page).toContain('samples_per_second')
  })

  it('writes a report of the run beside the published results per accelerator', () => {
    const html = path.join(dir, 'report-per.html')
    const r = spawnSync(process.execPath, [bin, 'report', '--compare', `id = ${run.id}`, published, '--per', 'accelerator', '-o', html, '--store', store], {
      encoding: 'utf8',
    })
    expect(r.status, r.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('samples_per_second_per_accelerator')
    expect(page).toContain('samples/s per accelerator')
    // the same numbers exp compare gives
    const json = JSON.parse(cmc('exp', 'compare', `id = ${run.id}`, published, '--per', 'accelerator', '--json').stdout) as {
      metrics: Array<{ a: { median: number } }>
    }
    expect(page).toContain(`"median":${json.metrics[0]!.a.median}`)
    const alone = spawnSync(process.execPath, [bin, 'report', '--per', 'accelerator', '-o', html, '--store', store], { encoding: 'utf8' })
    expect(alone.status).toBe(2)
    expect(alone.stderr).toContain('give --compare A B as well')
  })
})
