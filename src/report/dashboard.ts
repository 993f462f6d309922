// `cmc dashboard`: the report's views served on 127.0.0.1 with live filtering
// (/api/records?where=) and compare (/api/compare?a=&b=, exp compare's rule and
// refusals, its flags as parameters). node:http only.
import http from 'node:http'
import { CmcError } from '../errors.js'
import { parseNoiseBand, type Comparison } from '../store/compare.js'
import { compareSelections } from '../store/compareSelections.js'
import { selectRecords } from '../store/select.js'
import type { Store } from '../store/store.js'
import { reportData } from './reportData.js'
import { renderPage } from './renderPage.js'

export interface Dashboard {
  url: string
  close(): Promise<void>
}

export async function startDashboard(store: Store, opts: { host?: string; port?: number; where?: string } = {}): Promise<Dashboard> {
  const host = opts.host ?? '127.0.0.1'
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`)
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
    }
    try {
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
  const addr = server.address() as { port: number }
  return { url: `http://${host}:${addr.port}/`, close: () => new Promise((r) => server.close(() => r())) }
}

/**
 * `/api/compare?a=A&b=B`: `cmc exp compare A B`, refusals included (answered
 * 400 with the error); `noise-band`, `allow-mixed`, `allow-different-images`
 * and `allow-different-hosts` are its flags. A side left out is an error, not
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
