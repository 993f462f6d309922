// Engines elsewhere, reached as the docker CLI reaches them: over TLS with
// client certificates (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, or a docker
// context holding them) and over ssh (DOCKER_HOST=ssh://, with an ssh-agent or
// a default identity file). Real servers on 127.0.0.1: a second dockerd and an
// sshd of this test's own, whose sessions reach that dockerd. When the wrong
// credentials are given, cmc says what to fix, with its engine exit code.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { askVersionEarly, resolveEndpoint, takeEarlyVersion } from '../../src/engine/endpoint.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli, type CliResult } from '../helpers/engine.js'
import {
  containerEvents,
  freePort,
  makeCertificates,
  requireTools,
  startSshAgent,
  startSshd,
  startTlsEngine,
  type Certificates,
  type PrivateEngine,
  type SshServer,
} from '../helpers/remoteEngines.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const work = tmpDir('cmc-endpoints-')
const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const emptyHome = path.join(work, 'empty-home') // no ~/.docker, no ~/.ssh
// every variable that picks an endpoint is set (or unset) by each call
const noEndpoint = {
  DOCKER_HOST: undefined,
  DOCKER_TLS_VERIFY: undefined,
  DOCKER_CERT_PATH: undefined,
  DOCKER_CONTEXT: undefined,
  DOCKER_CONFIG: undefined,
  SSH_AUTH_SOCK: undefined,
}
const base = { ...noEndpoint, CMC_HOME: path.join(work, 'cmc-home'), CMC_STORE: path.join(work, 'store'), HOME: emptyHome }
const cmc = (args: string[], env: Record<string, string | undefined>) => cli(args, { env: { ...base, ...env } })
const runEcho = (n: number, env: Record<string, string | undefined>) =>
  cmc(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--set', `n=${n}`, '--repeat', '1', '--json'], env)
const now = () => Math.floor(Date.now() / 1000)

let certs: Certificates
let engine: PrivateEngine
let sshd: SshServer
let agent: { socket: string; stop(): Promise<void> }

let notReady: unknown

beforeAll(async () => {
  mkdirSync(emptyHome)
  try {
    requireTools()
    certs = makeCertificates(path.join(work, 'certs'))
    engine = await startTlsEngine(path.join(work, 'engine'), certs, { name: 'cmcendp0', cidr: '172.31.253.1/24' })
    // the private engine has no registry to pull from: the base image comes from the main engine
    execFileSync('sh', ['-c', `docker save debian:bookworm | docker -H unix://${engine.socket} load -q`], { stdio: 'pipe', timeout: 300_000 })
    sshd = await startSshd(path.join(work, 'ssh'), `unix://${engine.socket}`)
    agent = await startSshAgent(path.join(work, 'ssh'), sshd.userKey)
  } catch (e) {
    notReady = e
  }
})
// without openssl, dockerd or sshd, or a server that did not start, every test
// that needs them fails with the reason (an error in beforeAll would only skip them)
const needServers = () =>
  beforeEach(() => {
    if (notReady) throw notReady
  })

afterAll(async () => {
  await agent?.stop()
  await sshd?.stop()
  await engine?.stop()
  rmSync(work, { recursive: true, force: true })
})

/** fn with these endpoint variables, and none of the others, in this process's environment. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const all = { ...noEndpoint, ...vars }
  const saved = Object.fromEntries(Object.keys(all).map((k) => [k, process.env[k]]))
  const put = (k: string, v: string | undefined) => {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    for (const [k, v] of Object.entries(all)) put(k, v)
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) put(k, v)
  }
}

/** cmc's own error for an engine it cannot use: the exit code and no stack trace. */
function expectEngineError(r: CliResult, code: number, message: string, hint: RegExp): void {
  expect(r.code, r.stderr).toBe(code)
  expect(r.stderr).toContain(message)
  expect(r.stderr).toMatch(hint)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}

/** The records of a `cmc run --json`, with the run's container seen by the engine that was meant. */
async function ranOn(target: PrivateEngine, run: () => Promise<CliResult>): Promise<ExperimentRecord[]> {
  const since = now()
  const r = await run()
  expect(r.code, r.stderr).toBe(0)
  expect(r.stderr).not.toMatch(/DeprecationWarning|^\s+at /m)
  await new Promise((res) => setTimeout(res, 1100)) // events are asked by the second
  expect(containerEvents(target, since, now())).toEqual(expect.arrayContaining(['create', 'start', 'destroy']))
  return JSON.parse(r.stdout) as ExperimentRecord[]
}

describe('a TLS engine (dockerd --tlsverify on 127.0.0.1)', () => {
  needServers()
  const tls = () => ({ DOCKER_HOST: engine.tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.client })

  it('DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: cmc run builds there and runs there', async () => {
    const [rec] = await ranOn(engine, () => runEcho(3, tls()))
    expect(rec!.status).toBe('ok')
    expect(rec!.metrics.double!.median).toBe(6)
    expect(engine.docker('image inspect --format "{{.Id}}" cmc/echo-metrics:x86_64').trim()).toBe(rec!.image.id)
  })

  it('the early /version is left to the client: nothing is sent in plain HTTP to a TLS endpoint', () => {
    withEnv(tls(), () => {
      const ep = resolveEndpoint()
      expect(ep.transport).toBe('tls')
      askVersionEarly()
      expect(takeEarlyVersion(ep.display)).toBeUndefined()
    })
  })

  it('without DOCKER_TLS_VERIFY: the engine error, exit 3, and the hint says the engine speaks TLS', async () => {
    const r = await cmc(['base', 'list'], { DOCKER_HOST: engine.tcpHost })
    expectEngineError(r, 3, `cannot reach a Docker engine at ${engine.tcpHost}`, /hint: this engine speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/)
  })

  it('DOCKER_TLS_VERIFY without certificates (none in ~/.docker either): exit 3, the hint asks for DOCKER_CERT_PATH', async () => {
    const r = await cmc(['base', 'list'], { DOCKER_HOST: engine.tcpHost, DOCKER_TLS_VERIFY: '1' })
    expectEngineError(r, 3, `cannot reach a Docker engine at ${engine.tcpHost}`, /hint: the engine's certificate was not accepted: set DOCKER_CERT_PATH/)
  })

  it('a client certificate from another CA: exit 3, the engine refused it', async () => {
    const r = await cmc(['base', 'list'], { ...tls(), DOCKER_CERT_PATH: certs.foreignClient })
    expectEngineError(
      r,
      3,
      'bad certificate',
      /hint: the engine refused the client certificate: cert\.pem in .*foreign-certs must be signed by a CA the engine trusts/,
    )
  })

  it('a certificate folder without key.pem is refused by name, before anything is sent', async () => {
    const partial = path.join(work, 'partial-certs')
    mkdirSync(partial)
    copyFileSync(path.join(certs.client, 'ca.pem'), path.join(partial, 'ca.pem'))
    copyFileSync(path.join(certs.client, 'cert.pem'), path.join(partial, 'cert.pem'))
    const r = await cmc(['base', 'list'], { ...tls(), DOCKER_CERT_PATH: partial })
    expectEngineError(r, 2, `DOCKER_CERT_PATH=${partial} has no key.pem`, /hint: a TLS endpoint needs ca\.pem, cert\.pem, key\.pem/)
  })

  it('DOCKER_TLS_VERIFY alone takes the certificates in ~/.docker, as the CLI does', async () => {
    const home = path.join(work, 'home-with-certs')
    mkdirSync(path.join(home, '.docker'), { recursive: true })
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(path.join(certs.client, f), path.join(home, '.docker', f))
    const r = await cmc(['base', 'list', '--json'], { DOCKER_HOST: engine.tcpHost, DOCKER_TLS_VERIFY: '1', HOME: home })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([]) // the private engine has no bootstrapped bases
  })

  it('a docker context made by the docker CLI, with its TLS files, is the endpoint when it is current', async () => {
    const config = path.join(work, 'docker-config')
    const docker = (args: string[]) => execFileSync('docker', args, { env: { ...process.env, ...noEndpoint, DOCKER_CONFIG: config }, stdio: 'pipe' })
    const f = (name: string) => path.join(certs.client, name)
    docker(['context', 'create', 'cmc-tls', '--docker', `host=${engine.tcpHost},ca=${f('ca.pem')},cert=${f('cert.pem')},key=${f('key.pem')}`])
    docker(['context', 'use', 'cmc-tls'])
    await ranOn(engine, () => runEcho(4, { DOCKER_CONFIG: config }))

    const closed = await freePort()
    docker(['context', 'create', 'cmc-gone', '--docker', `host=tcp://127.0.0.1:${closed}`])
    const r = await cmc(['base', 'list'], { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'cmc-gone' })
    expectEngineError(
      r,
      3,
      `cannot reach a Docker engine at tcp://127.0.0.1:${closed} from docker context cmc-gone`,
      /hint: start the engine of docker context cmc-gone, or change context/,
    )
  })
})

describe("an ssh engine (an sshd of the test's own on 127.0.0.1, its sessions reaching the private dockerd)", () => {
  needServers()
  const sshHost = () => `ssh://root@127.0.0.1:${sshd.port}`

  it('DOCKER_HOST=ssh:// with the key in an ssh-agent: cmc run runs on the engine behind the ssh server', async () => {
    const before = sshd.logins()
    const [rec] = await ranOn(engine, () => runEcho(5, { DOCKER_HOST: sshHost(), SSH_AUTH_SOCK: agent.socket }))
    expect(rec!.status).toBe('ok')
    expect(rec!.metrics.value!.median).toBe(5)
    expect(sshd.logins()).toBeGreaterThan(before) // through the ssh server, not a socket of this machine
  })

  it('the early /version is left to the client for ssh', () => {
    withEnv({ DOCKER_HOST: sshHost() }, () => {
      const ep = resolveEndpoint()
      expect(ep.transport).toBe('ssh')
      askVersionEarly()
      expect(takeEarlyVersion(ep.display)).toBeUndefined()
    })
  })

  it('without an agent, the unencrypted key in ~/.ssh/id_ed25519 logs in', async () => {
    const home = path.join(work, 'home-with-key')
    mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 })
    copyFileSync(sshd.userKey, path.join(home, '.ssh', 'id_ed25519'))
    const before = sshd.logins()
    const r = await cmc(['base', 'list', '--json'], { DOCKER_HOST: sshHost(), HOME: home })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([])
    expect(sshd.logins()).toBeGreaterThan(before)
  })

  it('an ssh docker context is used like DOCKER_HOST', async () => {
    const config = path.join(work, 'docker-config-ssh')
    execFileSync('docker', ['context', 'create', 'cmc-ssh', '--docker', `host=${sshHost()}`], {
      env: { ...process.env, ...noEndpoint, DOCKER_CONFIG: config },
      stdio: 'pipe',
    })
    const before = sshd.logins()
    const r = await cmc(['base', 'list', '--json'], { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'cmc-ssh', SSH_AUTH_SOCK: agent.socket })
    expect(r.code, r.stderr).toBe(0)
    expect(sshd.logins()).toBeGreaterThan(before)
  })

  it('no key anywhere: exit 3, the hint says how to offer one', async () => {
    const r = await cmc(['base', 'list'], { DOCKER_HOST: sshHost() })
    expectEngineError(
      r,
      3,
      `cannot reach a Docker engine at ${sshHost()} (All configured authentication methods failed)`,
      /hint: the ssh login was refused: load your key into ssh-agent \(SSH_AUTH_SOCK\)/,
    )
  })

  it('no ssh server at the address: exit 3, the address in the hint', async () => {
    const closed = await freePort()
    const r = await cmc(['base', 'list'], { DOCKER_HOST: `ssh://root@127.0.0.1:${closed}`, SSH_AUTH_SOCK: agent.socket })
    expectEngineError(
      r,
      3,
      `cannot reach a Docker engine at ssh://root@127.0.0.1:${closed}`,
      new RegExp(`hint: no ssh server answers at 127\\.0\\.0\\.1:${closed}`),
    )
  })
})

describe('addresses as the docker CLI reads them', () => {
  const resolved = (vars: Record<string, string | undefined>) => withEnv({ HOME: emptyHome, ...vars }, () => resolveEndpoint())

  it("tcp gets the CLI's default port (2376 with TLS), host:port alone is tcp, ssh without a user is the local user", () => {
    expect(resolved({ DOCKER_HOST: 'tcp://127.0.0.1' })).toMatchObject({
      transport: 'tcp',
      address: { host: '127.0.0.1', port: 2375 },
      modemEnv: { DOCKER_HOST: 'tcp://127.0.0.1:2375' },
    })
    expect(resolved({ DOCKER_HOST: 'tcp://127.0.0.1', DOCKER_TLS_VERIFY: 'yes' })).toMatchObject({
      transport: 'tls',
      address: { port: 2376 },
      modemEnv: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' },
    })
    expect(resolved({ DOCKER_HOST: '127.0.0.1:2375' })).toMatchObject({
      transport: 'tcp',
      display: '127.0.0.1:2375',
      address: { host: '127.0.0.1', port: 2375 },
    })
    const user = os.userInfo().username
    expect(resolved({ DOCKER_HOST: 'ssh://127.0.0.1' })).toMatchObject({
      transport: 'ssh',
      address: { host: '127.0.0.1', port: 22 },
      modemEnv: { DOCKER_HOST: `ssh://${user}@127.0.0.1` },
    })
    // DOCKER_TLS_VERIFY means nothing to ssh (docker-modem would switch to https)
    expect(resolved({ DOCKER_HOST: 'ssh://u:secret@127.0.0.1:2222', DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      transport: 'ssh',
      display: 'ssh://u:***@127.0.0.1:2222',
      modemEnv: { DOCKER_HOST: 'ssh://u@127.0.0.1:2222' },
    })
    expect(resolved({ DOCKER_HOST: 'unix:///run/podman/podman.sock' })).toMatchObject({
      transport: 'socket',
      address: { socketPath: '/run/podman/podman.sock' },
    })
  })

  it('an address of another scheme: exit 2, DOCKER_HOST_INVALID, with examples', async () => {
    const r = await cmc(['base', 'list', '--json'], { DOCKER_HOST: 'ftp://127.0.0.1' })
    expect(r.code, r.stderr).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: 'DOCKER_HOST_INVALID',
      message: 'DOCKER_HOST=ftp://127.0.0.1 is not a unix://, tcp:// or ssh:// address',
    })
  })
})
