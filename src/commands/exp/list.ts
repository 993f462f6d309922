// `cmc exp list`: records matching a query, from the store's index.
import { defineCommand } from '../../cli/command.js'
import { readStoreSpec } from '../../cli/spec.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { openRecordStore } from '../../store/storeApi.js'

export default defineCommand({
  summary: 'List experiment records, filtered by a query',
  description:
    'Query: comparisons (= != < <= > >= ~) on metrics.NAME (the median), params.NAME, status, benchmark, platform, image, digest, host, limits, date, tags, joined with and, or, not and parentheses. Dates are ISO 8601 (2026-12-01, 2026-12-01T23:59, UTC unless an offset is given). A metric or param no record has is named in a warning.',
  examples: [
    `<%= config.bin %> exp list --where 'metrics.triad_gbs > 10 and (platform = arm64 or params.threads >= 2)'`,
    `<%= config.bin %> exp list --where 'benchmark = stream and date >= 2026-11-01' --sort metrics.triad_gbs:desc --limit 5`,
  ],
  flags: {
    where: { kind: 'string', char: 'w', description: 'query' },
    sort: { kind: 'string', description: 'FIELD[:desc], e.g. metrics.gflops:desc (default: date)' },
    limit: { kind: 'integer', char: 'n', description: 'at most N records (1 or more)' },
    store: readStoreSpec,
  },
  async action({ flags }, io) {
    // No mkdir or engine here: listing must stay fast over 100,000 records.
    const store = await openRecordStore(flags.store, { events: io.events })
    const rows = await store.list(flags.where, { sort: flags.sort, limit: flags.limit, events: io.events })
    if (!io.json) {
      // a published result is told apart by whose system it is, in which scenario and round: it has no params
      const published = rows.some((r) => r.source)
      const view = rows.map((r) => ({
        id: r.id,
        benchmark: r.benchmark,
        platform: r.emulated ? `${r.platform} (emulated)` : r.platform,
        status: r.status,
        ...(published ? { published: r.source ? [`${r.submitter ?? ''}/${r.system ?? ''}`, r.scenario, r.mode, r.round].filter(Boolean).join(' ') : '' } : {}),
        params: Object.entries(r.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        // the headline result first, where LoadGen says which it is
        metrics: Object.entries(r.metrics)
          .sort(([a], [b]) => Number(b === r.headline) - Number(a === r.headline))
          .slice(0, 4)
          .map(([k, v]) => `${k}=${formatNumber(v)}`)
          .join(' '),
      }))
      const columns = ['id', 'benchmark', 'platform', 'status', ...(published ? ['published'] : []), 'params', 'metrics'] as Array<keyof (typeof view)[number]>
      io.log(rows.length ? formatTable(view, columns, { maxWidth: 90 }) : 'no records match')
    }
    return rows
  },
})
