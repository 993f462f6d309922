// `cmc hub token list`: the hub's tokens, without their secrets.
import { defineCommand } from '../../../cli/command.js'
import { formatTable } from '../../../cli/table.js'
import { listHubTokens, onTokens } from '../../../hub/tokenApi.js'
import { listTokens } from '../../../hub/tokens.js'

export default defineCommand({
  summary: "List the hub's tokens (ids, users, scopes, projects; never the tokens)",
  examples: ['<%= config.bin %> hub token list', '<%= config.bin %> hub token list --hub https://hub.example:8443/team-a'],
  flags: {
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
    hub: {
      kind: 'string',
      exclusive: ['db'],
      description: "manage this project's tokens over the hub's API instead of the database (https://HUB/PROJECT; an admin token in CMC_HUB_TOKEN)",
    },
  },
  async action({ flags }, io) {
    const tokens = await onTokens(flags, listTokens, listHubTokens)
    if (!io.json) {
      const rows = tokens.map((t) => ({ ...t, project: t.project ?? '(all)', revokedAt: t.revokedAt ?? '' }))
      io.log(rows.length ? formatTable(rows, ['id', 'user', 'scope', 'project', 'createdAt', 'revokedAt']) : 'no tokens')
    }
    return tokens
  },
})
