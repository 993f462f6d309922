import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { exportRecords, formatOf } from '../../store/exportImport.js'
import { querySummaries } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default class ExpExport extends BaseCommand {
  static override summary = 'Export records: a .tar.gz bundle (logs and outputs too), JSON Lines or CSV'
  static override examples = [`<%= config.bin %> exp export --where 'benchmark = stream' -o stream.tar.gz`, '<%= config.bin %> exp export -o all.csv']
  static override flags = {
    where: Flags.string({ char: 'w', description: 'query (default: all records)' }),
    output: Flags.string({ char: 'o', required: true, description: 'file (.tar.gz, .jsonl, .csv)' }),
    format: Flags.string({ options: ['tar.gz', 'jsonl', 'csv'] }),
    store: storeFlag,
  }

  async run() {
    const { flags } = await this.parse(ExpExport)
    const store = await openStore({ path: flags.store })
    const format = formatOf(flags.output, flags.format)
    const ids = querySummaries(store, flags.where, { events: this.events }).map((s) => s.id)
    const n = await exportRecords(store, ids, flags.output, format)
    if (!this.jsonEnabled()) this.log(`exported ${n} record(s) to ${flags.output}`)
    return { file: flags.output, format, records: n }
  }
}
