// Hostile input against a hub on a real PostgreSQL, each a test: missing,
// wrong-scope, other-project and revoked tokens; bodies and files over the
// limits; malformed JSON; records failing the schema; SQL injection in
// queries; path traversal in file names; Host and Origin of another site
// (the hub and the local dashboard); 1,000 wrong tokens in a row; a changed
// record under an old id. Each says what the hub answers and that nothing
// was written.
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubSettings } from '../../src/config.js'
import { setProjectPublic } from '../../src/hub/hubRecords.js'
import { revokeToken, listTokens } from '../../src/hub/tokens.js'
import { startDashboard } from '../../src/report/dashboard.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { Store } from '../../src/store/store.js'
import { recordOf } from '../helpers/records.js'
import { tmpDir } from '../helpers/tmp.js'
import { selfSignedCert } from '../helpers/tls.js'
import { bin, freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

let hub: TestHub
let drop: () => Promise<void>
const MAX_BODY = 256 * 1024
const MAX_FILE = 32 * 1024

beforeAll(async () => {
  const db = await freshDatabase('access')
  drop = db.drop
  hub = await startTestHub(db.url, { maxBodyBytes: MAX_BODY, maxFileBytes: MAX_FILE, badTokenLimit: 20 })
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
})

interface Answer {
  status: number
  body: Record<string, unknown>
  headers: http.IncomingHttpHeaders
}

/** A raw request, so that Host, Origin and the source address can be anything. */
function request(
  method: string,
  urlPath: string,
  opts: { token?: string; body?: unknown; raw?: Buffer | string; host?: string; origin?: string; from?: string } = {},
): Promise<Answer> {
  const u = new URL(hub.hub.url)
  const payload = opts.raw !== undefined ? Buffer.from(opts.raw) : opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined
  const headers: Record<string, string> = { host: opts.host ?? u.host }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.origin) headers.origin = opts.origin
  if (payload) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: urlPath, method, headers, localAddress: opts.from, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let body: Record<string, unknown>
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch {
          body = { text }
        }
        resolve({ status: res.statusCode!, body, headers: res.headers })
      })
    })
    // the hub may close a connection whose body it refused; its answer has come first
    req.on('error', reject)
    req.end(payload)
  })
}

const api = (project: string, rest: string) => `/api/v1/projects/${project}/${rest}`
const count = async (project: string) => Number((await hub.db.query<{ n: string }>('select count(*) as n from records where project = $1', [project]))[0]!.n)
const fresh = (over: Partial<ExperimentRecord> = {}) => recordOf({ throughput: [1, 2, 3] }, over)
const push = (project: string, records: unknown[], token?: string) =>
  request('POST', api(project, 'records'), { token, body: { records: records.map((record) => ({ record })) } })

describe('tokens', () => {
  it('no token: 401 and nothing written', async () => {
    const r = await push('p1', [fresh()])
    expect(r.status).toBe(401)
    expect(r.body.error).toBe('HUB_UNAUTHORIZED')
    expect((await request('GET', api('p1', 'records'))).status).toBe(401)
    expect(await count('p1')).toBe(0)
  })

  it('a read token pushing: 403 and nothing written; it reads', async () => {
    const read = await hub.token('read', 'p1')
    const r = await push('p1', [fresh()], read)
    expect(r.status).toBe(403)
    expect(r.body.message).toMatch(/scope read; this needs push/)
    expect(await count('p1')).toBe(0)
    expect((await request('GET', api('p1', 'records'), { token: read })).status).toBe(200)
  })

  it('a token of another project: 403 for push and read; nothing written', async () => {
    const other = await hub.token('push', 'p2')
    const r = await push('p1', [fresh()], other)
    expect(r.status).toBe(403)
    expect(r.body.message).toMatch(/is for project p2, not p1/)
    expect((await request('GET', api('p1', 'records'), { token: other })).status).toBe(403)
    expect(await count('p1')).toBe(0)
    expect((await push('p2', [fresh()], other)).status).toBe(200)
    expect(await count('p2')).toBe(1)
  })

  it('a revoked token: 401 from then on', async () => {
    const t = await hub.token('push', 'p3', 'mallory')
    expect((await push('p3', [fresh()], t)).status).toBe(200)
    const id = (await listTokens(hub.db)).find((x) => x.user === 'mallory')!.id
    await revokeToken(hub.db, id)
    const r = await push('p3', [fresh()], t)
    expect(r.status).toBe(401)
    expect(await count('p3')).toBe(1)
  })

  it('tokens are stored hashed, never as given', async () => {
    const t = await hub.token('read', 'p1', 'hashcheck')
    const rows = await hub.db.query<{ hash: string }>('select hash from tokens where "user" = $1', ['hashcheck'])
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(await hub.db.query('select * from tokens'))).not.toContain(t)
  })

  it('a public project is read without a token, never written', async () => {
    const t = await hub.token('push', 'open')
    expect((await push('open', [fresh()], t)).status).toBe(200)
    expect((await request('GET', api('open', 'records'))).status).toBe(401)
    await setProjectPublic(hub.db, 'open', true)
    const r = await request('GET', api('open', 'records'))
    expect(r.status).toBe(200)
    expect((r.body.rows as unknown[]).length).toBe(1)
    expect((await push('open', [fresh()])).status).toBe(401)
    expect(await count('open')).toBe(1)
  })

  it('1,000 wrong tokens in a row: refused with 429 after a few, while other clients are served', async () => {
    const good = await hub.token('read', 'p1', 'patient')
    const statuses: number[] = []
    for (let i = 0; i < 1000; i++) {
      statuses.push((await request('GET', api('p1', 'records'), { token: `cmc_wrong${i}`, from: '127.0.0.2' })).status)
      if (i % 250 === 0) expect((await request('GET', api('p1', 'records'), { token: good, from: '127.0.0.1' })).status).toBe(200)
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
    const limited = await request('GET', api('p1', 'records'), { token: good, from: '127.0.0.2' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect((await request('GET', api('p1', 'records'), { token: good, from: '127.0.0.3' })).status).toBe(200)
  })
})

describe('bodies and records', () => {
  let token: string
  beforeAll(async () => {
    token = await hub.token('push', 'body')
  })

  it('a body over the limit: 413 and nothing written', async () => {
    const big = fresh({ command: 'x'.repeat(MAX_BODY + 10) })
    const r = await push('body', [big], token)
    expect(r.status).toBe(413)
    expect(r.body.error).toBe('HUB_REQUEST_INVALID')
    expect(await count('body')).toBe(0)
  })

  it('a file over the limit: 413 and nothing written', async () => {
    const r = fresh()
    const data = Buffer.alloc(MAX_FILE + 1, 1)
    const res = await request('POST', api('body', 'records'), {
      token,
      body: { records: [{ record: r, files: [{ name: 'stdout.log', sha256: 'x', data: data.toString('base64') }] }] },
    })
    expect(res.status).toBe(413)
    expect(res.body.message).toMatch(/over the hub's limit of 32768 bytes a file/)
    expect(await count('body')).toBe(0)
  })

  it('malformed JSON: 400', async () => {
    for (const raw of ['{"records": [', 'not json', '']) {
      const r = await request('POST', api('body', 'records'), { token, raw })
      expect(r.status, raw).toBe(400)
      expect(r.body.error).toBe('HUB_REQUEST_INVALID')
    }
    const r = await request('POST', api('body', 'records'), { token, body: { records: 'x' } })
    expect(r.status).toBe(400)
    expect(await count('body')).toBe(0)
  })

  it('a list limit that is not a whole number: 400 naming the parameter', async () => {
    for (const limit of ['abc', '-1', '1.5', '']) {
      const r = await request('GET', `${api('body', 'records')}?limit=${encodeURIComponent(limit)}`, { token })
      expect(r.status, limit).toBe(400)
      expect(r.body.error).toBe('HUB_REQUEST_INVALID')
      expect(r.body.message).toContain(`limit must be a whole number of records, not ${JSON.stringify(limit)}`)
    }
    expect((await request('GET', `${api('body', 'records')}?limit=2`, { token })).status).toBe(200)
  })

  it('records failing the schema: 400 naming the record and the field; the batch writes nothing', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...fresh(), metrics: undefined }, /not a complete record/],
      [{ ...fresh(), id: '../../etc' }, /is not a record id/],
      [{ ...fresh(), createdAt: 'yesterday' }, /createdAt/],
      [{ ...fresh(), params: { a: { nested: 1 } } }, /params\.a/],
      [{ ...fresh(), status: 'great' }, /status/],
      [{ ...fresh(), metrics: { t: { median: 'fast' } } }, /metrics\.t\.median/],
      [{ ...fresh(), tags: [1] }, /tags/],
    ]
    for (const [record, message] of bad) {
      const r = await push('body', [fresh(), record], token)
      expect(r.status, String(message)).toBe(400)
      expect(r.body.message).toMatch(/^records\[1\]: /)
      expect(r.body.message).toMatch(message)
    }
    expect(await count('body')).toBe(0)
  })

  it('path traversal in file names: refused on push and on read', async () => {
    const r = fresh({ outputs: [{ path: '../../../etc/passwd', size: 1, sha256: 'a'.repeat(64) }] })
    for (const name of ['../stdout.log', '/etc/passwd', 'outputs/../../x', 'outputs/a\\..\\b', 'outputs//x', 'outputs/../../../etc/passwd']) {
      const res = await request('POST', api('body', 'records'), {
        token,
        body: { records: [{ record: r, files: [{ name, sha256: 'a'.repeat(64), data: 'YQ==' }] }] },
      })
      expect(res.status, name).toBe(400)
      expect(res.body.error).toBe('HUB_REQUEST_INVALID')
    }
    const ok = fresh()
    expect((await push('body', [ok], token)).status).toBe(200)
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', 'outputs%2F..%2F..%2Fx']) {
      const res = await request('GET', api('body', `files/${ok.id}/${name}`), { token })
      expect(res.status, name).toBe(400)
    }
    expect(await count('body')).toBe(1)
  })

  it('a changed record under an old id is refused; the same record again is a no-op', async () => {
    const r = fresh()
    expect((await push('body', [r], token)).body).toMatchObject({ added: [r.id] })
    const again = await push('body', [r], token)
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ added: [], existing: [r.id], conflicts: [] })
    const changed = await push('body', [{ ...r, metrics: { ...r.metrics, throughput: { ...r.metrics.throughput!, median: 99 } } }], token)
    expect(changed.status).toBe(409)
    expect(changed.body.conflicts).toEqual([{ id: r.id, message: expect.stringMatching(/immutable/) }])
    const [row] = await hub.db.query<{ record: string }>('select record from records where project = $1 and id = $2', ['body', r.id])
    expect(JSON.parse(row!.record).metrics.throughput.median).toBe(r.metrics.throughput!.median)
  })
})

describe('queries', () => {
  it('SQL injection in where, sort and names: answered as queries, the tables intact', async () => {
    const t = await hub.token('push', 'inj')
    expect((await push('inj', [fresh(), fresh()], t)).status).toBe(200)
    const attempts = [
      'x = 1; drop table records',
      "benchmark = 'bench'; drop table records; --'",
      "benchmark = \"x' or '1'='1\"",
      "params.a')::text; drop table records; -- = 1",
      "metrics.x' or 1=1 -- > 0",
      'benchmark ~ %',
      "tags = '{}' or tags != '\"'",
    ]
    const answers: number[] = []
    for (const where of attempts) {
      const r = await request('GET', `${api('inj', 'records')}?where=${encodeURIComponent(where)}`, { token: t })
      expect([200, 400], where).toContain(r.status)
      if (r.status === 400) expect(r.body.error).toBe('QUERY_SYNTAX')
      else answers.push((r.body.rows as unknown[]).length)
    }
    expect((await request('GET', `${api('inj', 'records')}?sort=${encodeURIComponent("metrics.x'; drop table records; --")}`, { token: t })).status).toBe(200)
    expect((await request('GET', `${api('inj', 'records')}?sort=${encodeURIComponent('id; drop table records')}`, { token: t })).status).toBe(400)
    // nothing matched what only an injection could match, and every table is still there
    expect(answers.every((n) => n === 0 || n === 2)).toBe(true)
    expect(await count('inj')).toBe(2)
    expect((await hub.db.query<{ n: string }>('select count(*) as n from tokens'))[0]!.n).not.toBe('0')
  })
})

describe('Host and Origin', () => {
  it('the hub refuses a Host header of another site and an Origin of another site', async () => {
    const t = await hub.token('read', 'p1', 'browser')
    const port = new URL(hub.hub.url).port
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`]) {
      const r = await request('GET', api('p1', 'records'), { token: t, host })
      expect(r.status, host).toBe(403)
      expect(r.body.error).toBe('HOST_NOT_ALLOWED')
    }
    for (const origin of ['https://evil.example', 'null', `http://evil.example:${port}`]) {
      const r = await request('GET', api('p1', 'records'), { token: t, origin })
      expect(r.status, origin).toBe(403)
    }
    expect((await request('GET', api('p1', 'records'), { token: t, host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200)
  })

  it('behind a proxy (--name NAME:PORT): its Host and its pages are served, still nothing of another site', async () => {
    const proxied = await startTestHub(hub.db.url, { names: ['hub.example.org:443', 'alt.example.org', '[fd00::7]:8443'] })
    try {
      const port = new URL(proxied.hub.url).port
      const t = await proxied.token('read', 'p1', 'proxied')
      const status = (headers: { host: string; origin?: string }) =>
        new Promise<number>((resolve, reject) =>
          http
            .get({ host: '127.0.0.1', port, path: api('p1', 'records'), headers: { authorization: `Bearer ${t}`, ...headers }, agent: false }, (res) =>
              resolve(res.resume() && res.statusCode!),
            )
            .on('error', reject),
        )
      // the proxy passes the browser's Host, or (nginx's default) puts the hub's own address there; the Origin is the proxy's
      for (const headers of [
        { host: 'hub.example.org' },
        { host: 'hub.example.org:443', origin: 'https://hub.example.org' },
        { host: 'HUB.example.org', origin: 'https://hub.example.org:443' },
        { host: `127.0.0.1:${port}`, origin: 'https://hub.example.org' },
        { host: `alt.example.org:${port}`, origin: `http://alt.example.org:${port}` },
        { host: '[fd00::7]:8443', origin: 'https://[fd00::7]:8443' },
      ])
        expect(await status(headers), JSON.stringify(headers)).toBe(200)
      for (const headers of [
        { host: `hub.example.org:${port}` },
        { host: 'hub.example.org:8443' },
        { host: 'alt.example.org' },
        { host: 'evil.example:443' },
        { host: 'hub.example.org', origin: 'https://evil.example' },
        { host: 'hub.example.org', origin: 'https://hub.example.org:8443' },
        { host: 'hub.example.org', origin: 'null' },
        { host: `127.0.0.1:${port}`, origin: 'https://alt.example.org' },
      ])
        expect(await status(headers), JSON.stringify(headers)).toBe(403)
    } finally {
      await proxied.close()
    }
  })

  it('the local dashboard refuses them too, and beyond loopback needs its key', async () => {
    const store = new Store(path.join(tmpDir('cmc-dash-'), 'store'))
    const d = await startDashboard(store, { host: '127.0.0.1', port: 0 })
    const u = new URL(d.url)
    const get = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: u.port, path: '/api/records', headers, agent: false }, (res) => resolve(res.resume() && res.statusCode!))
          .on('error', reject),
      )
    expect(await get({ host: u.host })).toBe(200)
    expect(await get({ host: `rebind.evil.example:${u.port}` })).toBe(403)
    expect(await get({ host: u.host, origin: 'https://evil.example' })).toBe(403)
    await d.close()
    const wide = await startDashboard(store, { host: '0.0.0.0', port: 0 })
    const w = new URL(wide.url)
    expect(w.searchParams.get('key')).toMatch(/^[\w-]{20,}$/)
    // a wildcard address is no address to open: this machine's is printed, and its name for other machines
    expect(w.hostname).toBe('127.0.0.1')
    expect(wide.networkUrls.map((n) => new URL(n).hostname)).toContain(os.hostname().toLowerCase())
    for (const n of wide.networkUrls) expect(new URL(n).search).toBe(w.search)
    const wget = (p: string) =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: w.port, path: p, headers: { host: `127.0.0.1:${w.port}` }, agent: false }, (res) =>
            resolve(res.resume() && res.statusCode!),
          )
          .on('error', reject),
      )
    expect(await wget('/api/records')).toBe(401)
    expect(await wget(`/api/records?key=${w.searchParams.get('key')}`)).toBe(200)
    await wide.close()
  })
})

describe('config', () => {
  it('a config file holding a token must be private (mode 600), as ssh demands', () => {
    const home = tmpDir('cmc-config-home-')
    const prev = { home: process.env.CMC_HOME, token: process.env.CMC_HUB_TOKEN, hub: process.env.CMC_HUB }
    process.env.CMC_HOME = home
    delete process.env.CMC_HUB_TOKEN
    delete process.env.CMC_HUB
    try {
      mkdirSync(home, { recursive: true })
      const file = path.join(home, 'config.yaml')
      writeFileSync(file, 'hub:\n  url: https://hub.example.org/team\n  token: cmc_secret\n')
      chmodSync(file, 0o644)
      expect(() => hubSettings()).toThrow(expect.objectContaining({ code: 'CONFIG_INSECURE', hint: `chmod 600 ${file}` }))
      chmodSync(file, 0o600)
      expect(hubSettings()).toEqual({
        address: { origin: 'https://hub.example.org', project: 'team', url: 'https://hub.example.org/team' },
        token: 'cmc_secret',
      })
      // the file's token goes only to its own hub
      expect(hubSettings('https://other.example.org/team').token).toBeUndefined()
      expect(() => hubSettings('https://user:pw@hub.example.org/team')).toThrow(expect.objectContaining({ code: 'HUB_URL_INVALID' }))
      writeFileSync(file, 'hub:\n  url: https://hub.example.org/team\n  tokn: x\n')
      expect(() => hubSettings()).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: 'unknown key hub.tokn', where: { file, line: 3, col: 3 } }),
      )
      writeFileSync(file, 'hub:\n  url: [https://hub.example.org/team]\n')
      expect(() => hubSettings()).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: 'hub.url: expected text', where: { file, line: 2, col: 8 } }),
      )
      // without a token, a file everyone may write (or replace) still decides where CMC_HUB_TOKEN goes: refused
      writeFileSync(file, 'hub:\n  url: https://hub.example.org/team\n')
      process.env.CMC_HUB_TOKEN = 'cmc_from_env'
      chmodSync(file, 0o666)
      expect(() => hubSettings()).toThrow(expect.objectContaining({ code: 'CONFIG_INSECURE', hint: `chmod o-w ${file} (as its owner)` }))
      chmodSync(file, 0o644)
      chmodSync(home, 0o777)
      expect(() => hubSettings()).toThrow(
        expect.objectContaining({ code: 'CONFIG_INSECURE', message: expect.stringContaining(`is in ${home}, which everyone may write to`) }),
      )
      // a sticky folder (as /tmp) lets no one replace a file of the user's; group write is let be
      for (const mode of [0o1777, 0o775]) {
        chmodSync(home, mode)
        expect(hubSettings().token, mode.toString(8)).toBe('cmc_from_env')
      }
      chmodSync(home, 0o755)
    } finally {
      for (const [k, v] of Object.entries({ CMC_HOME: prev.home, CMC_HUB_TOKEN: prev.token, CMC_HUB: prev.hub })) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe('TLS', () => {
  it('serves https with --tls-cert and --tls-key, and cmc talks to it', async () => {
    const dir = tmpDir('cmc-tls-')
    const { cert, key } = selfSignedCert(dir)
    const secure = await startTestHub(hub.db.url, { tls: { cert, key } })
    try {
      expect(secure.hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      const token = await secure.token('read', 'p2', 'tls')
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert, CMC_HUB_TOKEN: token, CMC_HOME: dir }
      // run apart (not execFileSync): the hub answers from this process
      const run = promisify(execFile)
      const { stdout } = await run(process.execPath, [bin, 'exp', 'list', '--store', secure.at('p2'), '--json'], { env })
      expect((JSON.parse(stdout) as unknown[]).length).toBe(1)
      // a client that does not trust the certificate is refused by TLS, not served in the clear
      const untrusted = await run(process.execPath, [bin, 'exp', 'list', '--store', secure.at('p2')], { env: { ...env, NODE_EXTRA_CA_CERTS: '' } }).then(
        () => '',
        (e: { stderr?: string }) => String(e.stderr),
      )
      expect(untrusted).toMatch(/HUB_UNREACHABLE.*(self.signed|certificate)/i)
    } finally {
      await secure.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
