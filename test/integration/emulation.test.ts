// An arm64 image on an amd64 engine runs under qemu (binfmt_misc): the record
// says so, `exp list` and `exp show` mark it, `exp compare` refuses a
// performance verdict between it and a native run unless --allow-emulated,
// and the HTML report marks its series (checked in Chromium).
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { engineInfo } from '../../src/engine/info.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/platform-repo')
const home = tmpDir('cmc-home-')
const store = tmpDir('cmc-emulation-store-')
const env = { CMC_HOME: home, CMC_STORE: store }
const chromiumPath = process.env.CMC_CHROMIUM ?? '/usr/bin/chromium'
let native: ExperimentRecord
let emulated: ExperimentRecord
let runStderr: string

async function runOn(platform: string): Promise<{ record: ExperimentRecord; stderr: string }> {
  const r = await cli(['run', 'arch-loop', '--repo', repo, '--platform', platform, '--json'], { env })
  expect(r.code, r.stderr).toBe(0)
  const [record] = JSON.parse(r.stdout) as ExperimentRecord[]
  return { record: record!, stderr: r.stderr }
}

beforeAll(async () => {
  await pingEngine()
  const arch = (await engineInfo()).arch
  if (arch !== 'x86_64') throw new Error(`these tests need an amd64 engine with qemu-user-static for arm64 (this one is ${arch})`)
  native = (await runOn('x86_64')).record
  const arm = await runOn('arm64')
  emulated = arm.record
  runStderr = arm.stderr
}, 300_000)
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

describe('emulated runs', () => {
  it('an arm64 run on an amd64 engine is recorded emulated, with its interpreter', () => {
    expect(emulated.platform).toBe('arm64')
    expect(emulated.emulated).toBe(true)
    expect(emulated.emulation).toMatchObject({ hostArch: 'amd64', imageArch: 'arm64' })
    expect(emulated.emulation!.interpreter).toMatch(/qemu-aarch64.*binfmt_misc/)
    expect(runStderr).toMatch(/arm64 \(arm64\) runs emulated on this amd64 engine/)
    // what the benchmark itself saw: an aarch64 machine
    expect(emulated.outputs.map((o) => o.path)).toContain('r0/machine.txt')
    expect(native.emulated).toBe(false)
    expect(native.emulation).toBeUndefined()
  })

  it('exp list and exp show mark it', async () => {
    const list = await cli(['exp', 'list'], { env })
    expect(list.code, list.stderr).toBe(0)
    const line = (id: string) => list.stdout.split('\n').find((l) => l.startsWith(id)) ?? ''
    expect(line(emulated.id)).toContain('arm64 (emulated)')
    expect(line(native.id)).not.toContain('emulated')
    const show = await cli(['exp', 'show', emulated.id], { env })
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toMatch(/emulated arm64 image, host amd64, through qemu-aarch64/)
  })

  it('exp compare refuses a verdict between emulated and native runs, and says why', async () => {
    const r = await cli(['exp', 'compare', native.id, emulated.id, '--json'], { env })
    expect(r.code).toBe(2)
    const err = JSON.parse(r.stdout) as { error: string; message: string; hint: string; details: string[] }
    expect(err.error).toBe('COMPARE_EMULATED')
    expect(err.message).toMatch(/A ran native; B ran emulated on host \S+/)
    expect(err.details.join(' ')).toContain('measure the emulator')
    expect(err.hint).toContain('--allow-emulated')
    const text = await cli(['exp', 'compare', native.id, emulated.id], { env })
    expect(text.code).toBe(2)
    expect(text.stderr).toContain('no performance verdict between emulated and native runs')
  })

  it('with --allow-emulated it gives the verdict, with a warning', async () => {
    const r = await cli(['exp', 'compare', native.id, emulated.id, '--allow-emulated', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout) as { metrics: Array<{ metric: string; verdict: string }>; warnings: string[] }
    const loop = c.metrics.find((m) => m.metric === 'loop_ms')!
    expect(['improved', 'regressed', 'no change', 'inconclusive']).toContain(loop.verdict)
    expect(c.warnings.join('\n')).toContain("includes the emulator's cost")
  })

  it('the report marks the emulated series', async () => {
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run \`bash scripts/setup.sh\` or set CMC_CHROMIUM`)
    const file = path.join(store, 'report.html')
    const r = await cli(['report', '-o', file], { env })
    expect(r.code, r.stderr).toBe(0)
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
    try {
      const page = await browser.newPage()
      await page.goto(`file://${file}`)
      await page.waitForSelector('#runs table')
      const rows = await page.locator('#runs tr').allInnerTexts()
      expect(rows.find((t) => t.includes(emulated.id))).toContain('arm64 (emulated)')
      expect(rows.find((t) => t.includes(native.id))).not.toContain('emulated')
      // the chart's series are the marked platforms
      const series = await page.evaluate(() => {
        const charts = Object.values(
          (window as unknown as { Chart: { instances: Record<string, { data: { datasets: Array<{ label: string }> } }> } }).Chart.instances,
        )
        return [...new Set(charts.flatMap((c) => c.data.datasets.map((d) => d.label)))]
      })
      expect(
        series.some((s) => s.includes('arm64 (emulated)')),
        series.join(', '),
      ).toBe(true)
    } finally {
      await browser.close()
    }
  }, 60_000)
})
