// The hub's web pages: the dashboard's page over a project (its filter and
// compare forms ask the hub; compare across hosts and images is a checkbox),
// with each run linked to a page of its own: provenance (image digest, plan
// hash, host, who pushed it and when), the command that reproduces it, its
// metrics with a chart of the repeats, and its logs and outputs.
import { reportData, type ReportData } from '../report/reportData.js'
import { chartJsSource, renderPage, scriptJson } from '../report/renderPage.js'
import type { ExperimentRecord } from '../store/record.js'
import type { HeldRecord } from './hubRecords.js'

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const num = (v: number) => esc(Number.isFinite(v) ? Number(v.toPrecision(6)) : v)

export const hubPageData = (project: string, records: ExperimentRecord[]): ReportData => reportData(`hub project ${project}`, records)

/**
 * Run ids become links to their pages; the compare form gets a checkbox that
 * compares across hosts and images (the hub holds many machines' runs).
 */
const hubScript = (base: string) => `(function () {
  var base = ${scriptJson(base)}
  var form = document.getElementById('compare-form')
  var box = document.createElement('label')
  box.innerHTML = '<input type="checkbox" id="across" checked> across hosts and images'
  form.insertBefore(box, form.lastElementChild)
  var fetch0 = window.fetch
  window.fetch = function (u, o) {
    if (typeof u === 'string' && u.indexOf('/api/compare') === 0 && document.getElementById('across').checked) u += '&allow-different-hosts=1&allow-different-images=1'
    return fetch0(u, o)
  }
  var link = function () {
    document.querySelectorAll('#runs tr td:first-child').forEach(function (td) {
      if (td.querySelector('a')) return
      var a = document.createElement('a')
      a.href = base + '/r/' + encodeURIComponent(td.textContent)
      a.textContent = td.textContent
      td.replaceChildren(a)
    })
  }
  new MutationObserver(link).observe(document.getElementById('runs'), { childList: true, subtree: true })
  link()
})()`

export function hubPage(project: string, base: string, records: ExperimentRecord[]): string {
  return renderPage(hubPageData(project, records), { title: `cmc hub: ${project}`, live: true, apiBase: base, extraScript: hubScript(base) })
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}header{background:#1d2330;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:18px}main{padding:16px 24px;max-width:1100px}section{background:#fff;border:1px solid #e2e5ea;border-radius:6px;padding:14px 16px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 10px}table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3}
th{width:180px;color:#555}pre{background:#f1f3f5;padding:8px;overflow:auto}.chart{height:280px}a{color:#2456c7}`

export function recordPage(project: string, base: string, hubUrl: string, held: HeldRecord): string {
  const r = held.record
  const rows = (pairs: Array<[string, unknown]>) => pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')
  const h = r.host
  const provenance: Array<[string, unknown]> = [
    ['benchmark', `${r.benchmark.alias} (${r.benchmark.uid})`],
    ['image', `${r.image.alias} ${r.image.ref}`],
    ['image digest', r.image.digest],
    ['image id', r.image.id],
    ['plan hash', r.image.planHash],
    ['platform', r.platform],
    ['host', `${h.hostname}: ${h.cpuModel}, ${h.cores} cores, ${(h.memoryBytes / 2 ** 30).toFixed(0)} GiB, kernel ${h.kernel}`],
    ['engine', `${h.docker.name ?? 'Docker'} ${h.docker.version}`],
    ['gpus', h.gpus.map((g) => `${g.vendor} ${g.model}${g.driver ? ` (${g.driver})` : ''}`).join(', ') || 'none'],
    ['status', `${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.reason ? `: ${r.reason}` : ''}`],
    [
      'params',
      Object.entries(r.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '(defaults)',
    ],
    ['command', r.command],
    ['created', r.createdAt],
    ['pushed by', held.pushedBy],
    ['pushed at', held.pushedAt],
    ['content sha256', held.hash],
    ['cmc version', r.cmcVersion],
  ]
  const metrics = Object.entries(r.metrics)
    .map(([k, s]) => `<tr><th>${esc(k)}</th><td>${num(s.median)} [${num(s.ci95[0])}, ${num(s.ci95[1])}] ${esc(s.unit ?? '')} (n=${esc(s.n)})</td></tr>`)
    .join('')
  const fileLink = (name: string) =>
    `<a href="${esc(`${base}/r/${encodeURIComponent(r.id)}/files/${name.split('/').map(encodeURIComponent).join('/')}`)}">${esc(name)}</a>`
  const files = [r.logs.stdout, r.logs.stderr, ...r.outputs.map((o) => `outputs/${o.path}`)].map(fileLink).join(' · ')
  const reproduce = `cmc exp pull --from ${hubUrl} --where 'id = ${r.id}'\ncmc exp reproduce ${r.id}`
  const series = Object.keys(r.metrics).map((m) => ({ label: m, data: r.repeats.map((x) => x.metrics[m] ?? null) }))
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.id)} · ${esc(project)}</title><style>${STYLE}</style></head><body>
<header><h1>${esc(r.benchmark.alias)} on ${esc(r.platform)}: ${esc(r.id)}</h1></header><main>
<p><a href="${esc(base)}/">← all runs of ${esc(project)}</a></p>
<section id="provenance"><h2>Provenance</h2><table>${rows(provenance)}</table></section>
<section id="reproduce"><h2>Reproduce</h2><pre>${esc(reproduce)}</pre></section>
<section id="metrics"><h2>Metrics (median [95% interval])</h2><table>${metrics}</table><div class="chart"><canvas id="repeats"></canvas></div></section>
<section id="files"><h2>Logs and outputs</h2>${files}</section>
</main><script>${chartJsSource()}</script><script>
new Chart(document.getElementById('repeats'), { type: 'line', data: { labels: ${scriptJson(r.repeats.map((x) => `repeat ${x.index + 1}`))}, datasets: ${scriptJson(series)} },
  options: { animation: false, maintainAspectRatio: false } })
</script></body></html>`
}

/** The sign-in form; `project` fills in its field, `problem` says why the browser was sent here. */
export function loginPage(opts: { project?: string; problem?: string } = {}): string {
  const project = opts.project ? ` value="${esc(opts.project)}"` : ''
  const problem = opts.problem ? `<p id="problem" role="alert">${esc(opts.problem)}</p>` : ''
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cmc hub</title><style>${STYLE}</style></head><body>
<header><h1>cmc hub</h1></header><main><section><h2>Sign in with a hub token</h2>${problem}
<form method="post" action="/login"><p><label>project <input name="project" id="project" required${project}></label></p>
<p><label>token <input name="token" id="token" type="password" required autocomplete="off"></label></p><p><button id="sign-in">Open</button></p></form>
<p>A token comes from the hub's admin: <code>cmc hub token create --user NAME --scope read --project P</code>.</p></section></main></body></html>`
}
