import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { loadIndex } from '../../repos/index.js'
import { addRepo } from '../../repos/registry.js'

export default class RepoAdd extends BaseCommand {
  static override summary = 'Register an artifact repository from a folder, a git URL or a .tar.gz/.zip archive'
  static override examples = [
    '<%= config.bin %> repo add ./examples',
    '<%= config.bin %> repo add https://example.org/team/benchmarks.git',
    '<%= config.bin %> repo add ./mlc-scripts.tar.gz',
  ]
  static override args = { source: Args.string({ required: true, description: 'folder, git URL or archive' }) }
  static override flags = {
    replace: Flags.boolean({ description: 'take the name over from another registered repo of the same name (another clone, say)' }),
  }

  async run() {
    const { args, flags } = await this.parse(RepoAdd)
    const repo = await addRepo(args.source, { replace: flags.replace })
    const index = await loadIndex({ events: this.events })
    const count = index.all().filter((a) => a.repo === repo.name).length
    if (!this.jsonEnabled()) this.log(`added repo ${repo.name} (${count} artifacts) at ${repo.path}`)
    return { ...repo, artifacts: count }
  }
}
