import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { removeRepo } from '../../repos/registry.js'

export default class RepoRemove extends BaseCommand {
  static override summary = 'Unregister a repository (copies cmc fetched are deleted; local folders are left alone)'
  static override examples = ['<%= config.bin %> repo remove examples']
  static override args = { name: Args.string({ required: true }) }

  async run() {
    const { args } = await this.parse(RepoRemove)
    const repo = removeRepo(args.name)
    if (!this.jsonEnabled()) this.log(`removed repo ${repo.name}`)
    return repo
  }
}
