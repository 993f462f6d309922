import { BaseCommand } from '../../cli/baseCommand.js'
import { oclifFlags } from '../../cli/flags.js'
import { action, spec } from '../../cli/actions/expList.js'

// flags and action: src/cli/actions/expList.ts (shared with the oclif-free fast path)
export default class ExpList extends BaseCommand {
  static override summary = 'List experiment records, filtered by a query'
  static override description = 'Query: comparisons (= != < <= > >= ~) on metrics.NAME (the median), params.NAME, status, benchmark, platform, image, digest, host, date, tags, joined with and, or, not and parentheses.'
  static override examples = [
    `<%= config.bin %> exp list --where 'metrics.triad_gbs > 10 and (platform = arm64 or params.threads >= 2)'`,
    `<%= config.bin %> exp list --where 'benchmark = stream and date >= 2026-11-01' --sort metrics.triad_gbs:desc --limit 5`,
  ]
  static override flags = oclifFlags(spec.flags)

  async run() {
    const { flags } = await this.parse(ExpList)
    return action({ flags }, this.io)
  }
}
