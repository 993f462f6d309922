// `cmc exp export`: records as a bundle, JSON Lines or CSV, or with
// --format mlperf as an MLPerf submission tree.
import { readFileSync } from 'node:fs'
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { CmcError } from '../../errors.js'
import { exportTree } from '../../mlperf/exportTree.js'
import type { SystemDescription } from '../../mlperf/systemDescription.js'
import { exportRecords, formatOf } from '../../store/exportImport.js'
import { querySummaries } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Export records: a .tar.gz bundle (logs and outputs too), JSON Lines, CSV, or an MLPerf submission tree',
  description:
    'With --format mlperf, -o names a folder that becomes a submission tree (<division>/<submitter>/results/<system>/<benchmark>/<scenario>/..., systems/<system>.json, measurements.json, user.conf) of the selected records whose runs produced LoadGen logs. Published records go back where they came from; local runs need --submitter, take their system description from the host fingerprint and the fields of --system FILE.json, and their benchmark name from --benchmark.',
  examples: [
    `<%= config.bin %> exp export --where 'benchmark = stream' -o stream.tar.gz`,
    '<%= config.bin %> exp export -o all.csv',
    `<%= config.bin %> exp export --format mlperf --where 'scenario = Offline and not source = mlperf' --submitter MyOrg --benchmark resnet50 --system my-system.json -o submission`,
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
    store: storeSpec,
  },
  async action({ flags }, io) {
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
        },
      )
      if (!io.json) {
        io.log(`wrote ${report.written.length} result(s) as an MLPerf submission tree in ${flags.output}`)
        for (const s of report.skipped) io.warn(`skipped ${s.id}: ${s.reason}`)
      }
      const unset = [...new Set(report.placeholders.flatMap((p) => p.fields))]
      if (unset.length)
        io.warn(
          `${report.placeholders.length} measurements.json file(s) say "unknown" for what nobody gave (${unset.join(', ')}): fill them in, or give them as "measurements" in --system FILE, before you submit`,
        )
      return { format: 'mlperf', ...report }
    }
    const format = formatOf(flags.output, flags.format)
    const records = await exportRecords(store, ids, flags.output, format)
    if (!io.json) io.log(`exported ${records} record(s) to ${flags.output}`)
    return { file: flags.output, format, records }
  },
})

function readSystemFields(file: string): SystemDescription {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new CmcError('EXPORT_SYSTEM_FIELDS', `--system ${file} cannot be read as JSON: ${(e as Error).message}`, {
      where: { file },
      hint: 'give a JSON object of systems/<system>.json fields, e.g. {"system_name": "...", "accelerator_model_name": "..."}',
    })
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new CmcError('EXPORT_SYSTEM_FIELDS', `--system ${file} is not a JSON object`, {
      where: { file },
      hint: 'give an object of systems/<system>.json fields',
    })
  return parsed as SystemDescription
}
