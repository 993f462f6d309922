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
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export function renderPage(data: ReportData, opts: { title?: string; live?: boolean } = {}): string {
  const page = Handlebars.compile(readFileSync(path.join(templatesDir, 'report', 'page.html'), 'utf8'))
  // The UMD build is not in chart.js's exports map: find it beside the main entry.
  const chartjs = readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8')
  const client = readFileSync(path.join(templatesDir, 'report', 'client.js'), 'utf8')
  return page({
    title: opts.title ?? 'cmc experiment report',
    chartjs: chartjs.replace(/<\/script/gi, '<\\/script'),
    client,
    data: scriptJson(data),
    live: opts.live ? 'true' : 'false',
  })
}
