import { closeSync, openSync, readSync, statSync } from 'node:fs'
import path from 'node:path'
import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { storeFlag } from '../../cli/flags.js'
import { formatNumber, formatTable } from '../../cli/table.js'
import { findRecord } from '../../store/select.js'
import { openStore } from '../../store/store.js'

/** The last `n` lines a log ends with (its last 64 KiB), without the repeat headers cmc writes. */
function lastLines(file: string, n: number): string[] {
  try {
    const size = statSync(file).size
    const fd = openSync(file, 'r')
    try {
      const buf = Buffer.alloc(Math.min(size, 64 * 1024))
      readSync(fd, buf, 0, buf.length, size - buf.length)
      return buf.toString('utf8').split('\n').filter((l) => l.trim() && !/^=== (repeat|warm-up) /.test(l)).slice(-n)
    } finally {
      closeSync(fd)
    }
  } catch {
    return []
  }
}

export default class ExpShow extends BaseCommand {
  static override summary = 'Show one experiment record'
  static override examples = ['<%= config.bin %> exp show 20261124T101500123Z-1a2b3c4d', '<%= config.bin %> exp show 20261124T1015 --json']
  static override args = { id: Args.string({ required: true, description: 'record id or a unique prefix' }) }
  static override flags = { store: storeFlag }

  async run() {
    const { args, flags } = await this.parse(ExpShow)
    const store = await openStore({ path: flags.store })
    const r = findRecord(store, args.id, this.events)
    if (!this.jsonEnabled()) {
      this.log(`${r.id}  ${r.benchmark.alias} on ${r.platform}: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.reason ? ` — ${r.reason}` : ''}`)
      this.log(`  image    ${r.image.ref}  digest ${r.image.digest}`)
      this.log(`  params   ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')}`)
      this.log(`  command  ${r.command}`)
      this.log(`  host     ${r.host.hostname}: ${r.host.cpuModel}, ${r.host.cores} cores, ${(r.host.memoryBytes / 2 ** 30).toFixed(0)} GiB, Docker ${r.host.docker.version}, kernel ${r.host.kernel}`)
      this.log(`  folder   ${store.recordDir(r.id)}`)
      const rows = Object.entries(r.metrics).map(([k, s]) => ({ metric: k, median: formatNumber(s.median), ci95: `${formatNumber(s.ci95[0])} .. ${formatNumber(s.ci95[1])}`, min: formatNumber(s.min), max: formatNumber(s.max), n: s.n, unit: s.unit ?? '' }))
      if (rows.length) this.log(formatTable(rows, ['metric', 'median', 'ci95', 'min', 'max', 'n', 'unit']))
      if (r.refused.length) this.log(`  refused outputs: ${r.refused.map((x) => `${x.path} (${x.reason})`).join('; ')}`)
      // a run that did not succeed: what it said last, where its hint sends the user
      if (r.status !== 'ok') {
        for (const log of [r.logs.stderr, r.logs.stdout]) {
          const lines = lastLines(path.join(store.recordDir(r.id), log), 20)
          if (!lines.length) continue
          this.log(`  last lines of ${log}:`)
          for (const l of lines) this.log(`    ${l}`)
          break
        }
      }
    }
    return r
  }
}
