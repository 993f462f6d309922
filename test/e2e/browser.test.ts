// The HTML report and the dashboard in a real headless Chromium (Debian's
// chromium driven by playwright-core): numbers from the store appear, charts
// are drawn, filtering and compare work, and screenshots are kept.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { bin, cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const home = tmpDir('cmc-home-')
const store = tmpDir('cmc-browser-store-')
const shots = process.env.CMC_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts')
const env = { CMC_HOME: home, CMC_STORE: store }
const chromiumPath = process.env.CMC_CHROMIUM ?? '/usr/bin/chromium'
let browser: Browser
let records: ExperimentRecord[]

beforeAll(async () => {
  await pingEngine()
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: run \`bash scripts/setup.sh\` (it installs Debian's chromium) or set CMC_CHROMIUM`)
  mkdirSync(shots, { recursive: true })
  const r = await cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--set', 'n=3,5', '--repeat', '3', '--json'], { env })
  expect(r.code, r.stderr).toBe(0)
  records = JSON.parse(r.stdout) as ExperimentRecord[]
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
})
afterAll(async () => {
  await browser?.close()
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

describe('report and dashboard in Chromium', () => {
  it('the report shows the stored numbers, draws charts and the compare verdict', async () => {
    const file = path.join(store, 'report.html')
    const r = await cli(['report', '-o', file, '--compare', 'params.n = 3', '--compare', 'params.n = 5'], { env })
    expect(r.code, r.stderr).toBe(0)
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`file://${file}`)
    await page.waitForSelector('#runs table')
    const runs = await page.locator('#runs').innerText()
    for (const rec of records) {
      expect(runs).toContain(rec.id)
      expect(runs).toContain(`double ${rec.metrics.double.median}`)
    }
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(3)
    // Charts really drew something: some canvas pixels are not transparent.
    const painted = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].some((c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true
        return false
      }),
    )
    expect(painted).toBe(true)
    const cmp = await page.locator('#compare').innerText()
    expect(cmp, cmp).toMatch(/value\s+3\.00\s+5\.00\s+1\.67/)
    expect(cmp).toContain('improved')
    expect(errors).toEqual([])
    const shot = path.join(shots, 'report.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect(statSync(shot).size).toBeGreaterThan(10_000)
    await page.close()
  })

  it('the dashboard filters and compares live on 127.0.0.1', async () => {
    const port = await freePort()
    const p: ChildProcess = spawn(process.execPath, [bin, 'dashboard', '--port', String(port)], { env: { ...process.env, ...env } })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        const t = setTimeout(() => reject(new Error(`dashboard did not start: ${out}`)), 20_000)
        const on = (d: Buffer) => {
          out += d
          const m = /(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)
          if (m) {
            clearTimeout(t)
            resolve(m[1])
          }
        }
        p.stdout!.on('data', on)
        p.stderr!.on('data', on)
      })
      expect(url).toContain(`:${port}`)
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } })
      await page.goto(url)
      await page.waitForSelector('#runs table')
      expect(await page.locator('#runs tr').count()).toBe(1 + records.length)
      await page.fill('#where', 'params.n = 5')
      await page.press('#where', 'Enter')
      await page.waitForFunction(() => document.querySelectorAll('#runs tr').length === 2)
      const runs = await page.locator('#runs').innerText()
      expect(runs).toContain('value 5')
      expect(runs).not.toContain('value 3 ')
      await page.fill('#cmp-a', 'params.n = 5')
      await page.fill('#cmp-b', 'params.n = 3')
      await page.press('#cmp-b', 'Enter')
      await page.waitForSelector('#compare table')
      const cmp = await page.locator('#compare').innerText()
      expect(cmp).toMatch(/double\s+10\.00\s+6\.00\s+0\.60/)
      expect(cmp).toContain('regressed')
      // A bad query is answered with the column it trips on, not a blank page.
      await page.fill('#where', 'params.n >')
      await page.press('#where', 'Enter')
      await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? '').length > 0)
      expect(await page.locator('#error').innerText()).toMatch(/column \d+/)
      const shot = path.join(shots, 'dashboard.png')
      await page.screenshot({ path: shot, fullPage: true })
      expect(statSync(shot).size).toBeGreaterThan(10_000)
      await page.close()
    } finally {
      p.kill('SIGINT')
      await new Promise((r) => p.on('close', r))
    }
  })
})
