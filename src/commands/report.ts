import { writeFileSync } from 'node:fs'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { storeFlag } from '../cli/flags.js'
import { reportData } from '../report/reportData.js'
import { renderPage } from '../report/renderPage.js'
import { compareGroups } from '../store/compare.js'
import { selectComparable, selectRecords } from '../store/select.js'
import { openStore } from '../store/store.js'

export default class Report extends BaseCommand {
  static override summary = 'Write one self-contained HTML report (tables and charts) of the selected runs'
  static override examples = [
    `<%= config.bin %> report -o report.html`,
    `<%= config.bin %> report --where 'benchmark = stream' --compare 'platform = x86_64' 'platform = arm64' -o stream.html`,
  ]
  static override flags = {
    where: Flags.string({ char: 'w', description: 'query (default: all records)' }),
    output: Flags.string({ char: 'o', default: 'report.html' }),
    compare: Flags.string({ multiple: true, description: 'two queries A B (within the selection) to compare' }),
    title: Flags.string(),
    store: storeFlag,
  }

  async run() {
    const { flags } = await this.parse(Report)
    const store = await openStore({ path: flags.store })
    const records = selectRecords(store, flags.where ?? '', this.events)
    let comparison
    if (flags.compare?.length === 2) {
      const scope = (q: string) => (flags.where ? `(${flags.where}) and (${q})` : q)
      comparison = compareGroups(selectComparable(store, scope(flags.compare[0])), selectComparable(store, scope(flags.compare[1])), { allowDifferentImages: true, allowDifferentHosts: true })
    }
    writeFileSync(flags.output, renderPage(reportData(store.root, records, comparison), { title: flags.title }))
    if (!this.jsonEnabled()) this.log(`wrote ${flags.output} (${records.length} runs${comparison ? ', with a comparison' : ''})`)
    // the page shows them too; a report built in a script should not hide them
    for (const w of comparison?.warnings ?? []) this.warn(`comparison: ${w}`)
    return { file: flags.output, records: records.length }
  }
}
