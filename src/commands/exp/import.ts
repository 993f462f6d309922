// `cmc exp import`: records from a bundle or JSON Lines into a store, or with
// --mlperf published MLPerf results (a submission tree, an archive of one, a
// round's summary) as records marked with their source.
import { existsSync } from 'node:fs'
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { CmcError } from '../../errors.js'
import { importMlperf } from '../../mlperf/importMlperf.js'
import { roundOf } from '../../mlperf/readTree.js'
import { roundName } from '../../mlperf/rounds.js'
import { importRecords } from '../../store/exportImport.js'
import { openStore } from '../../store/store.js'

/** --round as MLPerf names rounds: v4.1 (4.1 and V4.1 read the same); any round, for results of rounds older or newer than the layouts export knows. */
function roundFlag(raw: string): string {
  const name = roundName(raw)
  if (!name) throw new CmcError('FLAG_VALUE', `--round ${raw}: not a round`, { hint: 'give it as MLPerf names rounds, e.g. --round v4.1' })
  return name
}

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
    round: { kind: 'string', description: 'with --mlperf: the round (v4.1; 4.1 reads the same) when the path does not name it' },
    store: storeSpec,
  },
  async action({ args, flags }, io) {
    const store = await openStore({ path: flags.store })
    if (!flags.mlperf) {
      const res = await importRecords(store, args.file)
      if (!io.json) {
        const also = [res.filled && `${res.filled} already there given their files`, res.skipped && `${res.skipped} already there`].filter(Boolean)
        io.log(`imported ${res.added} record(s) into ${store.root}${also.length ? ` (${also.join(', ')})` : ''}`)
      }
      if (res.invalid.length)
        io.warn(
          `left out ${res.invalid.length} folder(s) of ${args.file} whose record.json is not a valid cmc record: ${res.invalid.slice(0, 5).join(', ')}${res.invalid.length > 5 ? ', …' : ''}`,
        )
      return res
    }
    const round = flags.round === undefined ? undefined : roundFlag(flags.round)
    // a round is part of each result's key: without one, the same tree imported again with --round would come in twice
    if (!round && !roundOf(args.file) && !/\.(csv|json)$/i.test(args.file) && existsSync(args.file))
      io.warn(`${args.file} names no round (a folder like inference_results_v4.1 does): its results are keyed without one; give --round v4.1 to record it`)
    const report = await importMlperf(store, args.file, { round, events: io.events })
    if (!io.json) {
      io.log(
        `imported ${report.added} MLPerf result(s) from ${report.input}${report.present ? `, ${report.present} already present` : ''}${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}`,
      )
      for (const s of report.skipped.slice(0, NAMED)) io.warn(`skipped ${s.path}: ${s.reason}`)
      if (report.skipped.length > NAMED) io.warn(`and ${report.skipped.length - NAMED} more skipped (--json lists them all)`)
      for (const w of report.warnings.slice(0, NAMED)) io.warn(`${w.path}: ${w.reason}`)
      if (report.warnings.length > NAMED) io.warn(`and ${report.warnings.length - NAMED} more warnings (--json lists them all)`)
      if (!report.found && !report.skipped.length) io.warn(`${report.input} holds no results: nothing was imported`)
    }
    return report
  },
})
