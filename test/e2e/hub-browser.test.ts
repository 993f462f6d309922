// The hub's web UI in a real headless Chromium (Debian's chromium through
// playwright-core), over a hub on a real PostgreSQL: sign in with a token,
// the runs of several hosts appear, filtering and compare across hosts work,
// a run's page shows its provenance, the reproduce command and a chart; no
// token, no page. Screenshots are kept.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { pushRecords } from '../../src/hub/transfer.js'
import { parseHubAddress } from '../../src/store/location.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { recordOf } from '../helpers/records.js'
import { repoRoot } from '../helpers/tmp.js'
import { freshDatabase, startTestHub, storeOf, type TestHub } from '../unit/hub/harness.js'

const chromiumPath = process.env.CMC_CHROMIUM ?? '/usr/bin/chromium'
const shots = process.env.CMC_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts')
let browser: Browser
let hub: TestHub
let drop: () => Promise<void>
let records: ExperimentRecord[]
let readToken: string
let storeDir: string

beforeAll(async () => {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: run \`bash scripts/test.sh\` (it installs Debian's chromium) or set CMC_CHROMIUM`)
  mkdirSync(shots, { recursive: true })
  const db = await freshDatabase('browser')
  drop = db.drop
  hub = await startTestHub(db.url)
  const runs = [
    ...[100, 102, 98].map((v) => recordOf({ images_per_s: [v, v + 1, v - 1] }, { hostname: 'lab-a', params: { batch: 8 } })),
    ...[150, 152, 149].map((v) => recordOf({ images_per_s: [v, v + 1, v - 1] }, { hostname: 'lab-b', params: { batch: 8 } })),
  ]
  const local = await storeOf(runs)
  records = local.records
  storeDir = local.store.root
  const push = hubClient({ address: parseHubAddress(hub.at('team')), token: await hub.token('push', 'team', 'alice') })
  expect((await pushRecords(local.store, push)).sent).toBe(6)
  push.close()
  readToken = await hub.token('read', 'team', 'viewer')
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
})
afterAll(async () => {
  await browser?.close()
  await hub?.close()
  await drop?.()
  if (storeDir) rmSync(path.dirname(storeDir), { recursive: true, force: true })
})

describe('the hub UI in Chromium', () => {
  it('without a token the project is not shown: the browser is sent to sign in to it', async () => {
    const page = await browser.newPage()
    const res = await page.goto(`${hub.hub.url}/p/team/`)
    expect(
      await res!
        .request()
        .redirectedFrom()!
        .response()
        .then((r) => r?.status()),
    ).toBe(303)
    expect(res!.status()).toBe(200)
    expect(page.url()).toBe(`${hub.hub.url}/login?project=team&reason=none`)
    const content = await page.content()
    for (const r of records) expect(content).not.toContain(r.id)
    expect(await page.inputValue('#project')).toBe('team')
    expect(await page.locator('#problem').innerText()).toMatch(/not public: sign in with a token/)
    await page.close()
  })

  it("signs in, lists every host's runs, filters, compares across hosts and shows a run's provenance", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${hub.hub.url}/login`)
    await page.fill('#project', 'team')
    await page.fill('#token', readToken)
    await Promise.all([page.waitForURL(`${hub.hub.url}/p/team/`), page.click('#sign-in')])
    await page.waitForSelector('#runs table')
    const runs = await page.locator('#runs').innerText()
    for (const r of records) expect(runs).toContain(r.id)
    expect(errors).toEqual([])
    expect(await page.locator('#runs a').count()).toBe(6)
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(2)

    await page.fill('#where', 'host = lab-b')
    await page.click('#where-form button')
    await page.waitForFunction(() => document.querySelectorAll('#runs tr').length === 4)
    const filtered = await page.locator('#runs').innerText()
    for (const r of records) expect(filtered.includes(r.id)).toBe(r.host.hostname === 'lab-b')

    await page.fill('#cmp-a', 'host = lab-a')
    await page.fill('#cmp-b', 'host = lab-b')
    await page.click('#compare-form button')
    await page.waitForSelector('#compare table')
    const cmp = await page.locator('#compare').innerText()
    expect(cmp).toContain('improved')
    // the geometric means the ratio divides: of 100, 102, 98 and of 150, 152, 149
    expect(cmp).toMatch(/images_per_s\s+99\.99\s+150\.3\s+1\.50/)
    expect(cmp).toContain('different hosts (allowed)')
    await page.screenshot({ path: path.join(shots, 'hub.png'), fullPage: true })

    // without "across hosts" the hub refuses as exp compare does
    await page.uncheck('#across')
    await page.click('#compare-form button')
    await page.waitForFunction(() => /different hosts/.test(document.getElementById('error')!.textContent ?? ''))

    const target = records[3]!
    await page.fill('#where', '')
    await page.click('#where-form button')
    await page.waitForFunction(() => document.querySelectorAll('#runs a').length === 6)
    await Promise.all([page.waitForURL(`**/p/team/r/${target.id}`), page.click(`#runs a:text("${target.id}")`)])
    const prov = await page.locator('#provenance').innerText()
    expect(prov).toContain(target.image.digest)
    expect(prov).toContain(target.image.planHash)
    expect(prov).toContain('lab-b')
    expect(prov).toMatch(/pushed by\s+alice/)
    expect(prov).toMatch(/pushed at\s+\d{4}-\d{2}-\d{2}T/)
    const reproduce = await page.locator('#reproduce').innerText()
    expect(reproduce).toContain(`cmc exp pull --from ${hub.at('team')} --where 'id = ${target.id}'`)
    expect(reproduce).toContain(`cmc exp reproduce ${target.id}`)
    const painted = await page.evaluate(() => {
      const c = document.querySelector('canvas') as HTMLCanvasElement
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true
      return false
    })
    expect(painted).toBe(true)
    const shot = path.join(shots, 'hub-record.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect(statSync(shot).size).toBeGreaterThan(10_000)
    expect(errors).toEqual([])
    await page.close()
  })
})
