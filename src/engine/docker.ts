// The Docker client: the one place that creates a dockerode instance.
// Endpoint order: DOCKER_HOST (unix://, tcp://), then the current docker
// context (~/.docker/config.json currentContext -> contexts/meta/*/meta.json),
// then the default socket. Podman's Docker-compatible socket works the same
// way (DOCKER_HOST=unix:///run/podman/podman.sock).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'

const require = createRequire(import.meta.url)

/**
 * Puts a forwarding stub for a module that exports one function in require's
 * cache: the real module loads on the first call. dockerode requires gRPC and
 * protobuf (its BuildKit session) and docker-modem requires ssh2 (ssh:// hosts)
 * when they load: about 170 ms of dockerode's 250 ms import on the 2-core
 * machine, paid by every command that talks to the engine, for code only a
 * BuildKit build or an ssh host calls. Where the files are not where expected,
 * nothing is stubbed and the modules load as usual.
 */
function deferModule(pkg: string, file: string): void {
  try {
    const from = createRequire(require.resolve(`${pkg}/package.json`))
    const resolved = from.resolve(file)
    if (require.cache[resolved]) return
    let real: ((...args: unknown[]) => unknown) | undefined
    const stub = function (this: unknown, ...args: unknown[]) {
      if (!real) {
        delete require.cache[resolved]
        real = from(resolved) as (...args: unknown[]) => unknown
      }
      return real.apply(this, args)
    }
    const m = new Module(resolved)
    m.filename = resolved
    m.loaded = true
    m.exports = stub
    require.cache[resolved] = m
  } catch {
    // load them normally
  }
}

deferModule('dockerode', './lib/session.js')
deferModule('dockerode', 'docker-modem/lib/ssh.js')
const Docker = require('dockerode') as typeof DockerClient
type Docker = DockerClient

export interface Endpoint {
  /** What the user would recognise: the DOCKER_HOST value or socket path. */
  display: string
  options: DockerClient.DockerOptions
}

function fromUrl(url: string): Endpoint {
  if (url.startsWith('unix://')) return { display: url, options: { socketPath: url.slice('unix://'.length) } }
  if (url.startsWith('npipe://')) return { display: url, options: { socketPath: url.slice('npipe://'.length) } }
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?/.exec(url)
  if (m) {
    const protocol = m[1] === 'https' || process.env.DOCKER_TLS_VERIFY === '1' ? 'https' : 'http'
    return { display: url, options: { host: m[2], port: Number(m[3] ?? (protocol === 'https' ? 2376 : 2375)), protocol } }
  }
  throw new CmcError('input', 'DOCKER_HOST_INVALID', `DOCKER_HOST=${url} is not a unix:// or tcp:// address`, { hint: 'e.g. DOCKER_HOST=unix:///var/run/docker.sock' })
}

function currentContextHost(): string | undefined {
  const dir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker')
  try {
    const name = process.env.DOCKER_CONTEXT ?? (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext
    if (!name || name === 'default') return undefined
    const id = createHash('sha256').update(name).digest('hex')
    const meta = JSON.parse(readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as { Endpoints?: { docker?: { Host?: string } } }
    return meta.Endpoints?.docker?.Host
  } catch {
    return undefined
  }
}

export function resolveEndpoint(): Endpoint {
  const env = process.env.DOCKER_HOST
  if (env) return fromUrl(env)
  const ctx = currentContextHost()
  if (ctx) return fromUrl(ctx)
  const sock = '/var/run/docker.sock'
  if (!existsSync(sock) && process.env.XDG_RUNTIME_DIR && existsSync(path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'))) {
    return fromUrl(`unix://${path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock')}`)
  }
  return { display: `unix://${sock}`, options: { socketPath: sock } }
}

let client: Docker | undefined
let endpoint: Endpoint | undefined
let answered: Docker | undefined

export function getDocker(): Docker {
  if (!client) {
    endpoint = resolveEndpoint()
    client = new Docker({ ...endpoint.options, timeout: 0 })
  }
  return client
}

let versionOf: { client: Docker; answer: Promise<DockerClient.DockerVersion> } | undefined

/** The engine's /version, asked once per client (build arch, fingerprint, checks). */
export function engineVersion(): Promise<DockerClient.DockerVersion> {
  const docker = getDocker()
  if (versionOf?.client !== docker) {
    versionOf = { client: docker, answer: docker.version() }
    versionOf.answer.catch(() => { versionOf = undefined })
  }
  return versionOf.answer
}

export function engineEndpoint(): Endpoint {
  if (!endpoint) getDocker()
  return endpoint!
}

export function noDaemonError(cause?: unknown): CmcError {
  const ep = engineEndpoint()
  const why = cause instanceof Error ? cause.message : cause ? String(cause) : 'no answer'
  return new CmcError('engine', 'NO_DAEMON', `cannot reach a Docker engine at ${ep.display} (${why})`, {
    hint: process.env.DOCKER_HOST
      ? `start the engine behind DOCKER_HOST, or unset DOCKER_HOST to use the default socket`
      : 'start one: `sudo bash scripts/setup-engine.sh` (installs Debian\'s docker.io and starts dockerd), or `sudo dockerd &`; or point DOCKER_HOST at a running engine',
  })
}

/**
 * A timeout that lets I/O already pending go first: the timer may fire late,
 * behind this process's own work (50 runs at once on 2 cores), when the answer
 * it waits for has in fact arrived.
 */
function afterPendingIo(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(fn), ms)
}

/** The engine's own words for a failed request (its JSON message), else the error's. */
export function engineMessage(e: unknown): string {
  return (e as { json?: { message?: string } }).json?.message ?? (e as Error).message
}

/**
 * Whether something accepts connections at the endpoint, within `ms`:
 * true, the connection error, or undefined where it cannot be probed (ssh, TLS options).
 */
function endpointAccepts(options: DockerClient.DockerOptions, ms: number): Promise<true | Error | undefined> {
  const target = options.socketPath ? { path: options.socketPath } : options.host && options.port ? { host: options.host, port: Number(options.port) } : undefined
  if (!target) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    const sock = net.connect(target as net.NetConnectOpts)
    let settled = false
    const done = (r: true | Error) => {
      if (settled) return
      settled = true
      clearTimeout(t)
      sock.destroy()
      resolve(r)
    }
    const t = afterPendingIo(ms, () => done(new Error(`no answer within ${ms} ms`)))
    sock.once('connect', () => done(true))
    sock.once('error', (e) => done(e))
  })
}

/**
 * Fails within `timeoutMs` with a fix-it message when no engine answers: a
 * missing socket or a closed port is known at once. An engine that accepts the
 * connection but is slow to answer (a busy machine) gets up to `busyMs`.
 */
export async function pingEngine(timeoutMs = 2000, busyMs = Number(process.env.CMC_ENGINE_BUSY_MS ?? 60_000)): Promise<void> {
  const docker = getDocker()
  // once per client: a daemon that goes away later fails the next request with a
  // connection error, which the callers turn into the same message
  if (answered === docker) return
  const accepts = await endpointAccepts(engineEndpoint().options, timeoutMs)
  if (accepts instanceof Error) throw noDaemonError(accepts)
  const limit = accepts === true ? Math.max(timeoutMs, busyMs) : timeoutMs
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => { timer = afterPendingIo(limit, () => reject(new Error(`no answer within ${limit} ms`))) }),
    ])
    answered = docker
  } catch (e) {
    throw noDaemonError(e)
  } finally {
    clearTimeout(timer)
  }
}

/** Errors that mean the connection to the daemon broke (it died or went away). */
export function isConnectionError(e: unknown): boolean {
  const { code, syscall } = (e ?? {}) as { code?: string; syscall?: string }
  // ENOENT is a missing socket only when connecting; from the file system it is a missing file
  if (code === 'ENOENT') return syscall === 'connect'
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(code ?? '') || /socket hang up|ECONNRESET|connect ECONNREFUSED/.test(String((e as Error)?.message))
}
