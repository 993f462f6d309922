// The shipped examples end to end through the `cmc` binary, as a user runs
// them: memory bandwidth, NumPy matmul and ResNet-18 on x86_64, memory
// bandwidth on arm64 under emulation, records in the store, a compare between
// the two platforms, a reproduce, and a report with their numbers.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli } from '../helpers/engine.js'
import { examplesDir, tmpDir } from '../helpers/tmp.js'

const home = tmpDir('cmc-home-')
const store = tmpDir('cmc-e2e-store-')
const env = { CMC_HOME: home, CMC_STORE: store, CMC_REPOS: examplesDir }
const cmc = (...args: string[]) => cli(args, { env })
async function runJson(...args: string[]): Promise<ExperimentRecord[]> {
  const r = await cmc('run', ...args, '--json')
  expect(r.code, r.stderr.slice(-3000)).toBe(0)
  return JSON.parse(r.stdout) as ExperimentRecord[]
}

beforeAll(async () => {
  await pingEngine()
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

describe('examples end to end', () => {
  it('1. memory bandwidth on x86_64: a thread sweep, GB/s per kernel', async () => {
    const recs = await runJson('stream', '--platform', 'x86_64', '--set', 'threads=1,2', '--set', 'size=2000000', '--repeat', '3')
    expect(recs.map((r) => r.params.threads).sort()).toEqual([1, 2])
    for (const r of recs) {
      expect(r.status).toBe('ok')
      for (const k of ['copy_gbs', 'scale_gbs', 'add_gbs', 'triad_gbs']) {
        expect(r.metrics[k].n).toBe(3)
        expect(r.metrics[k].median).toBeGreaterThan(0.1)
        expect(r.metrics[k].unit).toBe('GB/s')
      }
      expect(r.image.digest).toMatch(/^sha256:/)
    }
  })

  it('2. NumPy matmul on x86_64: GFLOP/s over sizes', async () => {
    const recs = await runJson('matmul-numpy', '--platform', 'x86_64', '--set', 'n=128,256', '--set', 'iters=3', '--repeat', '2')
    expect(recs.map((r) => r.params.n).sort((a, b) => Number(a) - Number(b))).toEqual([128, 256])
    for (const r of recs) {
      expect(r.status).toBe('ok')
      expect(r.metrics.gflops.median).toBeGreaterThan(0.05)
    }
  })

  it('3. ResNet-18 inference on x86_64: images/s and latency percentiles over batch sizes', async () => {
    const recs = await runJson('resnet18-torch', '--platform', 'x86_64', '--set', 'batch=1,4', '--set', 'iters=3', '--set', 'size=96', '--repeat', '2')
    expect(recs).toHaveLength(2)
    for (const r of recs) {
      expect(r.status).toBe('ok')
      expect(r.metrics.images_per_s.median).toBeGreaterThan(0)
      expect(r.metrics.latency_p50_ms.median).toBeGreaterThan(0)
      expect(r.metrics.latency_p99_ms.median).toBeGreaterThanOrEqual(r.metrics.latency_p50_ms.median)
    }
  })

  it('1 on arm64 (cross-compiled, run under emulation): the binary is aarch64 and the run lands in the store', async () => {
    const r = await cmc('run', 'stream', '--platform', 'arm64', '--set', 'threads=1', '--set', 'size=2000000', '--repeat', '3', '--json')
    expect(r.code, r.stderr.slice(-3000)).toBe(0)
    const recs = JSON.parse(r.stdout) as ExperimentRecord[]
    // on an amd64 engine the build stage cross-compiles with aarch64-linux-gnu-gcc; the runtime stage is arm64
    if (process.arch === 'x64') expect(r.stderr).toContain('build stage cross-compiles on linux/amd64 for linux/arm64')
    expect(recs[0].status).toBe('ok')
    expect(recs[0].platform).toBe('arm64')
    const inspect = await cli(['exp', 'show', recs[0].id], { env })
    expect(inspect.code).toBe(0)
    expect(inspect.stdout).toContain('arm64')
    const log = readFileSync(path.join(store, 'records', recs[0].id.slice(0, 4), recs[0].id.slice(4, 6), recs[0].id, 'stdout.log'), 'utf8')
    expect(log).toMatch(/aarch64/)
  })

  it('the store holds every run; compare x86_64 with emulated arm64 is refused a verdict unless allowed', async () => {
    const list = await cmc('exp', 'list', '--where', 'benchmark = stream', '--json')
    expect(list.code).toBe(0)
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(3)
    const all = await cmc('exp', 'list', '--json')
    expect((JSON.parse(all.stdout) as unknown[]).length).toBe(7) // 2 stream + 2 matmul + 2 resnet + 1 arm64
    const sides = ['benchmark = stream and platform = x86_64 and params.threads = 1', 'benchmark = stream and platform = arm64']
    // arm64 ran under qemu on this x86_64 engine: its timings measure the emulator
    const refused = await cmc('exp', 'compare', ...sides)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('COMPARE_EMULATED')
    expect(refused.stderr).toContain('--allow-emulated')
    const c = await cmc('exp', 'compare', ...sides, '--allow-emulated', '--json')
    expect(c.code, c.stderr).toBe(0)
    const cmp = JSON.parse(c.stdout) as { metrics: Array<{ metric: string; verdict: string; ratio: number }>; warnings: string[] }
    const triad = cmp.metrics.find((m) => m.metric === 'triad_gbs')!
    // arm64 runs under qemu here: far slower than native x86_64.
    expect(triad.ratio).toBeLessThan(0.9)
    expect(triad.verdict).toBe('regressed')
    expect(cmp.warnings.join('\n')).toMatch(/platforms x86_64 vs arm64/)
    expect(cmp.warnings.join('\n')).toMatch(/emulator/)
    const text = await cmc('exp', 'compare', ...sides, '--allow-emulated')
    expect(text.stdout).toMatch(/triad_gbs.*regressed/)
  })

  it('reproduce re-runs a record with the same image digest and params, then compares', async () => {
    const list = JSON.parse(
      (await cmc('exp', 'list', '--where', 'benchmark = stream and platform = x86_64 and params.threads = 2', '--json')).stdout,
    ) as Array<{ id: string }>
    const r = await cmc('exp', 'reproduce', list[0].id, '--json')
    expect(r.code, r.stderr.slice(-2000)).toBe(0)
    const out = JSON.parse(r.stdout) as { reproduction: string; original: string; comparison: { metrics: Array<{ verdict: string }> } }
    expect(out.original).toBe(list[0].id)
    const original = JSON.parse((await cmc('exp', 'show', list[0].id, '--json')).stdout) as ExperimentRecord
    const again = JSON.parse((await cmc('exp', 'show', out.reproduction, '--json')).stdout) as ExperimentRecord
    expect(again.reproduces).toBe(list[0].id)
    expect(again.image.digest).toBe(original.image.digest)
    expect(again.params).toEqual(original.params)
    expect(again.status).toBe('ok')
    expect(out.comparison.metrics.length).toBeGreaterThan(0)
  })

  it('cmc report writes one HTML file with the runs and their numbers', async () => {
    const file = path.join(store, 'report.html')
    const r = await cmc(
      'report',
      '--where',
      'benchmark = stream',
      '-o',
      file,
      '--compare',
      'platform = x86_64 and params.threads = 1',
      '--compare',
      'platform = arm64',
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/comparison: comparing platforms x86_64 vs arm64: the images differ by design/)
    expect(existsSync(file)).toBe(true)
    const html = readFileSync(file, 'utf8')
    const recs = JSON.parse((await cmc('exp', 'list', '--where', 'benchmark = stream', '--json')).stdout) as Array<{
      id: string
      metrics: Record<string, number>
    }>
    for (const rec of recs) {
      expect(html).toContain(rec.id)
      expect(html).toContain(String(rec.metrics.triad_gbs))
    }
    expect(html).not.toMatch(/<script src=/) // self-contained
  })

  it('bad meta gives file:line:col, exit 2 and no stack trace', async () => {
    const bad = tmpDir('cmc-bad-repo-')
    const { writeTree } = await import('../helpers/tmp.js')
    writeTree(bad, { 'cmc-repo.yaml': 'name: bad\n', 'b/cmc.yaml': 'kind: benchmark\nalias: b\nimage: c-omp\ncomand: echo hi\n' })
    const r = await cli(['plan', 'b', '--repo', bad], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/b\/cmc\.yaml:4:1/)
    expect(r.stderr).toMatch(/command/)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    rmSync(bad, { recursive: true, force: true })
  })
})
