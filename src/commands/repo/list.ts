// `cmc repo list`: the registered artifact repositories.
import { defineCommand } from '../../cli/command.js'
import { formatTable } from '../../cli/table.js'
import { listRepos } from '../../repos/registry.js'

export default defineCommand({
  summary: 'List artifact repositories (the built-in one first)',
  examples: ['<%= config.bin %> repo list', '<%= config.bin %> repo list --json'],
  async action(_input, io) {
    const repos = listRepos()
    if (!io.json) io.log(formatTable(repos, ['name', 'kind', 'path', 'source'], { maxWidth: 80 }))
    return repos
  },
})
