// `cmc dashboard`: the report's views served on 127.0.0.1 with live filtering
// (/api/records?where=) and compare (/api/compare?a=&b=, exp compare's rule and
// refusals, its flags as parameters). node:http only.
//
// A server on 127.0.0.1 is still reachable from any web page the user opens:
// through DNS rebinding (a name of the attacker's that resolves to 127.0.0.1)
// its pages could read the store. So every request must name this server in
// its Host header, and a browser's Origin, when sent, must be this server's
// (hostGuard, which the hub uses too). Listening beyond loopback
// (--host 0.0.0.0) serves a network: then a random access key is needed too,
// given once in the URL printed at start and kept in a cookie.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import os from 'node:os'
import { CmcError } from '../errors.js'
import { parseNoiseBand, type Comparison } from '../store/compare.js'
import { compareSelections } from '../store/compareSelections.js'
import { selectRecords } from '../store/select.js'
import type { Store } from '../store/store.js'
import { reportData } from './reportData.js'
import { renderPage } from './renderPage.js'

export interface Dashboard {
  /** where this machine opens it (127.0.0.1 for a wildcard address) */
  url: string
  /** listening on 0.0.0.0 or ::, where other machines open it: by this machine's name and its non-loopback addresses */
  networkUrls: string[]
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
/** An address that listens on every interface of this machine. */
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::'

/** The names a server listening on `host` may be asked by: the loopback names, its own, and for 0.0.0.0 or :: this machine's addresses and name. */
export function serverNames(host: string, extra: readonly string[] = []): string[] {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', ...extra.map((n) => n.toLowerCase())])
  if (isWildcard(host)) {
    names.add(os.hostname().toLowerCase())
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address.split('%')[0]}]` : a.address)
  } else names.add(host.includes(':') ? `[${host}]` : host.toLowerCase())
  return [...names]
}

/**
 * Checks a request's Host and Origin against the names the server answers to
 * (serverNames) and its port: undefined when they are this server's, else the
 * refusal. A request without Origin (curl, cmc itself) is judged by Host alone.
 */
export function hostGuard(names: readonly string[], port: () => number): (req: http.IncomingMessage) => CmcError | undefined {
  const allowed = (hostHeader: string) => {
    const h = hostHeader.toLowerCase()
    const p = port()
    return names.some((n) => h === `${n}:${p}` || ((p === 80 || p === 443) && h === n))
  }
  return (req) => {
    const host = req.headers.host
    if (!host || !allowed(host))
      return new CmcError('HOST_NOT_ALLOWED', `this server does not answer to the host ${JSON.stringify(host ?? '')}`, {
        hint: `ask it by one of its names: ${names.join(', ')} (a name it does not know may be a DNS rebinding attack)`,
      })
    const origin = req.headers.origin
    if (origin === undefined) return undefined
    let fromHere = false
    try {
      const o = new URL(origin)
      fromHere = allowed(o.host + (o.port ? '' : `:${o.protocol === 'https:' ? 443 : 80}`))
    } catch {
      // "null" and other opaque origins are never this server's
    }
    if (!fromHere)
      return new CmcError('HOST_NOT_ALLOWED', `a page of ${JSON.stringify(origin)} may not use this server`, {
        hint: "open the server's own address in the browser",
      })
    return undefined
  }
}

/** The access key a dashboard beyond loopback needs: from ?key= once (then a cookie), or the cookie. */
function accessKeyCheck(key: string): (req: http.IncomingMessage, url: URL) => { ok: boolean; setCookie?: string } {
  const same = (given: string | undefined) => given !== undefined && given.length === key.length && timingSafeEqual(Buffer.from(given), Buffer.from(key))
  return (req, url) => {
    const fromQuery = url.searchParams.get('key') ?? undefined
    if (same(fromQuery)) return { ok: true, setCookie: `cmc_dashboard_key=${key}; HttpOnly; SameSite=Strict; Path=/` }
    const cookie = /(?:^|;\s*)cmc_dashboard_key=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    return { ok: same(cookie) }
  }
}

export async function startDashboard(store: Store, opts: { host?: string; port?: number; where?: string } = {}): Promise<Dashboard> {
  const host = opts.host ?? '127.0.0.1'
  let port = 0
  const guard = hostGuard(serverNames(host), () => port)
  const key = isLoopback(host) ? undefined : randomBytes(18).toString('base64url')
  const keyCheck = key ? accessKeyCheck(key) : undefined
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`)
    const headers: Record<string, string> = {}
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', ...headers })
      res.end(body)
    }
    try {
      const refused = guard(req)
      if (refused) return send(403, 'application/json', JSON.stringify(refused.toJSON()))
      if (keyCheck) {
        const access = keyCheck(req, url)
        if (!access.ok)
          return send(
            401,
            'application/json',
            JSON.stringify({ error: 'HUB_UNAUTHORIZED', message: 'open the dashboard by the URL it printed at start (with ?key=)' }),
          )
        if (access.setCookie) headers['set-cookie'] = access.setCookie
      }
      if (url.pathname === '/') {
        return send(
          200,
          'text/html; charset=utf-8',
          renderPage(reportData(store.root, selectRecords(store, opts.where ?? '')), { title: 'cmc dashboard', live: true }),
        )
      }
      if (url.pathname === '/api/records') {
        return send(200, 'application/json', JSON.stringify(reportData(store.root, selectRecords(store, url.searchParams.get('where') ?? ''))))
      }
      if (url.pathname === '/api/compare') return send(200, 'application/json', JSON.stringify(compareRequest(store, url.searchParams)))
      send(404, 'application/json', JSON.stringify({ message: 'not found' }))
    } catch (e) {
      const err = e instanceof CmcError ? e : new CmcError('INTERNAL', (e as Error).message)
      send(err.category === 'input' ? 400 : 500, 'application/json', JSON.stringify(err.toJSON()))
    }
  })
  await listen(server, host, opts.port ?? 0)
  port = (server.address() as { port: number }).port
  const wildcard = isWildcard(host)
  const at = (name: string) => `http://${name}:${port}/${key ? `?key=${key}` : ''}`
  return {
    url: at(wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host),
    networkUrls: wildcard
      ? serverNames(host)
          .filter((n) => !isLoopback(n) && !n.startsWith('[fe80:'))
          .map(at)
      : [],
    close: () =>
      new Promise((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

/**
 * `/api/compare?a=A&b=B`: `cmc exp compare A B`, refusals included (answered
 * 400 with the error); `noise-band`, `allow-mixed`, `allow-different-images`,
 * `allow-different-hosts` and `allow-emulated` are its flags. A side left out is an error, not
 * every record.
 */
function compareRequest(store: Store, query: URLSearchParams): Comparison {
  const sideOf = (name: 'a' | 'b') => {
    const spec = query.get(name)?.trim()
    if (!spec)
      throw new CmcError('USAGE', `/api/compare needs both sides: ?a=A&b=B (side ${name} is missing)`, {
        hint: 'give each side as a record id or a query, as `cmc exp compare A B` takes them',
      })
    return spec
  }
  const flag = (name: string) => query.has(name) && !['0', 'false'].includes(query.get(name)!)
  const a = sideOf('a'),
    b = sideOf('b')
  return compareSelections(store, a, b, {
    noiseBand: parseNoiseBand(query.get('noise-band') ?? undefined),
    allowMixed: flag('allow-mixed'),
    allowDifferentImages: flag('allow-different-images'),
    allowDifferentHosts: flag('allow-different-hosts'),
    allowEmulated: flag('allow-emulated'),
  })
}

/** Listens on host:port; an address the dashboard cannot have is for the user to change (--port, --host), not a crash. */
function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenFailed(err, host, port))).listen(port, host, resolve)
  })
}

function listenFailed(err: NodeJS.ErrnoException, host: string, port: number): CmcError {
  const at = `${host}:${port}`
  const localHost = "leave out --host (127.0.0.1), or give one of this machine's addresses"
  const reasons: Record<string, [why: string, hint: string]> = {
    EADDRINUSE: [`another program listens on ${at}`, 'pick another port with --port (--port 0 takes a free one)'],
    EACCES: [`${at} needs privileges cmc does not have (a port below 1024)`, 'pick a port above 1023 with --port'],
    EADDRNOTAVAIL: [`${host} is not an address of this machine`, localHost],
    ENOTFOUND: [`${host} is not a host name this machine knows`, localHost],
  }
  const [why, hint] = reasons[err.code ?? ''] ?? [`${at}: ${err.message}`, 'pick another port with --port, or another address with --host']
  return new CmcError('LISTEN_FAILED', `the dashboard cannot listen on ${at}: ${why}`, { hint, cause: err })
}
