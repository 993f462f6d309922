import { BaseCommand } from '../../cli/baseCommand.js'
import { formatTable } from '../../cli/table.js'
import { listBases } from '../../engine/baseImages.js'
import { pingEngine } from '../../engine/docker.js'

export default class BaseList extends BaseCommand {
  static override summary = 'List base images bootstrapped by cmc'
  static override examples = ['<%= config.bin %> base list']

  async run() {
    await this.parse(BaseList)
    await pingEngine()
    const bases = await listBases()
    if (!this.jsonEnabled()) this.log(bases.length ? formatTable(bases, ['ref', 'arch', 'sizeMb', 'created']) : 'no bootstrapped bases (run `cmc base bootstrap debian:bookworm`)')
    return bases
  }
}
