// Renders cmc records (window.CMC_DATA) as charts and tables. In the
// dashboard (CMC_LIVE) the filter and compare forms fetch /api/records and
// /api/compare from the local server and re-render.
(function () {
  const palette = ['#2456c7', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#0b7285', '#e67700', '#5c940d']
  const charts = []
  const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? '' : Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3))
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v)
    for (const k of kids) e.append(k && k.nodeType ? k : document.createTextNode(k ?? ''))
    return e
  }
  const paramKey = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults)'

  // Draws 95% intervals as whiskers on bar charts.
  const intervals = {
    id: 'cmcIntervals',
    afterDatasetsDraw(chart) {
      const { ctx } = chart
      chart.data.datasets.forEach((ds, di) => {
        if (!ds.intervals) return
        const meta = chart.getDatasetMeta(di)
        meta.data.forEach((bar, i) => {
          const iv = ds.intervals[i]
          if (!iv) return
          const y1 = chart.scales.y.getPixelForValue(iv[0]), y2 = chart.scales.y.getPixelForValue(iv[1])
          ctx.save(); ctx.strokeStyle = '#1d2330'; ctx.lineWidth = 1.2
          ctx.beginPath(); ctx.moveTo(bar.x, y1); ctx.lineTo(bar.x, y2)
          ctx.moveTo(bar.x - 5, y1); ctx.lineTo(bar.x + 5, y1); ctx.moveTo(bar.x - 5, y2); ctx.lineTo(bar.x + 5, y2)
          ctx.stroke(); ctx.restore()
        })
      })
    },
  }

  function chartBox(parent, title) {
    const box = el('div', {}, el('h3', { style: 'font-size:13px;margin:0 0 6px' }, title))
    const wrap = el('div', { class: 'chart' })
    const canvas = el('canvas', { 'data-title': title })
    wrap.append(canvas); box.append(wrap); parent.append(box)
    return canvas
  }

  function render(data) {
    charts.splice(0).forEach((c) => c.destroy())
    const records = data.records
    document.getElementById('subtitle').textContent = `${records.length} run(s) from ${data.store} — generated ${data.generatedAt}`
    const byParam = document.getElementById('by-param'); byParam.replaceChildren()
    const overTime = document.getElementById('over-time'); overTime.replaceChildren()
    const benches = [...new Set(records.map((r) => r.benchmark))].sort()
    for (const b of benches) {
      const rs = records.filter((r) => r.benchmark === b && r.status === 'ok')
      const metrics = [...new Set(rs.flatMap((r) => Object.keys(r.metrics)))].sort()
      const platforms = [...new Set(rs.map((r) => r.platform))].sort()
      const keys = [...new Set(rs.map((r) => paramKey(r.params)))].sort()
      for (const m of metrics) {
        const unit = rs.find((r) => r.metrics[m])?.metrics[m].unit || ''
        const datasets = platforms.map((p, i) => {
          // latest run per (platform, params)
          const pick = (k) => rs.filter((r) => r.platform === p && paramKey(r.params) === k && r.metrics[m]).sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1))[0]
          return {
            label: p, backgroundColor: palette[i % palette.length],
            data: keys.map((k) => pick(k)?.metrics[m].median ?? null),
            intervals: keys.map((k) => { const r = pick(k); return r ? [r.metrics[m].lo, r.metrics[m].hi] : null }),
          }
        })
        charts.push(new Chart(chartBox(byParam, `${b}: ${m}${unit ? ` (${unit})` : ''}`), {
          type: 'bar', data: { labels: keys, datasets }, plugins: [intervals],
          options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: !!unit, text: unit } } } },
        }))
        const series = platforms.map((p, i) => ({
          label: p, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], showLine: true,
          data: rs.filter((r) => r.platform === p && r.metrics[m]).sort((x, y) => (x.createdAt < y.createdAt ? -1 : 1)).map((r, j) => ({ x: j + 1, y: r.metrics[m].median, id: r.id, when: r.createdAt })),
        }))
        charts.push(new Chart(chartBox(overTime, `${b}: ${m} over runs`), {
          type: 'scatter', data: { datasets: series },
          options: { animation: false, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'run (oldest first)' } }, y: { title: { display: !!unit, text: unit } } },
            plugins: { tooltip: { callbacks: { label: (c) => `${c.raw.id} ${c.raw.when}: ${fmt(c.raw.y)}` } } } },
        }))
      }
    }
    const table = el('table', {}, el('tr', {}, ...['id', 'benchmark', 'platform', 'params', 'status', 'metrics (median [95% CI])'].map((h) => el('th', {}, h))))
    for (const r of records) {
      table.append(el('tr', {},
        el('td', {}, r.id), el('td', {}, r.benchmark), el('td', {}, r.platform), el('td', {}, paramKey(r.params)),
        el('td', { class: `status-${r.status}` }, r.status),
        el('td', { class: 'num' }, Object.entries(r.metrics).map(([k, s]) => `${k} ${fmt(s.median)} [${fmt(s.lo)}, ${fmt(s.hi)}]${s.unit ? ' ' + s.unit : ''}`).join('   '))))
    }
    document.getElementById('runs').replaceChildren(table)
    renderCompare(data.comparison)
  }

  function renderCompare(c) {
    const sec = document.getElementById('compare-section')
    if (!c) { sec.hidden = true; return }
    sec.hidden = false
    const box = document.getElementById('compare'); box.replaceChildren()
    box.append(el('p', {}, `A: ${c.a.ids.length} run(s) on ${c.a.platforms.join(', ')} — B: ${c.b.ids.length} run(s) on ${c.b.platforms.join(', ')}`))
    const canvas = chartBox(box, 'B / A per metric (95% interval)')
    charts.push(new Chart(canvas, {
      type: 'bar',
      data: { labels: c.metrics.map((m) => m.metric), datasets: [{ label: 'B/A', data: c.metrics.map((m) => m.ratio), intervals: c.metrics.map((m) => m.ratioCi95),
        backgroundColor: c.metrics.map((m) => (m.verdict === 'improved' ? '#2b8a3e' : m.verdict === 'regressed' ? '#c92a2a' : '#868e96')) }] },
      plugins: [intervals],
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, title: { display: true, text: 'ratio B/A' } } } },
    }))
    // null: not defined (one sample, a value of 0 or less)
    // the centres B/A divides: geometric means (a side with a value of 0 or less has none, and shows its median)
    const centre = (s) => (s.geomean === null || s.geomean === undefined ? `${fmt(s.median)} (median)` : fmt(s.geomean))
    const t = el('table', {}, el('tr', {}, ...['metric', 'A geomean', 'B geomean', 'B/A', '95% CI', 'p', 'verdict'].map((h) => el('th', {}, h))))
    for (const m of c.metrics) t.append(el('tr', {}, el('td', {}, m.metric), el('td', { class: 'num' }, centre(m.a)), el('td', { class: 'num' }, centre(m.b)),
      el('td', { class: 'num' }, m.ratio === null ? 'n/a' : fmt(m.ratio)), el('td', { class: 'num' }, m.ratioCi95 ? `${fmt(m.ratioCi95[0])} .. ${fmt(m.ratioCi95[1])}` : 'n/a'),
      el('td', { class: 'num' }, m.p === null ? 'n/a' : m.p.toPrecision(2)),
      el('td', { class: `verdict-${m.verdict.replace(' ', '-')}` }, m.verdict === 'no change' ? 'no change (within noise)' : m.verdict)))
    box.append(t)
    for (const w of c.warnings) box.append(el('p', { class: 'warn' }, w))
  }

  async function getJson(url) {
    const res = await fetch(url)
    const body = await res.json()
    if (!res.ok) throw new Error(body.message + (body.details ? '\n' + body.details.join('\n') : ''))
    return body
  }

  render(window.CMC_DATA)
  if (window.CMC_LIVE) {
    document.getElementById('filters').hidden = false
    const err = document.getElementById('error')
    document.getElementById('where-form').addEventListener('submit', async (e) => {
      e.preventDefault(); err.textContent = ''
      try { render(await getJson('/api/records?where=' + encodeURIComponent(document.getElementById('where').value))) } catch (x) { err.textContent = x.message }
    })
    document.getElementById('compare-form').addEventListener('submit', async (e) => {
      e.preventDefault(); err.textContent = ''
      try { renderCompare(await getJson('/api/compare?a=' + encodeURIComponent(document.getElementById('cmp-a').value) + '&b=' + encodeURIComponent(document.getElementById('cmp-b').value))) } catch (x) { err.textContent = x.message }
    })
  }
})()
