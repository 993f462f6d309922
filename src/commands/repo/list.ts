import { BaseCommand } from '../../cli/baseCommand.js'
import { formatTable } from '../../cli/table.js'
import { listRepos } from '../../repos/registry.js'

export default class RepoList extends BaseCommand {
  static override summary = 'List artifact repositories (the built-in one first)'
  static override examples = ['<%= config.bin %> repo list', '<%= config.bin %> repo list --json']

  async run() {
    await this.parse(RepoList)
    const repos = listRepos()
    if (!this.jsonEnabled()) this.log(formatTable(repos, ['name', 'kind', 'path', 'source'], { maxWidth: 80 }))
    return repos
  }
}
