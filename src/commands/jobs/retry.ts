// `cmc jobs retry ID`: submit again only the points without an ok record.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { retrySubmissions, waitJob } from '../../cluster/followJob.js'
import { progressSink } from '../../cluster/jobProgress.js'
import { findJob, type Submission } from '../../cluster/jobs.js'
import { CmcError } from '../../errors.js'
import type { ExperimentRecord } from '../../store/record.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Resubmit the points of a cluster job that have no ok record',
  description: 'One new array job with just those indices (Slurm: --array=1,4); the points that were ok are not run again. Waits for them unless --detach.',
  examples: ['<%= config.bin %> jobs retry j20261202T010000-1a2b3c', '<%= config.bin %> jobs retry 4242 --detach'],
  args: [{ name: 'id', required: true, description: "cmc's job id (or a prefix), or the scheduler's job id" }],
  flags: {
    detach: { kind: 'boolean', description: 'submit and return' },
    store: storeSpec,
  },
  async action({ args, flags }, io): Promise<{ submission?: Submission; submissions: Submission[]; records: ExperimentRecord[] }> {
    const store = await openStore({ path: flags.store })
    const job = findJob(store, args.id)
    // one submission, or on Kubernetes one Job per platform
    const submissions = await retrySubmissions(store, job, io.events)
    if (!submissions.length) {
      if (!io.json) io.log(`every point of ${job.id} that has ended is ok: nothing to retry`)
      return { submissions, records: [] }
    }
    const [submission] = submissions
    if (!io.json) for (const s of submissions) io.log(`resubmitted points ${s.indices.join(', ')} of ${job.id} as ${job.backend} job ${s.schedulerId}`)
    if (flags.detach) return { submission, submissions, records: [] }
    const events = progressSink(io)
    const records = await waitJob(store, job, { events })
    events.end()
    const bad = records.filter((r) => r.status !== 'ok')
    if (bad.length)
      throw new CmcError('BENCHMARK_FAILED', `${bad.length} retried points of ${job.id} are still not ok`, {
        hint: `see the logs: cmc exp show ${bad[0].id}`,
        data: { records },
      })
    return { submission, submissions, records }
  },
})
