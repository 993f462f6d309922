import * as Flags from '@oclif/core/flags'
import { BaseCommand } from '../cli/baseCommand.js'
import { formatTable } from '../cli/table.js'
import { pingEngine } from '../engine/docker.js'
import { sweepLeftovers } from '../engine/gc.js'

export default class Gc extends BaseCommand {
  static override summary = 'Remove what killed cmc runs left behind: their containers and outputs volumes'
  static override description = 'A `cmc run` that is killed (SIGKILL, a lost machine) cannot remove its container. cmc labels each one with its host and process; this removes those whose process on this host is gone, and the cmc volumes no container uses. Runs still going, and other hosts\' runs on a shared engine, are kept.'
  static override examples = ['<%= config.bin %> gc', '<%= config.bin %> gc --dry-run']
  static override flags = {
    'dry-run': Flags.boolean({ description: 'list what would be removed, remove nothing', default: false }),
  }

  async run() {
    const { flags } = await this.parse(Gc)
    await pingEngine()
    const items = await sweepLeftovers({ dryRun: flags['dry-run'] })
    if (!this.jsonEnabled()) {
      this.log(items.length ? formatTable(items, ['kind', 'id', 'what', 'state', 'action', 'why']) : 'nothing cmc made is left on this engine')
    }
    if (items.some((i) => i.action === 'failed')) process.exitCode = 1
    return items
  }
}
