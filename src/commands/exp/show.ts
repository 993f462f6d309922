// `cmc exp show`: one experiment record (a run of cmc's, or a published
// result, each with the lines that mean something for it), and a failed run's
// last log lines.
import { defineCommand } from '../../cli/command.js'
import { readStoreSpec } from '../../cli/spec.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { MEDIAN_INTERVAL_MIN } from '../../collect/summarize.js'
import { keptPlace, listKeptFiles } from '../../store/keptFiles.js'
import { geomeanInterval95 } from '../../stats.js'
import type { ExperimentRecord, MetricSummary, PublishedSource } from '../../store/record.js'
import { openRecordStore } from '../../store/storeApi.js'
import { imageIdentity } from '../../store/summary.js'

/** outputs listed in the text view; --json has every one */
const SHOWN_OUTPUTS = 20

export default defineCommand({
  summary: 'Show one experiment record',
  examples: ['<%= config.bin %> exp show 20261124T101500123Z-1a2b3c4d', '<%= config.bin %> exp show 20261124T1015 --json'],
  args: [{ name: 'id', required: true, description: 'record id or a unique prefix' }],
  flags: { store: readStoreSpec },
  async action({ args, flags }, io) {
    const store = await openRecordStore(flags.store, { events: io.events })
    const r = await store.find(args.id, io.events)
    if (!io.json) {
      for (const line of r.source ? publishedLines(r, r.source) : runLines(r)) io.log(line)
      io.log(`  tags     ${r.tags.length ? r.tags.join(', ') : 'none'}`)
      io.log(`  folder   ${store.recordPlace(r.id)}`)
      const rows = Object.entries(r.metrics).map(([k, s]) => ({
        metric: k,
        median: formatNumber(s.median),
        ci95: intervalText(r, k, s),
        min: formatNumber(s.min),
        max: formatNumber(s.max),
        n: s.n,
        unit: s.unit ?? '',
      }))
      if (rows.length) io.log(formatTable(rows, ['metric', 'median', 'ci95', 'min', 'max', 'n', 'unit'], { maxWidth: 80 }))
      const kept = listKeptFiles(r)
      if (kept.length) {
        io.log(`  outputs  ${kept.length} file(s) in ${keptPlace(r)}`)
        // one line a file, not a table: a table cut to the terminal's width would cut the sha256
        for (const o of kept.slice(0, SHOWN_OUTPUTS)) io.log(`    ${o.path}  ${o.size} bytes  sha256 ${o.sha256}`)
        if (kept.length > SHOWN_OUTPUTS) io.log(`  and ${kept.length - SHOWN_OUTPUTS} more (--json lists them all)`)
      }
      if (r.refused.length) io.log(`  refused outputs: ${r.refused.map((x) => `${x.path} (${x.reason})`).join('; ')}`)
      // a run that did not succeed: what it said last, where its hint sends the user (a published result has no logs)
      if (r.status !== 'ok' && !r.source) {
        for (const log of [r.logs.stderr, r.logs.stdout]) {
          const lines = lastLines(await store.logTail(r, log, 64 * 1024), 20)
          if (!lines.length) continue
          io.log(`  last lines of ${log}:`)
          for (const l of lines) io.log(`    ${l}`)
          break
        }
      }
    }
    return r
  },
})

/** What a run of cmc's is: its image, params, command, host, emulation, limits and env. */
function runLines(r: ExperimentRecord): string[] {
  const env = Object.entries(r.env)
  return [
    `${r.id}  ${r.benchmark.alias} on ${r.platform}: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.reason ? ` — ${r.reason}` : ''}`,
    `  image    ${r.image.ref}  id ${imageIdentity(r.image)}`,
    ...(r.image.repoDigests ?? []).map((d) => `           ${d}`),
    `  params   ${Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `  command  ${r.command}`,
    `  host     ${r.host.hostname}: ${r.host.cpuModel}, ${r.host.cores} cores, ${(r.host.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${r.host.docker.name ?? 'Docker'} ${r.host.docker.version}, kernel ${r.host.kernel}`,
    ...(r.emulated
      ? [
          `  emulated ${r.emulation ? `${r.emulation.imageArch} image, host ${r.emulation.hostArch}, through ${r.emulation.interpreter}` : 'yes'}: its timings measure the emulator`,
        ]
      : []),
    `  limits   ${limitsLine(r.limits)}`,
    `  env      ${env.length ? env.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}`,
  ]
}

/**
 * What a published result is: who submitted which system in which round and
 * division, the scenario and mode, the result MLPerf reports and whether it is
 * valid. It was not run by cmc: image, params, command, host fingerprint and
 * limits would be empty lines, so they are left out.
 */
function publishedLines(r: ExperimentRecord, src: PublishedSource): string[] {
  const given = (...parts: Array<string | undefined | false>) => parts.filter(Boolean).join(', ')
  const accelerators = src.accelerator
    ? `${src.accelerators ?? '?'} x ${src.accelerator}`
    : src.accelerators !== undefined
      ? `${src.accelerators} accelerator(s)`
      : ''
  const compliance = Object.entries(src.compliance ?? {})
  return [
    `${r.id}  ${src.benchmark}: published MLPerf result${src.round ? ` of ${src.round}` : ''}, ${src.valid ? 'valid' : 'not valid'}${r.reason ? ` — ${r.reason}` : ''}`,
    `  result   ${src.headline ? `${formatNumber(src.headline.value)} ${src.headline.unit} (${src.headline.metric}, ${src.headline.higherIsBetter ? 'higher' : 'lower'} is better)` : 'none stated'}`,
    `  scenario ${src.scenario}, ${src.mode}`,
    `  by       ${src.submitter}, ${src.division} division${src.availability ? `, ${src.availability}` : ''}${src.round ? `, round ${src.round}` : ''}`,
    `  system   ${src.system}${src.systemName && src.systemName !== src.system ? ` (${src.systemName})` : ''}${src.systemType ? `, ${src.systemType}` : ''}`,
    ...(accelerators ? [`  accel    ${accelerators}`] : []),
    ...(src.hostProcessor ? [`  cpu      ${src.hostProcessor}`] : []),
    ...(src.framework || src.operatingSystem ? [`  software ${given(src.framework, src.operatingSystem)}`] : []),
    ...(src.accuracy ? [`  accuracy ${src.accuracy}`] : []),
    ...(compliance.length ? [`  checks   ${compliance.map(([test, result]) => `${test} ${result}`).join(', ')}`] : []),
    `  from     ${src.from}`,
  ]
}

/**
 * The 95% interval beside a metric, named for what it is the interval of: the
 * record's own interval of the median (order statistics, 6 repeats or more);
 * with fewer, the t interval of the geometric mean on the logs (positive, as
 * the values are), or for values of 0 or less the record's t interval of the
 * mean. One value has no interval.
 */
function intervalText(r: ExperimentRecord, metric: string, s: MetricSummary): string {
  if (s.n < 2) return 'n/a'
  const range = ([lo, hi]: [number, number]) => `${formatNumber(lo)} .. ${formatNumber(hi)}`
  if (s.n >= MEDIAN_INTERVAL_MIN) return `${range(s.ci95)} (median)`
  const values = r.repeats.map((x) => x.metrics[metric]).filter((v): v is number => typeof v === 'number')
  const g = values.length === s.n ? geomeanInterval95(values) : undefined
  if (g) return `${range(g.ci95)} (geomean ${formatNumber(g.centre)})`
  return `${range(s.ci95)} (mean ${formatNumber(s.mean)})`
}

/** The run's limits as `cmc run` takes them: `--cpus 1.5 --memory 256 MiB`, or none. */
function limitsLine(limits: ExperimentRecord['limits']): string {
  const parts = [
    limits?.cpus !== undefined ? `cpus ${limits.cpus}` : '',
    limits?.memoryBytes !== undefined ? `memory ${formatNumber(limits.memoryBytes / 2 ** 20)} MiB` : '',
  ].filter(Boolean)
  return parts.length ? parts.join(', ') : 'none'
}

/** The last `n` lines of a log's tail, without the repeat headers cmc writes. */
function lastLines(tail: string | undefined, n: number): string[] {
  return (tail ?? '')
    .split('\n')
    .filter((l) => l.trim() && !/^=== (repeat|warm-up) /.test(l))
    .slice(-n)
}
