// `cmc jobs wait ID`: follow a cluster job, importing each record as it lands.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { waitJob } from '../../cluster/followJob.js'
import { progressSink } from '../../cluster/jobProgress.js'
import { findJob } from '../../cluster/jobs.js'
import { CmcError } from '../../errors.js'
import type { ExperimentRecord } from '../../store/record.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Wait for a cluster job, importing each finished point into the store',
  description:
    'Shows points done / failed / running / pending (a bar on a terminal) and commits each task that ended as its record. Ctrl-C stops waiting, not the job. Exit codes as `cmc run`: 0 when every point is ok, 5 when one failed.',
  examples: ['<%= config.bin %> jobs wait j20261202T010000-1a2b3c', '<%= config.bin %> jobs wait 4242 --json'],
  args: [{ name: 'id', required: true, description: "cmc's job id (or a prefix), or the scheduler's job id" }],
  flags: {
    poll: { kind: 'integer', min: 1, description: 'seconds between looks at the scheduler (default: twice a second)' },
    store: storeSpec,
  },
  async action({ args, flags }, io): Promise<ExperimentRecord[]> {
    const store = await openStore({ path: flags.store })
    const job = findJob(store, args.id)
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const events = progressSink(io)
    const records = await waitJob(store, job, { events, signal: ac.signal, pollMs: flags.poll === undefined ? undefined : flags.poll * 1000 })
    events.end()
    if (!io.json) for (const r of records) io.log(`${r.id}  ${r.scheduler?.arrayIndex}  ${r.scheduler?.node}  ${r.status}${r.reason ? `: ${r.reason}` : ''}`)
    if (ac.signal.aborted)
      throw new CmcError('ABORTED', `stopped waiting; ${job.id} goes on running`, {
        hint: `\`cmc jobs wait ${job.id}\` again to import the rest`,
        data: { records },
      })
    const bad = Object.values(job.results).filter((r) => r.status !== 'ok')
    if (bad.length)
      throw new CmcError('BENCHMARK_FAILED', `${bad.length} of ${job.points.length} points of ${job.id} are not ok`, {
        hint: `see the logs: cmc exp show ${bad[0].record}; run them again: cmc jobs retry ${job.id}`,
        data: { records },
      })
    return records
  },
})
