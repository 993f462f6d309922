// What a hub on a real PostgreSQL answers a client it refuses, as that client
// shows it: the rate limit after wrong tokens comes with what to do, and a
// browser without a token is sent to the login page rather than shown JSON.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatError, type CmcError } from '../../src/errors.js'
import { hubClient } from '../../src/hub/client.js'
import { setProjectPublic } from '../../src/hub/hubRecords.js'
import { parseHubAddress } from '../../src/store/location.js'
import { freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
/** another hub over the same database, whose limiter the rate-limit test has not tripped */
let pages: TestHub
let drop: () => Promise<void>

beforeAll(async () => {
  const db = await freshDatabase('refusals')
  drop = db.drop
  hub = await startTestHub(db.url, { badTokenLimit: 3, badTokenWindowMs: 60_000 })
  pages = await startTestHub(db.url)
})
afterAll(async () => {
  await pages?.close()
  await hub?.close()
  await drop?.()
})

describe('the rate limit after wrong tokens', () => {
  it('answers HUB_RATE_LIMITED with a hint on what to do', async () => {
    const client = hubClient({ address: parseHubAddress(hub.at('team')), token: 'cmc_wrong' }, { retryForMs: 1000 })
    try {
      for (let i = 0; i < 3; i++) await expect(client.call('GET', 'records')).rejects.toMatchObject({ code: 'HUB_UNAUTHORIZED' })
      const e = (await client.call('GET', 'records').catch((x: unknown) => x)) as CmcError
      expect(e).toMatchObject({ code: 'HUB_RATE_LIMITED', exitCode: 9, data: { status: 429 } })
      expect(formatError(e)).toMatch(/\nhint: wait, then check the token \(CMC_HUB_TOKEN or ~\/\.cmc\/config\.yaml\)/)
    } finally {
      client.close()
    }
  })
})

/** A request as a browser (Accept: text/html) or a script makes it. */
function get(
  urlPath: string,
  opts: { accept?: string; cookie?: string; method?: string; form?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(pages.hub.url)
  const headers: Record<string, string> = { host: u.host }
  if (opts.accept) headers.accept = opts.accept
  if (opts.cookie) headers.cookie = opts.cookie
  if (opts.form) headers['content-type'] = 'application/x-www-form-urlencoded'
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: urlPath, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(opts.form)
  })
}

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

describe('a browser without a token', () => {
  it('is sent to the login page, the project filled in and the reason given', async () => {
    const page = await get('/p/private-team/', { accept: BROWSER })
    expect(page.status).toBe(303)
    expect(page.headers.location).toBe('/login?project=private-team&reason=none')
    const login = await get(page.headers.location!, { accept: BROWSER })
    expect(login.status).toBe(200)
    expect(login.headers['content-type']).toMatch(/text\/html/)
    expect(login.body).toContain('name="project" id="project" required value="private-team"')
    expect(login.body).toMatch(/Project private-team is not public: sign in with a token/)
    // a record's page too, and a cookie the hub does not take says so
    const record = await get('/p/private-team/r/20261124T100000000Z-00000000', { accept: BROWSER, cookie: 'cmc_hub_token=cmc_wrong' })
    expect(record.status).toBe(303)
    expect(record.headers.location).toBe('/login?project=private-team&reason=refused')
    expect((await get(record.headers.location!, { accept: BROWSER })).body).toMatch(/does not open project private-team/)
  })

  it('a wrong token typed into the form gets the form again, saying why', async () => {
    const form = new URLSearchParams({ project: 'private-team', token: 'cmc_typo' }).toString()
    const again = await get('/login', { accept: BROWSER, method: 'POST', form })
    expect(again.status).toBe(401)
    expect(again.headers['content-type']).toMatch(/text\/html/)
    expect(again.body).toMatch(/the token is not one of this hub/)
    expect(again.body).not.toContain('cmc_typo')
  })

  it("a script and the page's own fetch still get the API's JSON; a link cannot put its own words on the login page", async () => {
    const script = await get('/p/private-team/')
    expect(script.status).toBe(401)
    expect(JSON.parse(script.body)).toMatchObject({ error: 'HUB_UNAUTHORIZED' })
    const fetched = await get('/p/private-team/api/records', { accept: '*/*' })
    expect(fetched.status).toBe(401)
    const crafted = await get('/login?project=x&reason=Your+token+expired', { accept: BROWSER })
    expect(crafted.body).not.toMatch(/Your token expired/)
  })

  it('reads a public project without signing in', async () => {
    await setProjectPublic(pages.db, 'open-team', true)
    const page = await get('/p/open-team/', { accept: BROWSER })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
  })
})
