import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { openStore } from '../../store/store.js'

export default class ExpReindex extends BaseCommand {
  static override summary = 'Rebuild the store index from the record files (corrupted records are reported and skipped)'
  static override examples = ['<%= config.bin %> exp reindex']
  static override flags = { store: storeFlag }

  async run() {
    const { flags } = await this.parse(ExpReindex)
    const store = await openStore({ path: flags.store })
    const res = store.reindex(this.events)
    if (!this.jsonEnabled()) this.log(`indexed ${res.indexed} record(s) in ${store.root}${res.skipped.length ? `, skipped ${res.skipped.length} corrupted` : ''}${res.staleStaging ? `, removed ${res.staleStaging} unfinished staging folder(s)` : ''}`)
    return res
  }
}
