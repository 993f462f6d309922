// `cmc exp export`: records as a bundle, JSON Lines or CSV, or with
// --format mlperf as an MLPerf submission tree.
import { readFileSync } from 'node:fs'
import { defineCommand } from '../../cli/command.js'
import type { CommandIo } from '../../cli/io.js'
import { storeSpec } from '../../cli/spec.js'
import { CmcError } from '../../errors.js'
import { exportTree, type MlperfExportReport } from '../../mlperf/exportTree.js'
import { NEWEST_ROUND, ROUNDS } from '../../mlperf/rounds.js'
import type { SystemDescription } from '../../mlperf/systemDescription.js'
import { exportRecords, formatOf } from '../../store/exportImport.js'
import { querySummaries } from '../../store/select.js'
import { openStore } from '../../store/store.js'
import { isRecord } from '../../values.js'

/** How many incomplete folders the warning names before it counts the rest. */
const NAMED = 10

export default defineCommand({
  summary: 'Export records: a .tar.gz bundle (logs and outputs too), JSON Lines, CSV, or an MLPerf submission tree',
  description:
    'With --format mlperf, -o names a folder that becomes a submission tree (<division>/<submitter>/results/<system>/<benchmark>/<scenario>/..., systems/<system>.json, measurements.json, user.conf, compliance TEST0X/) of the selected records whose runs produced LoadGen logs, laid out as the checker of --round wants it (v6.0: src/ and everything in results/; v5.1 and before: code/, and measurements/ and compliance/ beside results/). Folders the records cannot fill as the round wants are written with what they carry and named in a warning. Published records go back where they came from; local runs need --submitter, take their system description from the host fingerprint and the fields of --system FILE.json, and their benchmark name from --benchmark.',
  examples: [
    `<%= config.bin %> exp export --where 'benchmark = stream' -o stream.tar.gz`,
    '<%= config.bin %> exp export -o all.csv',
    `<%= config.bin %> exp export --format mlperf --where 'scenario = Offline and not source = mlperf' --submitter MyOrg --benchmark resnet50 --system my-system.json -o submission`,
    `<%= config.bin %> exp export --format mlperf --where 'source = mlperf and round = v5.0' --round v6.0 -o resubmission`,
  ],
  flags: {
    where: { kind: 'string', char: 'w', description: 'query (default: all records)' },
    output: { kind: 'string', char: 'o', required: true, description: 'file (.tar.gz, .jsonl, .csv), or a folder with --format mlperf' },
    format: { kind: 'string', options: ['tar.gz', 'jsonl', 'csv', 'mlperf'], description: 'format (default: from the file name)' },
    submitter: { kind: 'string', description: '--format mlperf: the submitter of local runs' },
    division: { kind: 'string', options: ['closed', 'open', 'network'], description: '--format mlperf: the division of local runs (default closed)' },
    system: { kind: 'string', description: '--format mlperf: a JSON file of systems/<system>.json fields for local runs (and "measurements")' },
    'system-id': { kind: 'string', description: '--format mlperf: the system id of local runs (default: from the GPUs, else the hostname)' },
    benchmark: { kind: 'string', description: '--format mlperf: the MLPerf benchmark name of local runs (resnet50, bert-99, ...)' },
    round: {
      kind: 'string',
      description: `--format mlperf: the round the tree is laid out for (${ROUNDS[0]} to ${NEWEST_ROUND}; default: the published records' own round when they share one, else ${NEWEST_ROUND})`,
    },
    store: storeSpec,
  },
  async action({ flags }, io) {
    if (flags.format !== 'mlperf') {
      const given = (['submitter', 'division', 'system', 'system-id', 'benchmark', 'round'] as const).filter((f) => flags[f] !== undefined)
      if (given.length)
        throw new CmcError('USAGE', `${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for --format mlperf only`, {
          hint: `add --format mlperf to write a submission tree, or leave ${given.length === 1 ? 'it' : 'them'} out`,
        })
    }
    const store = await openStore({ path: flags.store })
    const ids = querySummaries(store, flags.where, { events: io.events }).map((s) => s.id)
    if (flags.format === 'mlperf') {
      const report = exportTree(
        store,
        ids.map((id) => store.get(id)),
        flags.output,
        {
          submitter: flags.submitter,
          division: flags.division,
          systemId: flags['system-id'],
          benchmark: flags.benchmark,
          system: flags.system ? readSystemFields(flags.system) : undefined,
          round: flags.round,
        },
      )
      if (!io.json) {
        io.log(`wrote ${report.written.length} result(s) as an MLPerf ${report.round} submission tree in ${flags.output}`)
        for (const s of report.skipped) io.warn(`skipped ${s.id}: ${s.reason}`)
      }
      warnRound(report, io)
      const unset = [...new Set(report.placeholders.flatMap((p) => p.fields))]
      if (unset.length)
        io.warn(
          `${report.placeholders.length} measurements.json file(s) say "unknown" for what nobody gave (${unset.join(', ')}): fill them in, or give them as "measurements" in --system FILE, before you submit`,
        )
      warnIncomplete(report, io)
      return { format: 'mlperf', ...report }
    }
    const format = formatOf(flags.output, flags.format)
    const records = await exportRecords(store, ids, flags.output, format)
    if (!io.json) io.log(`exported ${records} record(s) to ${flags.output}`)
    return { file: flags.output, format, records }
  },
})

/** The round's warnings: one chosen for the user, published results of other rounds laid out as this one wants. */
function warnRound(report: MlperfExportReport, io: CommandIo): void {
  if (report.roundFrom === 'newest')
    io.warn(
      `no --round, and the records are not all published in one round: the tree is laid out for ${report.round}, the newest round cmc knows; give --round for another`,
    )
  for (const o of report.otherRounds)
    io.warn(`${o.records} published record(s) of ${o.round} laid out for ${report.round}: its checker judges them by ${report.round}'s rules`)
}

/** The folders written without all the round's checker wants in them, the first few named. */
function warnIncomplete(report: MlperfExportReport, io: CommandIo): void {
  if (!report.incomplete.length) return
  const named = report.incomplete.slice(0, NAMED).map((i) => `${i.path} (no ${i.missing.join(', ')})`)
  const more = report.incomplete.length - named.length
  io.warn(
    `${report.incomplete.length} folder(s) lack what the ${report.round} checker wants, which the records do not carry, so it is left out: ${named.join('; ')}${more ? `; and ${more} more (--json lists them)` : ''}. Add the files from the runs before you submit`,
  )
}

function readSystemFields(file: string): SystemDescription {
  const hint = 'give a JSON object of systems/<system>.json fields, e.g. {"system_name": "...", "accelerator_model_name": "..."}'
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message
    throw new CmcError('EXPORT_SYSTEM_FIELDS', `the --system file cannot be read: ${why}`, { where: { file }, hint })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    throw new CmcError('EXPORT_SYSTEM_FIELDS', `the --system file is not JSON: ${(e as Error).message}`, { where: { file }, hint })
  }
  if (!isRecord(parsed)) throw new CmcError('EXPORT_SYSTEM_FIELDS', 'the --system file is not a JSON object', { where: { file }, hint })
  const { measurements } = parsed as SystemDescription
  // left out of every measurements.json if it were taken as it is
  if (measurements !== undefined && !isRecord(measurements))
    throw new CmcError('EXPORT_SYSTEM_FIELDS', `the --system file's "measurements" is ${JSON.stringify(measurements)}, not an object`, {
      where: { file },
      hint: 'give the fields of measurements.json there, e.g. "measurements": {"starting_weights_filename": "...", "weight_data_types": "int8"}',
    })
  return parsed as SystemDescription
}
