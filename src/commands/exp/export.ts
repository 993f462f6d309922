// `cmc exp export`: records as a bundle, JSON Lines or CSV.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { exportRecords, formatOf } from '../../store/exportImport.js'
import { querySummaries } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Export records: a .tar.gz bundle (logs and outputs too), JSON Lines or CSV',
  examples: [`<%= config.bin %> exp export --where 'benchmark = stream' -o stream.tar.gz`, '<%= config.bin %> exp export -o all.csv'],
  flags: {
    where: { kind: 'string', char: 'w', description: 'query (default: all records)' },
    output: { kind: 'string', char: 'o', required: true, description: 'file (.tar.gz, .jsonl, .csv)' },
    format: { kind: 'string', options: ['tar.gz', 'jsonl', 'csv'], description: 'format (default: from the file name)' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    const store = await openStore({ path: flags.store })
    const format = formatOf(flags.output, flags.format)
    const ids = querySummaries(store, flags.where, { events: io.events }).map((s) => s.id)
    const records = await exportRecords(store, ids, flags.output, format)
    if (!io.json) io.log(`exported ${records} record(s) to ${flags.output}`)
    return { file: flags.output, format, records }
  },
})
