// `cmc hub token list`: the hub's tokens, without their secrets.
import { defineCommand } from '../../../cli/command.js'
import { formatTable } from '../../../cli/table.js'
import { dbUrl, openDb } from '../../../hub/db.js'
import { listTokens } from '../../../hub/tokens.js'

export default defineCommand({
  summary: "List the hub's tokens (ids, users, scopes, projects; never the tokens)",
  examples: ['<%= config.bin %> hub token list'],
  flags: { db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' } },
  async action({ flags }, io) {
    const db = await openDb(dbUrl(flags.db), { max: 1 })
    try {
      const tokens = await listTokens(db)
      if (!io.json) {
        const rows = tokens.map((t) => ({ ...t, project: t.project ?? '(all)', revokedAt: t.revokedAt ?? '' }))
        io.log(rows.length ? formatTable(rows, ['id', 'user', 'scope', 'project', 'createdAt', 'revokedAt']) : 'no tokens')
      }
      return tokens
    } finally {
      await db.close()
    }
  },
})
