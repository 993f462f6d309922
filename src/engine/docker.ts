// The Docker client: the one place that creates a dockerode instance, for
// the endpoint that endpoint.ts finds.
import { readFileSync } from 'node:fs'
import net from 'node:net'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'
import { dockerode } from '../lazy.js'
import { answeredVersion, askedEarly, resolveEndpoint, takeEarlyVersion, type Endpoint, type ModemEnv } from './endpoint.js'

type Docker = DockerClient
type Fn = (...args: unknown[]) => unknown

let client: Docker | undefined
let endpoint: Endpoint | undefined
let answered: Docker | undefined

/**
 * docker-modem reads its endpoint (DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH) from process.env, in its constructor only. The endpoint
 * found by endpoint.ts, from the environment or a docker context, is handed
 * to it that way, so that its rules alone decide how the address is spoken
 * to; the variables are put back before anything else runs.
 */
function withModemEnv<T>(env: ModemEnv, make: () => T): T {
  const keys = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'] as const
  const saved = keys.map((k) => process.env[k])
  const put = (k: string, v: string | undefined) => {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    for (const k of keys) put(k, env[k])
    return make()
  } finally {
    keys.forEach((k, i) => put(k, saved[i]))
  }
}

/**
 * docker-modem writes an ssh endpoint's request URLs as `ssh:host:port…`,
 * which url.parse answers with a deprecation warning on stderr. The URL is
 * never connected to (the ssh channel carries the request), so the warning
 * is kept from users while the modem dials, and only then.
 */
function quietSshUrls(docker: Docker): void {
  const modem = docker.modem as { dial: Fn }
  const dial = modem.dial
  modem.dial = function (this: unknown, ...args: unknown[]) {
    const was = process.noDeprecation
    process.noDeprecation = true
    try {
      return dial.apply(this, args)
    } finally {
      process.noDeprecation = was
    }
  }
}

function clientFor(ep: Endpoint): Docker {
  try {
    // docker-modem's ssh agent comes from SSH_AUTH_SOCK; without one, the identity file ssh would use
    const sshOptions = ep.sshIdentity ? { privateKey: readFileSync(ep.sshIdentity) } : undefined
    const docker = withModemEnv(ep.modemEnv, () => new (dockerode())({ timeout: 0, ...(sshOptions && { sshOptions }) }))
    if (ep.transport === 'ssh') quietSshUrls(docker)
    return docker
  } catch (e) {
    throw new CmcError('DOCKER_ENDPOINT_UNREADABLE', `cannot use the Docker engine at ${ep.display}: ${(e as Error).message}`, {
      hint:
        ep.transport === 'ssh'
          ? `make ${ep.sshIdentity} readable, or load the key into ssh-agent (SSH_AUTH_SOCK)`
          : 'make the TLS files (ca.pem, cert.pem, key.pem in DOCKER_CERT_PATH) readable by this user',
    })
  }
}

export function getDocker(): Docker {
  if (!client) {
    const ep = resolveEndpoint()
    client = clientFor(ep)
    endpoint = ep
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
    versionOf.answer.then(
      () => {
        answered ??= docker
      },
      () => {
        versionOf = undefined
      },
    )
  }
  return versionOf.answer
}

export function engineEndpoint(): Endpoint {
  if (!endpoint) getDocker()
  return endpoint!
}

export function noDaemonError(cause?: unknown): CmcError {
  const ep = engineEndpoint()
  // OpenSSL's own errors say it in `reason`: their message is OpenSSL's error stack
  const { library, reason } = (cause ?? {}) as { library?: unknown; reason?: unknown }
  const why = (library && typeof reason === 'string' ? reason : cause instanceof Error ? cause.message : cause ? String(cause) : 'no answer')
    .replace(/\s+/g, ' ')
    .trim()
  return new CmcError('NO_DAEMON', `cannot reach a Docker engine at ${ep.display} (${why})`, { hint: unreachableHint(ep, cause) })
}

/** What to do about an endpoint that did not answer: what the failure itself says first, then where the endpoint came from. */
function unreachableHint(ep: Endpoint, cause: unknown): string {
  const { message = '', code = '' } = (cause ?? {}) as { message?: string; code?: string }
  const hint = ep.transport === 'ssh' ? sshHint(ep, code, message) : tlsHint(ep, code, message)
  if (hint) return hint
  switch (ep.source.from) {
    case 'DOCKER_HOST':
      return 'start the engine behind DOCKER_HOST, or unset DOCKER_HOST to use the default socket'
    case 'context':
      return `start the engine of docker context ${ep.source.name}, or change context (\`docker context use default\`)`
    default:
      return "start one: `sudo bash scripts/setup-engine.sh` (installs Debian's docker.io and starts dockerd), or `sudo dockerd &`; or point DOCKER_HOST at a running engine"
  }
}

/** The engine refused this client's certificate: a TLS alert. */
const CLIENT_CERT_REFUSED = /^ERR_SSL_.*ALERT|^EPROTO$/
/** This client refused the engine's certificate. */
const ENGINE_CERT_REFUSED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/

function tlsHint(ep: Endpoint, code: string, message: string): string | undefined {
  const certs = ep.modemEnv.DOCKER_CERT_PATH
  const setCerts = "DOCKER_CERT_PATH to the folder with the engine's CA (ca.pem) and your client certificate and key (cert.pem, key.pem)"
  if (ep.transport === 'tcp' && /HTTP request to an HTTPS server/i.test(message)) return `this engine speaks TLS: set DOCKER_TLS_VERIFY=1 and ${setCerts}`
  if (ep.transport !== 'tls') return undefined
  if (CLIENT_CERT_REFUSED.test(code)) {
    return certs
      ? `the engine refused the client certificate: cert.pem in ${certs} must be signed by a CA the engine trusts (its --tlscacert)`
      : `the engine asks for a client certificate: set ${setCerts}`
  }
  if (ENGINE_CERT_REFUSED.test(code)) {
    return certs
      ? `the engine's certificate was not accepted: ca.pem in ${certs} must be the CA that signed it, and it must be issued for the host in the address`
      : `the engine's certificate was not accepted: set ${setCerts}`
  }
  return undefined
}

function sshHint(ep: Endpoint, code: string, message: string): string {
  if (/authentication methods failed|privateKey|passphrase/i.test(message)) {
    return 'the ssh login was refused: load your key into ssh-agent (SSH_AUTH_SOCK), or keep an unencrypted one as ~/.ssh/id_rsa, id_ecdsa or id_ed25519 (cmc uses the first of these it finds)'
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|no answer within/.test(`${code} ${message}`)) {
    const { host, port } = ep.address as { host: string; port: number }
    return `no ssh server answers at ${host}:${port}: start it, or correct the address`
  }
  // the server answered and did not refuse the login: what is left is the remote end
  const url = new URL(ep.modemEnv.DOCKER_HOST)
  return `the remote end needs the docker CLI on its PATH, reaching its engine (cmc runs \`docker system dial-stdio\` there): try \`ssh${url.port ? ` -p ${url.port}` : ''} ${url.username}@${url.hostname} docker version\``
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
 * Whether something accepts connections at the endpoint's address (the ssh
 * server's, for ssh) within `ms`: true, or the connection error.
 */
function endpointAccepts(address: Endpoint['address'], ms: number): Promise<true | Error> {
  const target = 'socketPath' in address ? { path: address.socketPath } : { host: address.host, port: address.port }
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
  const accepts = await endpointAccepts(engineEndpoint().address, timeoutMs)
  if (accepts instanceof Error) throw noDaemonError(accepts)
  const limit = Math.max(timeoutMs, busyMs)
  let timer: NodeJS.Timeout | undefined
  try {
    // a /version on its way (asked early, or by a caller) answers for the ping
    const asked = versionOf?.client === docker || askedEarly(engineEndpoint().display)
    await Promise.race([
      asked ? engineVersion() : docker.ping(),
      new Promise((_, reject) => {
        timer = afterPendingIo(limit, () => reject(new Error(`no answer within ${limit} ms`)))
      }),
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
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(code ?? '') ||
    /socket hang up|ECONNRESET|connect ECONNREFUSED/.test(String((e as Error)?.message))
  )
}
