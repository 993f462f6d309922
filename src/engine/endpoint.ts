// Where the Docker engine is, found as the docker CLI finds it, and its
// /version asked before the client loads.
// Order: DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH); then the
// docker context named by DOCKER_CONTEXT or by currentContext in
// ~/.docker/config.json (contexts/meta/<sha256 of name>/meta.json, its TLS
// files in contexts/tls/<sha256 of name>/docker/), which docker-modem does not
// read; then the default socket, or rootless Docker's under XDG_RUNTIME_DIR
// when there is none. Podman's Docker-compatible socket works the same way
// (DOCKER_HOST=unix:///run/podman/podman.sock).
// How an address is spoken to (unix socket, tcp, TLS, ssh) is docker-modem's
// business: docker.ts hands it the endpoint as the variables it reads
// (`modemEnv`), filled in where the docker CLI has defaults and docker-modem
// has none (tcp ports, ~/.docker's certificates, the ssh user).
// This module loads only node built-ins and the files it reads: `cmc run` and
// `cmc build` call askVersionEarly() before they load dockerode and the rest,
// so a local engine answers while they load.
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'
import { nodeCrypto } from '../lazy.js'

/** The variables docker-modem reads its endpoint from, in its constructor. */
export interface ModemEnv {
  DOCKER_HOST: string
  DOCKER_TLS_VERIFY?: '1'
  DOCKER_CERT_PATH?: string
}

/** How the client speaks to the engine: only `socket` and `tcp` are plain HTTP. */
export type Transport = 'socket' | 'tcp' | 'tls' | 'ssh'

export type EndpointSource = { from: 'DOCKER_HOST' } | { from: 'context'; name: string } | { from: 'default' }

export interface Endpoint {
  /** What the user would recognise: the DOCKER_HOST value, the socket, or the context's host and name. */
  display: string
  source: EndpointSource
  transport: Transport
  /** Where connections go: the socket, or the host and port (the ssh server's, for ssh). */
  address: { socketPath: string } | { host: string; port: number }
  modemEnv: ModemEnv
  /** ssh without an agent (no SSH_AUTH_SOCK): the first of ssh's default identity files there is. */
  sshIdentity?: string
}

const TLS_FILES = ['ca.pem', 'cert.pem', 'key.pem'] as const
/** ssh's default identity files, in the order it tries them. */
const SSH_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519']

function localUser(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? 'root'
  }
}

const dockerConfigDir = () => process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker')

/** A password in the address (which nothing here uses) is not repeated in messages. */
function withoutPassword(host: string): string {
  return host.replace(/^(\w+:\/\/[^/@:]*):[^/@]*@/, '$1:***@')
}

function invalidHost(host: string, source: EndpointSource): CmcError {
  const where = source.from === 'context' ? `docker context ${source.name} has host ${withoutPassword(host)}, which` : `DOCKER_HOST=${withoutPassword(host)}`
  return new CmcError('DOCKER_HOST_INVALID', `${where} is not a unix://, tcp:// or ssh:// address`, {
    hint: 'e.g. DOCKER_HOST=unix:///var/run/docker.sock, tcp://host:2376 (with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH) or ssh://user@host',
  })
}

/**
 * The certificate folder of a TLS endpoint. docker-modem reads all three
 * files or none, so a folder with only some is refused here, naming what is
 * missing, rather than failing later with a bare ENOENT. `required`: the user
 * named the folder; else (~/.docker) an empty one means the system CAs and no
 * client certificate.
 */
function certFolder(dir: string, label: string, required: boolean): string | undefined {
  const missing = TLS_FILES.filter((f) => !existsSync(path.join(dir, f)))
  if (missing.length === 0) return dir
  if (missing.length === TLS_FILES.length && !required) return undefined
  throw new CmcError('DOCKER_CERT_PATH_INVALID', `${label} has no ${missing.join(', ')}`, {
    hint: `a TLS endpoint needs ${TLS_FILES.join(', ')} in its certificates' folder: the CA that signed the engine's certificate, and the client certificate and key the engine accepts`,
  })
}

/** Whether TLS was asked for, and where its certificates are (asked only when the address is TLS). */
interface TlsChoice {
  verify: boolean
  certPath(): string | undefined
}

function endpointFor(host: string, source: EndpointSource, tls: TlsChoice): Endpoint {
  const display = source.from === 'context' ? `${withoutPassword(host)} from docker context ${source.name}` : withoutPassword(host)
  const socket = /^(unix|npipe):\/\/(.*)$/.exec(host)
  if (socket) {
    const socketPath = socket[2] || (socket[1] === 'unix' ? '/var/run/docker.sock' : '//./pipe/docker_engine')
    return { display, source, transport: 'socket', address: { socketPath }, modemEnv: { DOCKER_HOST: `${socket[1]}://${socketPath}` } }
  }
  let url: URL
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`) // the CLI and docker-modem read host:port as tcp
  } catch {
    throw invalidHost(host, source)
  }
  if (!url.hostname) throw invalidHost(host, source)
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (url.protocol === 'ssh:') {
    // as ssh would: the local user when the address names none and, without an
    // agent, the first default identity file there is. No DOCKER_TLS_VERIFY:
    // docker-modem would take it to mean https, the CLI ignores it for ssh
    const user = url.username || encodeURIComponent(localUser())
    const sshIdentity = process.env.SSH_AUTH_SOCK ? undefined : SSH_IDENTITIES.map((f) => path.join(os.homedir(), '.ssh', f)).find((f) => existsSync(f))
    return {
      display,
      source,
      transport: 'ssh',
      address: { host: hostname, port: Number(url.port || 22) },
      modemEnv: { DOCKER_HOST: `ssh://${user}@${url.host}` },
      sshIdentity,
    }
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) throw invalidHost(host, source)
  // docker-modem takes port 2376 to mean TLS; an https:// address is TLS too
  const secure = tls.verify || url.protocol === 'https:' || url.port === '2376'
  const port = Number(url.port || (secure ? 2376 : 2375))
  const modemEnv: ModemEnv = { DOCKER_HOST: `tcp://${url.hostname}:${port}` }
  if (secure) {
    modemEnv.DOCKER_TLS_VERIFY = '1'
    const certPath = tls.certPath()
    if (certPath) modemEnv.DOCKER_CERT_PATH = certPath
  }
  return { display, source, transport: secure ? 'tls' : 'tcp', address: { host: hostname, port }, modemEnv }
}

/** DOCKER_HOST with the TLS variables as the CLI reads them: any value of DOCKER_TLS_VERIFY turns it on. */
function fromEnvironment(host: string): Endpoint {
  const named = process.env.DOCKER_CERT_PATH
  const config = dockerConfigDir()
  const certPath = () =>
    named
      ? certFolder(named, `DOCKER_CERT_PATH=${named}`, true)
      : certFolder(config, `${config} (the certificates' folder when DOCKER_CERT_PATH is not set)`, false)
  return endpointFor(host, { from: 'DOCKER_HOST' }, { verify: !!process.env.DOCKER_TLS_VERIFY, certPath })
}

/** The current docker context's endpoint; undefined for the default context, and where there is no config or no such context. */
function currentContext(): Endpoint | undefined {
  const dir = dockerConfigDir()
  try {
    const name = process.env.DOCKER_CONTEXT || (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext
    if (!name || name === 'default') return undefined
    const id = nodeCrypto().createHash('sha256').update(name).digest('hex')
    const meta = JSON.parse(readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as { Endpoints?: { docker?: { Host?: string } } }
    const host = meta.Endpoints?.docker?.Host
    if (!host) return undefined
    // the CLI keeps a context's certificates beside its meta; with them, it speaks TLS
    const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker')
    const hasTls = existsSync(tlsDir)
    return endpointFor(
      host,
      { from: 'context', name },
      { verify: hasTls, certPath: () => (hasTls ? certFolder(tlsDir, `the TLS folder of docker context ${name} (${tlsDir})`, true) : undefined) },
    )
  } catch (e) {
    if (e instanceof CmcError) throw e
    return undefined
  }
}

export function resolveEndpoint(): Endpoint {
  const env = process.env.DOCKER_HOST
  if (env) return fromEnvironment(env)
  const ctx = currentContext()
  if (ctx) return ctx
  const sock = '/var/run/docker.sock'
  const rootless = process.env.XDG_RUNTIME_DIR && path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock')
  const found = !existsSync(sock) && rootless && existsSync(rootless) ? rootless : sock
  return endpointFor(`unix://${found}`, { from: 'default' }, { verify: false, certPath: () => undefined })
}

type Socketish = { ref(): unknown; unref(): unknown }
interface Early {
  display: string
  answer: Promise<DockerClient.DockerVersion>
  socket?: Socketish
  taken?: boolean
}
let early: Early | undefined
let answeredEarly: string | undefined

/** A plain GET of the engine's /version, over a unix socket or plain tcp. */
function getVersion(ep: Endpoint, onSocket: (s: Socketish) => void): Promise<DockerClient.DockerVersion> {
  const target = 'socketPath' in ep.address ? { socketPath: ep.address.socketPath } : { host: ep.address.host, port: ep.address.port }
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: '/version', agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`/version answered ${res.statusCode}`))
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as DockerClient.DockerVersion)
        } catch (e) {
          reject(e as Error)
        }
      })
    })
    req.on('socket', onSocket)
    req.on('error', reject)
  })
}

/**
 * Sends GET /version now, for engineVersion() to take up; any failure is left
 * to the real client. Until it is taken up, the request does not keep the
 * process alive (an engine that never answers must not hold up an exit).
 * TLS and ssh endpoints are left to the client: it alone has their
 * certificates and keys.
 */
export function askVersionEarly(): void {
  try {
    const ep = resolveEndpoint()
    if (ep.transport !== 'socket' && ep.transport !== 'tcp') return
    const e: Early = {
      display: ep.display,
      answer: getVersion(ep, (socket) => {
        e.socket = socket
        if (!e.taken) socket.unref()
      }),
    }
    e.answer.then(
      () => {
        answeredEarly = ep.display
      },
      () => {},
    )
    early = e
  } catch {
    // a bad DOCKER_HOST is reported by the client, with its hint
  }
}

/** The early /version answer for this endpoint, once; undefined when none was asked. */
export function takeEarlyVersion(display: string): Promise<DockerClient.DockerVersion> | undefined {
  const e = early
  early = undefined
  if (e?.display !== display) return undefined
  e.taken = true
  e.socket?.ref()
  return e.answer
}

/** Whether an early /version was asked of this endpoint and is not taken yet. */
export function askedEarly(display: string): boolean {
  return early?.display === display
}

/** Whether the engine at this endpoint has answered the early /version (so it needs no ping). */
export function answeredVersion(display: string): boolean {
  return answeredEarly === display
}
