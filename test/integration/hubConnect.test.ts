// Connection mistakes a user makes with a hub, against real TLS and plain
// hubs: a self-signed certificate not trusted here, a certificate for another
// name, http:// to a hub serving TLS and https:// to one that does not. Each
// fails at once (no minute of retries) with the fix in its hint. And a hub
// whose PostgreSQL goes away says so, as the hub's trouble, not the user's.
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { tlsProblem } from '../../src/hub/connectionProblem.js'
import { parseHubAddress } from '../../src/store/location.js'
import { tmpDir } from '../helpers/tmp.js'
import { selfSignedCert } from '../helpers/tls.js'
import { bin, freshDatabase, serverUrl, startTestHub, type TestHub } from '../unit/hub/harness.js'

const run = promisify(execFile)
let plain: TestHub
let secure: TestHub
let drop: () => Promise<void>
const dir = tmpDir('cmc-connect-')
/** the certificate the TLS hub serves, made once for the file's tests */
let cert = ''

beforeAll(async () => {
  const made = selfSignedCert(dir)
  cert = made.cert
  const db = await freshDatabase('connect')
  drop = db.drop
  plain = await startTestHub(db.url)
  secure = await startTestHub(db.url, { tls: made })
})
afterAll(async () => {
  await secure?.close()
  await plain?.close()
  await drop?.()
  rmSync(dir, { recursive: true, force: true })
})

/** A call that fails, how long it took, with a client that would retry a hub away for a minute. */
async function failure(address: string): Promise<{ error: { code?: string; message: string; hint?: string }; ms: number }> {
  const client = hubClient({ address: parseHubAddress(address), token: 'cmc_x' }, { retryForMs: 60_000 })
  const started = Date.now()
  try {
    await client.call('GET', 'limits')
  } catch (e) {
    return { error: e as { code?: string; message: string; hint?: string }, ms: Date.now() - started }
  } finally {
    client.close()
  }
  throw new Error(`${address} answered`)
}

describe('TLS mistakes', () => {
  it('a self-signed certificate not trusted here: HUB_UNREACHABLE naming NODE_EXTRA_CA_CERTS', async () => {
    const { error } = await failure(secure.at('p'))
    expect(error).toMatchObject({
      code: 'HUB_UNREACHABLE',
      message: expect.stringMatching(/self-signed certificate/),
      hint: expect.stringMatching(/NODE_EXTRA_CA_CERTS/),
    })
  })

  it('`cmc exp push` to it exits 9 with that hint; with NODE_EXTRA_CA_CERTS but another name, the hint says to use its name', async () => {
    const env = { ...process.env, CMC_HOME: dir, CMC_HUB_TOKEN: await secure.token('push', 'p'), CMC_STORE: path.join(dir, 'store') }
    const fails = (args: string[], extra: Record<string, string>) =>
      run(process.execPath, [bin, ...args], { env: { ...env, ...extra } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      )
    const untrusted = await fails(['exp', 'push', '--to', secure.at('p')], { NODE_EXTRA_CA_CERTS: '' })
    expect(untrusted.code).toBe(9)
    expect(untrusted.stderr).toMatch(/hint: .*NODE_EXTRA_CA_CERTS=/)
    const port = new URL(secure.hub.url).port
    const otherName = await fails(['exp', 'list', '--store', `https://localhost:${port}/p`], { NODE_EXTRA_CA_CERTS: cert })
    expect(otherName.code).toBe(9)
    expect(otherName.stderr).toMatch(/certificate is for another name/)
    expect(otherName.stderr).toMatch(/hint: write the address with a name the certificate lists/)
  })

  it('a certificate out of date says so, and that NODE_EXTRA_CA_CERTS does not fix it', () => {
    const e = tlsProblem(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }), 'https://hub:8443')
    expect(e).toMatchObject({ code: 'HUB_UNREACHABLE', hint: expect.stringMatching(/renews.*clock.*NODE_EXTRA_CA_CERTS/) })
    expect(tlsProblem(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'https://hub:8443')).toBeUndefined()
  })
})

describe('the wrong scheme', () => {
  it('http:// to a hub serving TLS fails at once, not after a minute of retries, saying https://', async () => {
    const { error, ms } = await failure(secure.at('p').replace('https:', 'http:'))
    expect(error).toMatchObject({
      code: 'HUB_UNREACHABLE',
      message: expect.stringMatching(/serves TLS/),
      hint: expect.stringMatching(/https:\/\/127\.0\.0\.1/),
    })
    expect(ms).toBeLessThan(10_000)
  })

  it('https:// to a plain hub fails at once, saying http://', async () => {
    const { error, ms } = await failure(plain.at('p').replace('http:', 'https:'))
    expect(error).toMatchObject({
      code: 'HUB_UNREACHABLE',
      message: expect.stringMatching(/does not speak TLS/),
      hint: expect.stringMatching(/http:\/\/127\.0\.0\.1/),
    })
    expect(ms).toBeLessThan(10_000)
  })

  it('a hub that is away is still retried (and not taken for TLS)', async () => {
    const away = plain.at('p').replace(/:\d+\//, ':1/')
    const client = hubClient({ address: parseHubAddress(away), token: 'cmc_x' }, { retryForMs: 1500 })
    await expect(client.call('GET', 'limits')).rejects.toMatchObject({ code: 'HUB_UNREACHABLE', message: expect.stringMatching(/after \d+ tries/) })
    client.close()
  })
})

/** A TCP relay to the suite's PostgreSQL that can be cut (every connection dropped, new ones refused) and joined again on its port. */
async function relay(): Promise<{ port: number; cut(): Promise<void>; join(): Promise<void> }> {
  const target = new URL(serverUrl())
  const sockets = new Set<net.Socket>()
  let server: net.Server
  let port = 0
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((inbound) => {
        const outbound = net.connect(Number(target.port || 5432), target.hostname)
        for (const s of [inbound, outbound]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => s.destroy())
        }
        inbound.pipe(outbound).pipe(inbound)
      })
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as net.AddressInfo).port
        resolve()
      })
    })
  await listen()
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
    join: listen,
  }
}

describe('a hub whose PostgreSQL goes away', () => {
  it('answers 503 saying its database is away, not where it is; the client says whose to fix, then the hub serves again', async () => {
    const db = await freshDatabase('connect_away')
    const link = await relay()
    const viaRelay = Object.assign(new URL(db.url), { port: String(link.port) }).toString()
    const hub = await startTestHub(viaRelay)
    try {
      const token = await hub.token('read', 'p')
      const ask = () => fetch(`${hub.hub.url}/api/v1/projects/p/records?limit=1`, { headers: { authorization: `Bearer ${token}` } })
      expect((await ask()).status).toBe(200)
      await link.cut()

      const res = await ask()
      const body = (await res.json()) as { error: string; message: string; hint?: string }
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(body.error).toBe('HUB_DB_UNREACHABLE')
      expect(body.message).toMatch(/the hub's database \(PostgreSQL\) does not answer/)
      // nothing of the database's address, user or the driver's words reaches a client
      expect(JSON.stringify(body)).not.toMatch(new RegExp(`${link.port}|cmc:|postgres://|ECONNREFUSED|terminated`, 'i'))

      const client = hubClient({ address: parseHubAddress(hub.at('p')), token }, { retryForMs: 800 })
      const failed = await client.call('GET', 'records?limit=1').then(
        () => undefined,
        (e: { code?: string; message: string; hint?: string }) => e,
      )
      client.close()
      expect(failed?.code).toBe('HUB_DB_UNREACHABLE')
      expect(failed?.message).toMatch(/answers, but its PostgreSQL database does not, after \d+ tries/)
      expect(failed?.hint).toMatch(/hub's admin/)
      expect(failed?.hint).not.toMatch(/check the address/)

      await link.join()
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await ask()).status
        if (status !== 200) await new Promise((r) => setTimeout(r, 100))
      }
      expect(status).toBe(200)
    } finally {
      await hub.close()
      await link.cut()
      await db.drop()
    }
  })
})
