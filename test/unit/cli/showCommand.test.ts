// `cmc exp show` as a user runs it (the built binary) on a store written here:
// a published MLPerf result shows who submitted which system, in which round,
// the scenario, the headline result and its validity, without the empty lines
// of a run (image, params, command, host); and the interval beside a metric
// says what it is the interval of, positive for few repeats of a positive metric.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { Store } from '../../../src/store/store.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-show-cli-')
const store = path.join(dir, 'store')
const bin = path.join(repoRoot, 'bin/run.js')
let run: ExperimentRecord
let many: ExperimentRecord
let published: ExperimentRecord

beforeAll(async () => {
  const pub = recordOf({ samples_per_second: [41234.5] }, { hostname: 'mlperf:MyOrg/sys1', digest: '', hib: { samples_per_second: true } })
  pub.metrics.samples_per_second!.unit = 'samples/s'
  pub.platform = 'published'
  pub.benchmark = { alias: 'resnet50', uid: '' }
  pub.image = { alias: '', uid: '', planHash: '', ref: '', digest: '', id: '' }
  pub.command = ''
  pub.host = { ...pub.host, cpuModel: 'Xeon', cores: 0, memoryBytes: 0, kernel: '', docker: { ...pub.host.docker, version: '' } }
  pub.source = {
    kind: 'mlperf',
    round: 'v4.1',
    submitter: 'MyOrg',
    division: 'closed',
    availability: 'available',
    system: 'sys1',
    systemName: 'MyOrg Box 8xH100',
    benchmark: 'resnet50',
    scenario: 'Offline',
    mode: 'PerformanceOnly',
    accelerator: 'NVIDIA H100-SXM-80GB',
    accelerators: 8,
    hostProcessor: 'Intel Xeon Platinum 8480C',
    framework: 'TensorRT 10.2',
    headline: { metric: 'samples_per_second', value: 41234.5, unit: 'samples/s', higherIsBetter: true },
    valid: true,
    compliance: { TEST01: 'passed' },
    from: 'closed/MyOrg/results/sys1/resnet50/Offline',
    key: 'sys1/resnet50/Offline',
  }
  ;[run, many, published] = await putRecords(new Store(store), [
    // three spread repeats: the t interval of their mean reaches below zero
    recordOf({ add_gbs: [0.5, 13.5, 26.6] }, { params: { threads: 2 } }),
    recordOf({ add_gbs: [10, 11, 12, 13, 14, 15, 16] }),
    pub,
  ])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function showing(id: string) {
  const env = { ...process.env, CMC_STORE: store, CMC_HOME: path.join(dir, 'home') }
  const r = spawnSync(process.execPath, [bin, 'exp', 'show', id], { env, encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  return r
}

function show(id: string) {
  return showing(id).stdout.split('\n')
}

describe('cmc exp show', () => {
  it('shows what a published result is, and leaves out what only a run has', () => {
    const lines = show(published.id)
    expect(lines.slice(0, 9)).toEqual([
      `${published.id}  resnet50: published MLPerf result of v4.1, valid`,
      '  result   41235 samples/s (samples_per_second, higher is better)',
      '  scenario Offline, PerformanceOnly',
      '  by       MyOrg, closed division, available, round v4.1',
      '  system   sys1 (MyOrg Box 8xH100)',
      '  accel    8 x NVIDIA H100-SXM-80GB',
      '  cpu      Intel Xeon Platinum 8480C',
      '  software TensorRT 10.2',
      '  checks   TEST01 passed',
    ])
    expect(lines).toContain('  from     closed/MyOrg/results/sys1/resnet50/Offline')
    for (const empty of ['image', 'params', 'command', 'host', 'limits', 'env']) expect(lines.some((l) => l.startsWith(`  ${empty} `))).toBe(false)
    // one published number has no interval
    expect(lines.find((l) => l.startsWith('samples_per_second'))).toMatch(/^samples_per_second\s+41235\s+n\/a\s+41235\s+41235\s+1\s+samples\/s$/)
  })

  it('a run still shows its image, params, command and host', () => {
    const lines = show(run.id)
    expect(lines[0]).toBe(`${run.id}  bench on x86_64: ok (exit 0)`)
    for (const part of ['  image    cmc/img:x', '  params   threads=2', '  command  bench', '  host     lab-1: cpu, 8 cores'])
      expect(lines.some((l) => l.startsWith(part))).toBe(true)
  })

  it('names what the interval beside a metric is of, and keeps it positive for a positive metric', () => {
    const few = show(run.id).find((l) => l.startsWith('add_gbs'))!
    // the t(2) interval of the mean of the logs, exponentiated (computed apart: 0.02870 .. 1108.8, geomean 5.6415)
    expect(few).toMatch(/^add_gbs\s+13\.50\s+0\.0287 \.\. 1109 \(geomean 5\.64\)\s+0\.500\s+26\.60\s+3\s*$/)
    expect(few).not.toMatch(/-\d/)
    const six = show(many.id).find((l) => l.startsWith('add_gbs'))!
    expect(six).toMatch(/^add_gbs\s+13\s+10 \.\. 16 \(median\)/)
  })

  it('a query that matches several records shows the first and says how many matched', () => {
    const several = showing('benchmark = bench and platform = x86_64')
    expect(several.stdout.split('\n')[0]).toBe(`${run.id}  bench on x86_64: ok (exit 0)`)
    expect(several.stderr).toContain(`2 records match "benchmark = bench and platform = x86_64"; this is the first, ${run.id}`)
    // one match: no warning
    const one = showing('params.threads = 2')
    expect(one.stdout.split('\n')[0]).toBe(`${run.id}  bench on x86_64: ok (exit 0)`)
    expect(one.stderr).not.toContain('records match')
  })
})
