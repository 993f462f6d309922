// `cmc hub token revoke`: a token stops working at once.
import { defineCommand } from '../../../cli/command.js'
import { CmcError } from '../../../errors.js'
import { onTokens, revokeHubToken } from '../../../hub/tokenApi.js'
import { revokeToken } from '../../../hub/tokens.js'

export default defineCommand({
  summary: 'Revoke a hub token by its id (`cmc hub token list`)',
  examples: ['<%= config.bin %> hub token revoke 3'],
  args: [{ name: 'id', required: true, description: 'token id' }],
  flags: {
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
    hub: {
      kind: 'string',
      exclusive: ['db'],
      description: "manage this project's tokens over the hub's API instead of the database (https://HUB/PROJECT; an admin token in CMC_HUB_TOKEN)",
    },
  },
  async action({ args, flags }, io) {
    const id = Number(args.id)
    if (!Number.isInteger(id) || id < 1) throw new CmcError('FLAG_VALUE', `${args.id} is not a token id`, { hint: 'ids are in `cmc hub token list`' })
    const t = await onTokens(
      flags,
      (db) => revokeToken(db, id),
      (hub) => revokeHubToken(hub, id),
    )
    if (!io.json) io.log(t.alreadyRevoked ? `token ${t.id} of ${t.user} was revoked already, at ${t.revokedAt}` : `token ${t.id} of ${t.user} revoked`)
    return t
  },
})
