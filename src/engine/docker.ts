// The Docker client: the one place that creates a dockerode instance, for
// the endpoint that endpoint.ts finds.
import Module, { createRequire } from 'node:module'
import net from 'node:net'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'
import { answeredVersion, resolveEndpoint, takeEarlyVersion, type Endpoint } from './endpoint.js'

const require = createRequire(import.meta.url)

type Fn = (...args: unknown[]) => unknown

/** A module that exports one function: the real one loads on the first call (`new` included). */
const callThrough = (load: () => unknown) => function (this: unknown, ...args: unknown[]) {
  return (load() as Fn).apply(this, args)
}

/**
 * Puts a stand-in for a module in require's cache; `standIn` gets the loader
 * of the real module. dockerode and docker-modem require, when they load, gRPC
 * and protobuf (the BuildKit session), ssh2 (ssh:// hosts), tar-fs (build
 * contexts from a folder: cmc sends a tar stream), readable-stream (hijacked
 * connections) and debug (off unless DEBUG is set): about 200 ms of dockerode's
 * 260 ms import on the 2-core machine, paid by every command that talks to the
 * engine, for code that only those cases call. Where the files are not where
 * expected, or the module is already loaded, nothing is stubbed and the modules
 * load as usual. Returns a function that takes the stand-in out of the cache
 * again, for modules that others may require later.
 */
function deferModule(from: NodeJS.Require | undefined, file: string, standIn: (load: () => unknown) => unknown = callThrough): () => void {
  try {
    if (!from) return () => {}
    const resolved = from.resolve(file)
    if (require.cache[resolved]) return () => {}
    let real: unknown
    const load = () => {
      if (real === undefined) {
        if (require.cache[resolved] === m) delete require.cache[resolved]
        real = from(resolved)
      }
      return real
    }
    const m = new Module(resolved)
    m.filename = resolved
    m.loaded = true
    m.exports = standIn(load)
    require.cache[resolved] = m
    return () => { if (require.cache[resolved] === m) delete require.cache[resolved] }
  } catch {
    return () => {} // load them normally
  }
}

/** require as seen from inside a package that `from` requires; undefined when it is not there. */
function requireIn(from: NodeJS.Require, pkg: string): NodeJS.Require | undefined {
  try {
    return createRequire(from.resolve(`${pkg}/package.json`))
  } catch {
    return undefined
  }
}

const inDockerode = requireIn(require, 'dockerode')
const inModem = inDockerode && requireIn(inDockerode, 'docker-modem')
deferModule(inDockerode, './lib/session.js')
deferModule(inModem, './lib/ssh.js')
deferModule(inModem, './lib/http_duplex.js')
deferModule(inDockerode, 'tar-fs', (load) => {
  const tarFs = () => load() as { pack: Fn; extract: Fn }
  return { pack: (...a: unknown[]) => tarFs().pack(...a), extract: (...a: unknown[]) => tarFs().extract(...a) }
})
// docker-modem's one use of debug, `require('debug')('modem')` as it loads; the
// stand-in is taken out again once dockerode has loaded, so anything else that
// requires debug later gets the real module
const releaseDebug = deferModule(inModem, 'debug', (load) => (ns: string) => (process.env.DEBUG ? (load() as Fn)(ns) : Object.assign(() => {}, { enabled: false, namespace: ns })))
const Docker = require('dockerode') as typeof DockerClient
releaseDebug()
type Docker = DockerClient

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
    const early = takeEarlyVersion(engineEndpoint().display)
    versionOf = { client: docker, answer: early ? early.catch(() => docker.version()) : docker.version() }
    // an engine that answered /version needs no ping
    versionOf.answer.then(() => { answered ??= docker }, () => { versionOf = undefined })
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
  if (answeredVersion(engineEndpoint().display)) {
    answered = docker
    return
  }
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
