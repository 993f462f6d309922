// `cmc hub project`: whether a project's records may be read without a token.
// A name the hub does not know (no records, no tokens) is refused unless
// --create says it is meant: a typo would otherwise make, and publish, a new
// project while the one meant stays as it was.
import { defineCommand } from '../../cli/command.js'
import { CmcError } from '../../errors.js'
import { dbUrl, openDb } from '../../hub/db.js'
import { checkName, listTokens } from '../../hub/tokens.js'
import { projectInfo, setProjectPublic } from '../../hub/hubRecords.js'

export default defineCommand({
  summary: 'Make a hub project public (read without a token) or private again',
  examples: [
    '<%= config.bin %> hub project team-a --public',
    '<%= config.bin %> hub project team-a --private',
    '<%= config.bin %> hub project team-b --public --create   # a project with no records or tokens yet',
  ],
  args: [{ name: 'name', required: true, description: 'project' }],
  flags: {
    public: { kind: 'boolean', description: 'anyone may read it', exclusive: ['private'] },
    private: { kind: 'boolean', description: 'reading it needs a token (the default)', exclusive: ['public'] },
    create: { kind: 'boolean', description: 'make the project if the hub has no records or tokens of it yet' },
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
  },
  async action({ args, flags }, io) {
    const name = checkName('project', args.name)
    const db = await openDb(dbUrl(flags.db), { max: 1 })
    try {
      const known = (await projectInfo(db, name)) !== undefined || (await listTokens(db, name)).length > 0
      if (!known && !flags.create)
        throw new CmcError('USAGE', `the hub has no project ${name}: no records were pushed to it and no token is for it`, {
          hint: `check the name; to make it now, add --create: cmc hub project ${name} ${flags.public ? '--public' : '--private'} --create`,
        })
      await setProjectPublic(db, name, Boolean(flags.public))
      if (!io.json) io.log(`project ${name}${known ? '' : ' created; it'} is ${flags.public ? 'public' : 'private'}`)
      return { project: name, public: Boolean(flags.public), created: !known }
    } finally {
      await db.close()
    }
  },
})
