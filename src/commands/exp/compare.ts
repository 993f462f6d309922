import { BaseCommand } from '../../cli/baseCommand.js'
import { oclifArgs, oclifFlags } from '../../cli/flags.js'
import { action, spec } from '../../cli/actions/expCompare.js'

// flags and action: src/cli/actions/expCompare.ts (shared with the oclif-free fast path)
export default class ExpCompare extends BaseCommand {
  static override summary = 'Compare two groups of runs: medians, ratio, 95% interval and a verdict per metric'
  static override description = 'A and B are record ids or queries. Verdict: improved/regressed when Welch\'s t-test gives p < 0.05 and the ratio\'s 95% interval lies outside the noise band (default ±2%); otherwise no change; inconclusive when a side has a single sample. Different images on one platform, or different hosts, are refused unless allowed.'
  static override examples = [
    `<%= config.bin %> exp compare 'benchmark = stream and platform = x86_64' 'benchmark = stream and platform = arm64'`,
    '<%= config.bin %> exp compare 20261124T101500123Z-1a2b3c4d 20261124T111500456Z-5e6f7a8b',
  ]
  static override args = oclifArgs(spec.args)
  static override flags = oclifFlags(spec.flags)

  async run() {
    const { args, flags } = await this.parse(ExpCompare)
    return action({ args, flags }, this.io)
  }
}
