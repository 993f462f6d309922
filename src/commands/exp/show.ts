// `cmc exp show`: one experiment record, and a failed run's last log lines.
import { defineCommand } from '../../cli/command.js'
import { readStoreSpec } from '../../cli/spec.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { keptPlace, listKeptFiles } from '../../store/keptFiles.js'
import type { ExperimentRecord } from '../../store/record.js'
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
    const store = await openRecordStore(flags.store, { create: true, events: io.events })
    const r = await store.find(args.id, io.events)
    if (!io.json) {
      io.log(
        `${r.id}  ${r.benchmark.alias} on ${r.platform}: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.reason ? ` — ${r.reason}` : ''}`,
      )
      io.log(`  image    ${r.image.ref}  id ${imageIdentity(r.image)}`)
      for (const d of r.image.repoDigests ?? []) io.log(`           ${d}`)
      io.log(
        `  params   ${Object.entries(r.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      )
      io.log(`  command  ${r.command}`)
      io.log(
        `  host     ${r.host.hostname}: ${r.host.cpuModel}, ${r.host.cores} cores, ${(r.host.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${r.host.docker.name ?? 'Docker'} ${r.host.docker.version}, kernel ${r.host.kernel}`,
      )
      if (r.emulated)
        io.log(
          `  emulated ${r.emulation ? `${r.emulation.imageArch} image, host ${r.emulation.hostArch}, through ${r.emulation.interpreter}` : 'yes'}: its timings measure the emulator`,
        )
      io.log(`  limits   ${limitsLine(r.limits)}`)
      io.log(`  tags     ${r.tags.length ? r.tags.join(', ') : 'none'}`)
      const env = Object.entries(r.env)
      io.log(`  env      ${env.length ? env.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}`)
      io.log(`  folder   ${store.recordPlace(r.id)}`)
      const rows = Object.entries(r.metrics).map(([k, s]) => ({
        metric: k,
        median: formatNumber(s.median),
        ci95: `${formatNumber(s.ci95[0])} .. ${formatNumber(s.ci95[1])}`,
        min: formatNumber(s.min),
        max: formatNumber(s.max),
        n: s.n,
        unit: s.unit ?? '',
      }))
      if (rows.length) io.log(formatTable(rows, ['metric', 'median', 'ci95', 'min', 'max', 'n', 'unit']))
      const kept = listKeptFiles(r)
      if (kept.length) {
        io.log(`  outputs  ${kept.length} file(s) in ${keptPlace(r)}`)
        // one line a file, not a table: a table cut to the terminal's width would cut the sha256
        for (const o of kept.slice(0, SHOWN_OUTPUTS)) io.log(`    ${o.path}  ${o.size} bytes  sha256 ${o.sha256}`)
        if (kept.length > SHOWN_OUTPUTS) io.log(`  and ${kept.length - SHOWN_OUTPUTS} more (--json lists them all)`)
      }
      if (r.refused.length) io.log(`  refused outputs: ${r.refused.map((x) => `${x.path} (${x.reason})`).join('; ')}`)
      // a run that did not succeed: what it said last, where its hint sends the user
      if (r.status !== 'ok') {
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
