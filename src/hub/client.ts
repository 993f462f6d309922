// Talking to a hub over HTTP(S) (node:http, node:https; no pg). A request that
// finds the hub away (refused, reset, 502-504) is retried with backoff for a
// while, so a push survives a hub restart: every hub write is idempotent (a
// record it holds is a no-op). A TLS mistake (a certificate not trusted here,
// http:// to a hub serving TLS or the reverse) is not retried: it fails at
// once with its fix (connectionProblem.ts). The hub's errors come back as the
// CmcErrors it answered with, so `cmc exp compare --store HUB` refuses as the
// local one does.
import http from 'node:http'
import https from 'node:https'
import { CmcError, isErrorCode } from '../errors.js'
import type { EventSink } from '../events.js'
import { configFile, type HubSettings } from '../config.js'
import { plainToTls, servesTls, tlsProblem } from './connectionProblem.js'

export interface HubClientOptions {
  /** how long to keep retrying a hub that does not answer (ms; CMC_HUB_RETRY_MS overrides): a push waits out a restart, a query does not keep its user waiting */
  retryForMs?: number
  events?: EventSink
}

export interface HubClient {
  readonly settings: HubSettings
  /** JSON in, JSON out, under /api/v1/projects/PROJECT/ */
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>
  /** a file's bytes; undefined when the hub has none */
  file(id: string, name: string): Promise<Buffer | undefined>
  close(): void
}

/**
 * Refuses, before any request, a command that cannot work without a token
 * (a push, token management) when none was found; reads go without one, as a
 * public project allows.
 */
export function requireToken(settings: HubSettings, doing: string, scope: 'push' | 'admin'): void {
  if (settings.token) return
  throw new CmcError('HUB_TOKEN_MISSING', `${doing} ${settings.address.url} needs a token, and none was found`, {
    hint: `set CMC_HUB_TOKEN, or write hub.token in ${configFile()} (mode 600) beside a hub.url of this hub (a token there goes only to that hub); the hub's admin makes a token with \`cmc hub token create --user NAME --scope ${scope} --project ${settings.address.project}\``,
  })
}

const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'])
const RETRY_STATUS = new Set([502, 503, 504])

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

class Unavailable extends Error {}

export function hubClient(settings: HubSettings, opts: HubClientOptions = {}): HubClient {
  const { origin, project } = settings.address
  const secure = origin.startsWith('https:')
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 8 }) : new http.Agent({ keepAlive: true, maxSockets: 8 })
  const retryFor = process.env.CMC_HUB_RETRY_MS ? Number(process.env.CMC_HUB_RETRY_MS) : (opts.retryForMs ?? 60_000)
  let probed = false

  function once(method: string, path: string, payload?: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' }
      if (settings.token) headers.authorization = `Bearer ${settings.token}`
      if (payload) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = String(payload.length)
      }
      const req = (secure ? https : http).request(new URL(path, origin), { method, headers, agent, timeout: 120_000 }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', (e) => reject(new Unavailable(e.message)))
      })
      req.on('timeout', () => req.destroy(Object.assign(new Error('the hub did not answer in time'), { code: 'ETIMEDOUT' })))
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (secure) {
          const problem = tlsProblem(e, origin)
          if (problem) return reject(problem)
        }
        reject(RETRY_CODES.has(e.code ?? '') || /socket hang up/.test(e.message) ? new Unavailable(e.message, { cause: e }) : e)
      })
      req.end(payload)
    })
  }

  async function request(method: string, path: string, payload?: Buffer): Promise<Answer> {
    const until = Date.now() + retryFor
    let wait = 200
    for (let attempt = 1; ; attempt++) {
      let why: string
      // the hub answered that its PostgreSQL is away: the hub's admin fixes that, not this address
      let dbAway = false
      try {
        const a = await once(method, path, payload)
        if (!RETRY_STATUS.has(a.status)) return a
        const err = errorOf(a)
        dbAway = err?.code === 'HUB_DB_UNREACHABLE'
        why = `${a.status}: ${err?.message ?? 'unavailable'}`
      } catch (e) {
        if (e instanceof CmcError) throw e
        if (!(e instanceof Unavailable)) throw new CmcError('HUB_UNREACHABLE', `${origin}: ${(e as Error).message}`, { cause: e })
        // asked once: a hub that restarts drops connections too, but does not then answer a TLS hello
        if (!secure && !probed && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
          probed = true
          if (await servesTls(origin)) throw plainToTls(origin, e)
        }
        why = e.message
      }
      if (Date.now() + wait > until) {
        if (dbAway)
          throw new CmcError('HUB_DB_UNREACHABLE', `the hub at ${origin} answers, but its PostgreSQL database does not, after ${attempt} tries`, {
            hint: "the hub serves again once its PostgreSQL is back: try again later, and if it lasts, tell the hub's admin; what a push sent before is kept, and the same command resumes",
          })
        throw new CmcError('HUB_UNREACHABLE', `the hub at ${origin} does not answer (${why}), after ${attempt} tries`, {
          hint: 'check the address and that `cmc hub serve` runs there; what was sent before is kept, and the same command resumes',
        })
      }
      const state = dbAway ? 'answers, but its PostgreSQL database does not' : `does not answer (${why})`
      opts.events?.({ type: 'log', level: 'warn', message: `the hub at ${origin} ${state}; trying again in ${(wait / 1000).toFixed(1)} s` })
      await new Promise((r) => setTimeout(r, wait))
      wait = Math.min(wait * 2, 5000)
    }
  }

  /** The CmcError a hub answered with, rebuilt (code, message, hint, details, data). */
  function errorOf(a: Answer): CmcError | undefined {
    if (a.status < 400) return undefined
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(a.body.toString('utf8')) as Record<string, unknown>
    } catch {
      // a proxy's page, not the hub's answer
    }
    const code =
      typeof body.error === 'string' && isErrorCode(body.error) ? body.error : a.status === 401 || a.status === 403 ? 'HUB_UNAUTHORIZED' : 'HUB_REQUEST_INVALID'
    const message = typeof body.message === 'string' ? body.message : `the hub answered ${a.status}`
    return new CmcError(code, code === 'HUB_UNAUTHORIZED' ? `${origin}/${project}: ${message}` : message, {
      hint: typeof body.hint === 'string' ? body.hint : undefined,
      details: Array.isArray(body.details) ? (body.details as string[]) : undefined,
      data: { ...(body.data as Record<string, unknown> | undefined), status: a.status },
    })
  }

  const base = `/api/v1/projects/${encodeURIComponent(project)}/`
  return {
    settings,
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const a = await request(method, base + path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)))
      const err = errorOf(a)
      // a push that met a conflict still answers what it did: the caller reads it
      if (err && !(a.status === 409 && path === 'records')) throw err
      return JSON.parse(a.body.toString('utf8')) as T
    },
    async file(id, name) {
      const a = await request('GET', `${base}files/${encodeURIComponent(id)}/${name.split('/').map(encodeURIComponent).join('/')}`)
      if (a.status === 404) return undefined
      const err = errorOf(a)
      if (err) throw err
      return a.body
    },
    close: () => agent.destroy(),
  }
}
