// `cmc hub token create`: a token for a user, shown once.
import { defineCommand } from '../../../cli/command.js'
import { createHubToken, onTokens } from '../../../hub/tokenApi.js'
import { createToken, SCOPES } from '../../../hub/tokens.js'

export default defineCommand({
  summary: 'Make a hub token for a user (printed once; the hub keeps only its hash)',
  description: 'Scopes: read (list, show, compare, pull), push (and read), admin (everything). A token with --project works on that project only.',
  examples: [
    '<%= config.bin %> hub token create --user alice --scope push --project team-a',
    '<%= config.bin %> hub token create --user ci --scope read',
    '<%= config.bin %> hub token create --user bob --scope push --hub https://hub.example:8443/team-a',
  ],
  flags: {
    user: { kind: 'string', required: true, description: 'who the token is for' },
    scope: { kind: 'string', options: SCOPES, default: 'read', description: 'what it may do' },
    project: { kind: 'string', description: 'the one project it may use (default: every project)' },
    db: { kind: 'string', description: 'PostgreSQL URL (default: CMC_HUB_DB)' },
    hub: {
      kind: 'string',
      exclusive: ['project', 'db'],
      description: "manage this project's tokens over the hub's API instead of the database (https://HUB/PROJECT; an admin token in CMC_HUB_TOKEN)",
    },
  },
  async action({ flags }, io) {
    const t = await onTokens(
      flags,
      (db) => createToken(db, { user: flags.user, scope: flags.scope, project: flags.project }),
      (hub) => createHubToken(hub, { user: flags.user, scope: flags.scope }),
    )
    if (!io.json) {
      io.log(t.token)
      io.note(
        `token ${t.id} for ${t.user} (${t.scope}${t.project ? `, project ${t.project}` : ''}): shown only now; keep it in CMC_HUB_TOKEN or ~/.cmc/config.yaml (mode 600)`,
      )
    }
    return t
  },
})
