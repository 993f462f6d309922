// `cmc exp push`: local records to a hub's project, only what it lacks.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { hubSettings } from '../../config.js'
import { hubClient } from '../../hub/client.js'
import { pushRecords } from '../../hub/transfer.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: "Push records to a hub's project: only those it lacks, in batches; resumes after an interruption",
  description:
    "The hub and its token come from --to (else CMC_HUB, else hub.url in ~/.cmc/config.yaml) and CMC_HUB_TOKEN (else hub.token in ~/.cmc/config.yaml, mode 600); the token needs the push scope for the project. Logs and outputs go along, each under the hub's size limit.",
  examples: [
    "<%= config.bin %> exp push --to https://hub.example.org/team-a --where 'benchmark = stream'",
    '<%= config.bin %> exp push   # every record, to the hub of CMC_HUB',
  ],
  flags: {
    to: { kind: 'string', description: 'the hub project: https://HUB/PROJECT' },
    where: { kind: 'string', char: 'w', description: 'query (default: every record)' },
    batch: { kind: 'integer', default: 500, min: 1, description: 'records per request' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    const settings = hubSettings(flags.to)
    const store = await openStore({ path: flags.store })
    const hub = hubClient(settings, { events: io.events })
    try {
      const r = await pushRecords(store, hub, { where: flags.where, batch: flags.batch, events: io.events })
      if (!io.json) io.log(`pushed ${r.sent} record(s) to ${settings.address.url}${r.held ? `; ${r.held} of the ${r.selected} selected it held already` : ''}`)
      return r
    } finally {
      hub.close()
    }
  },
})
