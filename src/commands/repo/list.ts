// `cmc repo list`: the registered artifact repositories.
import { defineCommand } from '../../cli/command.js'
import { formatTable } from '../../cli/table.js'
import { existsSync } from 'node:fs'
import { goneRepoNote } from '../../repos/index.js'
import { listRepos } from '../../repos/registry.js'

export default defineCommand({
  summary: 'List artifact repositories (the built-in one first)',
  examples: ['<%= config.bin %> repo list', '<%= config.bin %> repo list --json'],
  async action(_input, io) {
    const repos = listRepos()
    for (const r of repos) if (r.kind !== 'builtin' && !existsSync(r.path)) io.warn(goneRepoNote(r))
    if (!io.json) io.log(formatTable(repos, ['name', 'kind', 'path', 'source'], { maxWidth: 80 }))
    return repos
  },
})
