// `cmc exp reindex`: the store's index rebuilt from its record files.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Rebuild the store index from the record files (corrupted records are reported and skipped)',
  examples: ['<%= config.bin %> exp reindex'],
  flags: { store: storeSpec },
  async action({ flags }, io) {
    const store = await openStore({ path: flags.store })
    const res = store.reindex(io.events)
    if (!io.json)
      io.log(
        `indexed ${res.indexed} record(s) in ${store.root}${res.skipped.length ? `, skipped ${res.skipped.length} corrupted` : ''}${res.staleStaging ? `, removed ${res.staleStaging} unfinished staging folder(s)` : ''}`,
      )
    return res
  },
})
