// `cmc exp import`: records from a bundle or JSON Lines into a store.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { importRecords } from '../../store/exportImport.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Import records from a .tar.gz bundle or JSON Lines (records already present are skipped)',
  examples: ['<%= config.bin %> exp import stream.tar.gz --store ./other/.cmc/store'],
  args: [{ name: 'file', required: true, description: 'a .tar.gz bundle or .jsonl file' }],
  flags: { store: storeSpec },
  async action({ args, flags }, io) {
    const store = await openStore({ path: flags.store })
    const res = await importRecords(store, args.file)
    if (!io.json) io.log(`imported ${res.added} record(s)${res.skipped ? `, ${res.skipped} already present` : ''} into ${store.root}`)
    return res
  },
})
