// Connection mistakes a user makes with a hub, against real TLS and plain
// hubs: a self-signed certificate not trusted here, a certificate for another
// name, http:// to a hub serving TLS and https:// to one that does not. Each
// fails at once (no minute of retries) with the fix in its hint.
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { tlsProblem } from '../../src/hub/connectionProblem.js'
import { parseHubAddress } from '../../src/store/location.js'
import { tmpDir } from '../helpers/tmp.js'
import { selfSignedCert } from '../helpers/tls.js'
import { bin, freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

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
