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
    const mine = index.all().filter((a) => a.repo === repo.name)
    const count = mine.length
    // uids name one artifact everywhere: a copy of another repo under a new name clashes
    const elsewhere = new Map(index.all().filter((a) => a.repo !== repo.name).map((a) => [a.uid, a.repo]))
    const clashes = mine.filter((a) => elsewhere.has(a.uid))
    if (clashes.length) {
      const repos = [...new Set(clashes.map((a) => elsewhere.get(a.uid)))]
      this.warn(`${clashes.length} of ${repo.name}'s artifacts have uids that repo ${repos.join(', ')} already uses (${clashes.slice(0, 3).map((a) => `${a.alias} ${a.uid}`).join(', ')}${clashes.length > 3 ? ', …' : ''}): a uid or alias then names either one. If ${repo.name} is a copy, keep one: \`cmc repo remove ${repos[0]}\` or \`cmc repo remove ${repo.name}\`; else give its artifacts new uids`)
    }
    if (!this.jsonEnabled()) this.log(`added repo ${repo.name} (${count} artifacts) at ${repo.path}`)
    return { ...repo, artifacts: count, uidClashes: clashes.map((a) => a.uid) }
  }
}
