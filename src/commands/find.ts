import { BaseCommand } from '../cli/baseCommand.js'
import { oclifFlags } from '../cli/flags.js'
import { action, spec } from '../cli/actions/find.js'

// flags and action: src/cli/actions/find.ts (shared with the oclif-free fast path)
export default class Find extends BaseCommand {
  static override summary = 'Find artifacts by tags'
  static override description = 'Tag queries: comma-separated tags; `-tag` excludes a tag, `_name` requires a variation. Works on cmc and CM/MLC repositories alike.'
  static override examples = [
    '<%= config.bin %> find --tags python,-dev',
    '<%= config.bin %> find --tags get,python --kind component',
    '<%= config.bin %> find --kind benchmark --repo ./examples --json',
  ]
  static override flags = oclifFlags(spec.flags)

  async run() {
    const { flags } = await this.parse(Find)
    return action({ flags }, this.io)
  }
}
