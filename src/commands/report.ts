// `cmc report`: one self-contained HTML page of the selected runs.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineCommand } from '../cli/command.js'
import { storeSpec } from '../cli/spec.js'
import { CmcError } from '../errors.js'
import { reportData } from '../report/reportData.js'
import { renderPage } from '../report/renderPage.js'
import { openRecordStore } from '../store/storeApi.js'

export default defineCommand({
  summary: 'Write one self-contained HTML report (tables and charts) of the selected runs',
  examples: [
    `<%= config.bin %> report -o report.html`,
    `<%= config.bin %> report --where 'benchmark = stream' --compare 'platform = x86_64' 'platform = arm64' -o stream.html`,
  ],
  flags: {
    where: { kind: 'string', char: 'w', description: 'query (default: all records)' },
    output: { kind: 'string', char: 'o', default: 'report.html', description: 'file to write' },
    compare: { kind: 'string', multiple: true, description: 'two queries A B (within the selection) to compare' },
    title: { kind: 'string', description: 'page title' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    const store = await openRecordStore(flags.store, { create: true, events: io.events })
    const records = await store.records(flags.where ?? '', io.events)
    let comparison
    if (flags.compare?.length === 2) {
      const scope = (q: string) => (flags.where ? `(${flags.where}) and (${q})` : q)
      // the command's guards, each allowed: a report shows what differs (its warnings) rather than refusing
      comparison = await store.compare(scope(flags.compare[0]!), scope(flags.compare[1]!), {
        allowDifferentImages: true,
        allowDifferentHosts: true,
        allowMixed: true,
      })
    }
    writeOutput(flags.output, renderPage(reportData(store.where, records, comparison), { title: flags.title }))
    if (!io.json) io.log(`wrote ${flags.output} (${records.length} runs${comparison ? ', with a comparison' : ''})`)
    // the page shows them too; a report built in a script should not hide them
    for (const w of comparison?.warnings ?? []) io.warn(`comparison: ${w}`)
    return { file: flags.output, records: records.length }
  },
})

/** Writes the page to the file the user named; where that cannot be, says why in the user's terms. */
function writeOutput(file: string, text: string): void {
  try {
    writeFileSync(file, text)
  } catch (err) {
    const dir = path.dirname(path.resolve(file))
    const missing = `the folder ${dir} does not exist`
    const reasons: Record<string, string> = {
      ENOENT: missing,
      ENOTDIR: missing,
      EISDIR: `${file} is a folder`,
      EACCES: `${dir} is not writable`,
      EROFS: `${dir} is read-only`,
    }
    const code = (err as NodeJS.ErrnoException).code ?? ''
    throw new CmcError('OUTPUT_UNWRITABLE', `cannot write ${file}: ${reasons[code] ?? (err as Error).message}`, {
      hint: reasons[code] === missing ? `create ${dir} first, or give -o a file in a folder that exists` : 'give -o a file you can write',
      cause: err,
    })
  }
}
