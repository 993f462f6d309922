// `cmc repo remove`: a repository unregistered.
import { defineCommand } from '../../cli/command.js'
import { removeRepo } from '../../repos/registry.js'

export default defineCommand({
  summary: 'Unregister a repository (copies cmc fetched are deleted; local folders are left alone)',
  examples: ['<%= config.bin %> repo remove examples'],
  args: [{ name: 'name', required: true, description: 'repository name' }],
  async action({ args }, io) {
    const repo = removeRepo(args.name)
    if (!io.json) io.log(`removed repo ${repo.name}`)
    return repo
  },
})
