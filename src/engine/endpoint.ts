// Where the Docker engine is, and its /version asked before the client loads.
// Endpoint order: DOCKER_HOST (unix://, tcp://), then the current docker
// context (~/.docker/config.json currentContext -> contexts/meta/*/meta.json),
// then the default socket. Podman's Docker-compatible socket works the same
// way (DOCKER_HOST=unix:///run/podman/podman.sock).
// This module loads only node:http and the files it reads: `cmc run` and
// `cmc build` call askVersionEarly() before they load dockerode and the rest,
// so the engine answers while they load (dockerd 20.10 takes ~35 ms for it).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'

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

type Socketish = { ref(): unknown; unref(): unknown }
interface Early { display: string; answer?: Promise<DockerClient.DockerVersion>; socket?: Socketish; taken?: boolean }
let early: Early | undefined
let answeredEarly: string | undefined

/** A plain GET of the engine's /version; undefined where the client's own transport is needed (TLS). */
function getVersion(options: DockerClient.DockerOptions, onSocket: (s: Socketish) => void): Promise<DockerClient.DockerVersion> | undefined {
  const target = options.socketPath ? { socketPath: options.socketPath } : options.protocol === 'http' ? { host: options.host, port: options.port } : undefined
  if (!target) return undefined
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
 */
export function askVersionEarly(): void {
  try {
    const ep = resolveEndpoint()
    const e: Early = { display: ep.display }
    e.answer = getVersion(ep.options, (socket) => {
      e.socket = socket
      if (!e.taken) socket.unref()
    })
    if (!e.answer) return
    e.answer.then(() => { answeredEarly = ep.display }, () => {})
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

/** Whether the engine at this endpoint has answered the early /version (so it needs no ping). */
export function answeredVersion(display: string): boolean {
  return answeredEarly === display
}
