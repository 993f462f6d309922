import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { importRecords } from '../../store/exportImport.js'
import { openStore } from '../../store/store.js'

export default class ExpImport extends BaseCommand {
  static override summary = 'Import records from a .tar.gz bundle or JSON Lines (records already present are skipped)'
  static override examples = ['<%= config.bin %> exp import stream.tar.gz --store ./other/.cmc/store']
  static override args = { file: Args.string({ required: true }) }
  static override flags = { store: storeFlag }

  async run() {
    const { args, flags } = await this.parse(ExpImport)
    const store = await openStore({ path: flags.store })
    const res = await importRecords(store, args.file)
    if (!this.jsonEnabled()) this.log(`imported ${res.added} record(s)${res.skipped ? `, ${res.skipped} already present` : ''} into ${store.root}`)
    return res
  }
}
