// `cmc exp import`: records from a bundle or JSON Lines into a store, or with
// --mlperf published MLPerf results (a submission tree, an archive of one, a
// round's summary) as records marked with their source.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { importMlperf } from '../../mlperf/importMlperf.js'
import { importRecords } from '../../store/exportImport.js'
import { openStore } from '../../store/store.js'

/** How many skipped paths the text output names before it counts the rest (--json has them all). */
const NAMED = 20

export default defineCommand({
  summary: 'Import records from a .tar.gz bundle or JSON Lines, or published MLPerf results with --mlperf (records already present are skipped)',
  description:
    'With --mlperf, FILE is an MLPerf inference submission tree (closed|open/<submitter>/results/<system>/<benchmark>/<scenario>/...), a .tar.gz/.tgz/.tar/.zip of one, or a round summary (.csv in the submission checker columns, or .json rows). Each system x benchmark x scenario x mode becomes one record with source = mlperf; what cannot be read is skipped and reported, and importing again adds nothing.',
  examples: [
    '<%= config.bin %> exp import stream.tar.gz --store ./other/.cmc/store',
    '<%= config.bin %> exp import --mlperf ./inference_results_v4.1',
    '<%= config.bin %> exp import --mlperf summary.csv --round v4.1',
  ],
  args: [{ name: 'file', required: true, description: 'a .tar.gz bundle or .jsonl file; with --mlperf a submission tree, an archive of one, or a summary' }],
  flags: {
    mlperf: { kind: 'boolean', description: 'import published MLPerf results' },
    round: { kind: 'string', description: 'with --mlperf: the round (e.g. v4.1) when the path does not name it' },
    store: storeSpec,
  },
  async action({ args, flags }, io) {
    const store = await openStore({ path: flags.store })
    if (!flags.mlperf) {
      const res = await importRecords(store, args.file)
      if (!io.json) io.log(`imported ${res.added} record(s) into ${store.root}${res.skipped ? ` (${res.skipped} already there)` : ''}`)
      return res
    }
    const report = await importMlperf(store, args.file, { round: flags.round, events: io.events })
    if (!io.json) {
      io.log(
        `imported ${report.added} MLPerf result(s) from ${report.input}${report.present ? `, ${report.present} already present` : ''}${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}`,
      )
      for (const s of report.skipped.slice(0, NAMED)) io.warn(`skipped ${s.path}: ${s.reason}`)
      if (report.skipped.length > NAMED) io.warn(`and ${report.skipped.length - NAMED} more skipped (--json lists them all)`)
    }
    return report
  },
})
