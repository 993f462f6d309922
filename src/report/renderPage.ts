// One self-contained HTML page (report file or dashboard): the page template,
// the client script and Chart.js are inlined, so the file opens anywhere
// with no network. Chart.js is read from node_modules at render time.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import Handlebars from 'handlebars'
import { templatesDir } from '../paths.js'
import type { ReportData } from './reportData.js'

const require = createRequire(import.meta.url)

/** JSON safe inside a <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** Chart.js's browser build, safe to inline in a <script> element. */
export function chartJsSource(): string {
  // The UMD build is not in chart.js's exports map: find it beside the main entry.
  return readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script')
}

export interface PageOptions {
  title?: string
  live?: boolean
  /** where the live page's /api/ requests go (a hub serves a project's page under /p/PROJECT) */
  apiBase?: string
  /** a script run after the page's own (the hub's links to record pages) */
  extraScript?: string
}

/** The client's /api/ requests sent under a base path: the page's script asks for /api/records whatever serves it. */
const apiBaseShim = (base: string) =>
  `(function(){var b=${scriptJson(base)},f=window.fetch.bind(window);window.fetch=function(u,o){return f(typeof u==='string'&&u.indexOf('/api/')===0?b+u:u,o)}})();\n`

export function renderPage(data: ReportData, opts: PageOptions = {}): string {
  const page = Handlebars.compile(readFileSync(path.join(templatesDir, 'report', 'page.html'), 'utf8'))
  const chartjs = chartJsSource()
  const client = readFileSync(path.join(templatesDir, 'report', 'client.js'), 'utf8')
  return page({
    title: opts.title ?? 'cmc experiment report',
    chartjs,
    client: (opts.apiBase ? apiBaseShim(opts.apiBase) : '') + client + (opts.extraScript ? `;\n${opts.extraScript.replace(/<\/script/gi, '<\\/script')}` : ''),
    data: scriptJson(data),
    live: opts.live ? 'true' : 'false',
  })
}
