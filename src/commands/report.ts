// `cmc report`: one self-contained HTML page of the selected runs.
import { defineCommand } from '../cli/command.js'
import { perFlag, readStoreSpec } from '../cli/spec.js'
import { CmcError } from '../errors.js'
import { writeOutputFile } from '../files.js'
import { reportData } from '../report/reportData.js'
import { renderPage } from '../report/renderPage.js'
import { openRecordStore } from '../store/storeApi.js'

export default defineCommand({
  summary: 'Write one self-contained HTML report (tables and charts) of the selected runs',
  examples: [
    `<%= config.bin %> report -o report.html`,
    `<%= config.bin %> report --where 'benchmark = stream' --compare 'platform = x86_64' 'platform = arm64' -o stream.html`,
    `<%= config.bin %> report --compare 'not source = mlperf and scenario = Offline' 'source = mlperf and benchmark = resnet50 and scenario = Offline' --per accelerator -o mlperf.html`,
  ],
  flags: {
    where: { kind: 'string', char: 'w', description: 'query (default: all records)' },
    output: { kind: 'string', char: 'o', default: 'report.html', description: 'file to write' },
    compare: { kind: 'string', multiple: true, description: 'two queries A B (within the selection) to compare' },
    title: { kind: 'string', description: 'page title' },
    per: perFlag,
    store: readStoreSpec,
  },
  async action({ flags }, io) {
    if (flags.compare && flags.compare.length !== 2)
      throw new CmcError('USAGE', `--compare takes two queries, A and B: it was given ${flags.compare.length}`, {
        hint: `cmc report --compare 'A' 'B' -o ${flags.output}`,
      })
    const store = await openRecordStore(flags.store, { events: io.events })
    const records = await store.records(flags.where ?? '', io.events)
    let comparison
    if (flags.compare?.length === 2) {
      const scope = (q: string) => (flags.where ? `(${flags.where}) and (${q})` : q)
      // the command's guards, each allowed: a report shows what differs (its warnings) rather than refusing
      comparison = await store.compare(scope(flags.compare[0]!), scope(flags.compare[1]!), {
        allowDifferentImages: true,
        allowDifferentHosts: true,
        allowMixed: true,
        allowEmulated: true,
        ...(flags.per === 'accelerator' ? { per: 'accelerator' as const } : {}),
      })
    }
    if (flags.per && !comparison)
      throw new CmcError('USAGE', `--per ${flags.per} divides the results of a comparison: give --compare A B as well`, {
        hint: `cmc report --compare 'A' 'B' --per ${flags.per}`,
      })
    writeOutputFile(flags.output, renderPage(reportData(store.where, records, comparison), { title: flags.title }))
    if (!io.json) io.log(`wrote ${flags.output} (${records.length} runs${comparison ? ', with a comparison' : ''})`)
    if (!/\.html?$/i.test(flags.output)) io.warn(`${flags.output} holds an HTML page (a report is one self-contained HTML file whatever its name)`)
    // the page shows them too; a report built in a script should not hide them
    for (const w of comparison?.warnings ?? []) io.warn(`comparison: ${w}`)
    return { file: flags.output, records: records.length }
  },
})
