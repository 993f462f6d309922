// `cmc dashboard`: the report's views served on 127.0.0.1 with live filtering
// (/api/records?where=) and compare (/api/compare?a=&b=). node:http only.
import http from 'node:http'
import { CmcError } from '../errors.js'
import { compareGroups } from '../store/compare.js'
import { selectComparable, selectRecords } from '../store/select.js'
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
      if (url.pathname === '/api/compare') {
        const c = compareGroups(selectComparable(store, url.searchParams.get('a') ?? ''), selectComparable(store, url.searchParams.get('b') ?? ''), {
          allowDifferentImages: true,
          allowDifferentHosts: true,
        })
        return send(200, 'application/json', JSON.stringify(c))
      }
      send(404, 'application/json', JSON.stringify({ message: 'not found' }))
    } catch (e) {
      const err = e instanceof CmcError ? e : new CmcError('INTERNAL', (e as Error).message)
      send(err.category === 'input' ? 400 : 500, 'application/json', JSON.stringify(err.toJSON()))
    }
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port ?? 0, host, resolve))
  const addr = server.address() as { port: number }
  return { url: `http://${host}:${addr.port}/`, close: () => new Promise((r) => server.close(() => r())) }
}
