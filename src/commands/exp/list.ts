import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { querySummaries } from '../../store/select.js'
import { Store } from '../../store/store.js'
import { findStoreRoot } from '../../store/location.js'

export default class ExpList extends BaseCommand {
  static override summary = 'List experiment records, filtered by a query'
  static override description = 'Query: comparisons (= != < <= > >= ~) on metrics.NAME (the median), params.NAME, status, benchmark, platform, image, digest, host, date, tags, joined with and, or, not and parentheses.'
  static override examples = [
    `<%= config.bin %> exp list --where 'metrics.triad_gbs > 10 and (platform = arm64 or params.threads >= 2)'`,
    `<%= config.bin %> exp list --where 'benchmark = stream and date >= 2026-11-01' --sort metrics.triad_gbs:desc --limit 5`,
  ]
  static override flags = {
    where: Flags.string({ char: 'w', description: 'query' }),
    sort: Flags.string({ description: 'FIELD[:desc], e.g. metrics.gflops:desc (default: date)' }),
    limit: Flags.integer({ char: 'n', description: 'at most N records' }),
    store: storeFlag,
  }

  async run() {
    const { flags } = await this.parse(ExpList)
    // No mkdir or engine here: listing must stay fast over 100,000 records.
    const store = new Store(findStoreRoot({ path: flags.store }))
    const rows = querySummaries(store, flags.where, { sort: flags.sort, limit: flags.limit, events: this.events })
    if (!this.jsonEnabled()) {
      const view = rows.map((r) => ({
        id: r.id, benchmark: r.benchmark, platform: r.platform, status: r.status,
        params: Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '),
        metrics: Object.entries(r.metrics).slice(0, 4).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' '),
      }))
      this.log(rows.length ? formatTable(view, ['id', 'benchmark', 'platform', 'status', 'params', 'metrics'], { maxWidth: 90 }) : 'no records match')
    }
    return rows
  }
}
