// `cmc repo entries`: a CM/MLC repository's entries that are not scripts
// (automations, contributors, challenges, cfg, flex.*), kept apart from the
// artifacts `cmc find` searches.
import { defineCommand } from '../../cli/command.js'
import { repoSpec } from '../../cli/spec.js'
import { formatTable } from '../../cli/table.js'
import { CmcError } from '../../errors.js'
import { nearest } from '../../meta/nearest.js'
import { loadIndex } from '../../repos/index.js'

export default defineCommand({
  summary: 'List the CM entries of a repository that are not scripts',
  examples: ['<%= config.bin %> repo entries mlcommons@ck', '<%= config.bin %> repo entries --automation challenge --json'],
  args: [{ name: 'name', required: false, description: 'repository name (default: every repository)' }],
  flags: {
    automation: { kind: 'string', char: 'a', description: 'only this automation (challenge, contributor, cfg, ...)' },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
    const names = index.repos().map((r) => r.name)
    if (args.name && !names.includes(args.name)) {
      const near = nearest(args.name, names, 1)
      throw new CmcError('REPO_NOT_FOUND', `no repository named ${args.name}`, {
        hint: `${near.length ? `did you mean ${near[0]}? ` : ''}Known here: ${names.join(', ')} (\`cmc repo add\` registers one, --repo reads a folder)`,
      })
    }
    const rows = index.cmEntries().filter((e) => (!args.name || e.repo === args.name) && (!flags.automation || e.automation === flags.automation))
    if (!io.json) io.log(rows.length ? formatTable(rows, ['automation', 'alias', 'uid', 'repo', 'file']) : 'no CM entries other than scripts')
    return rows
  },
})
