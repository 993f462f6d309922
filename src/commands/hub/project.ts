// `cmc hub project`: whether a project's records may be read without a token.
import { defineCommand } from '../../cli/command.js'
import { dbUrl, openDb } from '../../hub/db.js'
import { checkName } from '../../hub/tokens.js'
import { setProjectPublic } from '../../hub/hubRecords.js'

export default defineCommand({
  summary: 'Make a hub project public (read without a token) or private again',
  examples: ['<%= config.bin %> hub project team-a --public', '<%= config.bin %> hub project team-a --private'],
  args: [{ name: 'name', required: true, description: 'project' }],
  flags: {
    public: { kind: 'boolean', description: 'anyone may read it', exclusive: ['private'] },
    private: { kind: 'boolean', description: 'reading it needs a token (the default)', exclusive: ['public'] },
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
  },
  async action({ args, flags }, io) {
    const name = checkName('project', args.name)
    const db = await openDb(dbUrl(flags.db), { max: 1 })
    try {
      await setProjectPublic(db, name, Boolean(flags.public))
      if (!io.json) io.log(`project ${name} is ${flags.public ? 'public' : 'private'}`)
      return { project: name, public: Boolean(flags.public) }
    } finally {
      await db.close()
    }
  },
})
