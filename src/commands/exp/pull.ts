// `cmc exp pull`: records from a hub's project into the local store.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { hubSettings } from '../../config.js'
import { hubClient } from '../../hub/client.js'
import { pullRecords } from '../../hub/transfer.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: "Pull records matching a query from a hub's project into the local store (those it has are skipped)",
  description: 'The hub and its token come as for `cmc exp push`; a read token is enough, none for a public project.',
  examples: ["<%= config.bin %> exp pull --from https://hub.example.org/team-a --where 'benchmark = stream and platform = arm64'"],
  flags: {
    from: { kind: 'string', description: 'the hub project: https://HUB/PROJECT' },
    where: { kind: 'string', char: 'w', description: 'query (default: every record)' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    const settings = hubSettings(flags.from)
    const store = await openStore({ path: flags.store })
    const hub = hubClient(settings, { events: io.events })
    try {
      const r = await pullRecords(store, hub, { where: flags.where, events: io.events })
      if (!io.json) io.log(`pulled ${r.added} record(s) from ${settings.address.url} into ${store.root}${r.had ? `; ${r.had} were here already` : ''}`)
      return r
    } finally {
      hub.close()
    }
  },
})
