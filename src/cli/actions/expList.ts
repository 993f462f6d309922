// `cmc exp list`: the action and its flags as data (run by oclif and by the fast path).
import { querySummaries } from '../../store/select.js'
import { Store } from '../../store/store.js'
import { findStoreRoot } from '../../store/location.js'
import type { CommandIo } from '../io.js'
import { storeSpec, type CommandSpec, type ParsedFlags } from '../spec.js'
import { formatNumber, formatTable } from '../table.js'

export const spec = {
  flags: {
    where: { kind: 'string', char: 'w', description: 'query' },
    sort: { kind: 'string', description: 'FIELD[:desc], e.g. metrics.gflops:desc (default: date)' },
    limit: { kind: 'integer', char: 'n', description: 'at most N records' },
    store: storeSpec,
  },
} satisfies CommandSpec

export async function action(input: { flags: ParsedFlags }, io: CommandIo) {
  const flags = input.flags as { where?: string; sort?: string; limit?: number; store?: string }
  // No mkdir or engine here: listing must stay fast over 100,000 records.
  const store = new Store(findStoreRoot({ path: flags.store }))
  const rows = querySummaries(store, flags.where, { sort: flags.sort, limit: flags.limit, events: io.events })
  if (!io.json) {
    const view = rows.map((r) => ({
      id: r.id, benchmark: r.benchmark, platform: r.platform, status: r.status,
      params: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '),
      metrics: Object.entries(r.metrics).slice(0, 4).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' '),
    }))
    io.log(rows.length ? formatTable(view, ['id', 'benchmark', 'platform', 'status', 'params', 'metrics'], { maxWidth: 90 }) : 'no records match')
  }
  return rows
}
