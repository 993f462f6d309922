// `cmc jobs`: the cluster jobs this store submitted, each with its tasks' states.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { importLanded, jobViewText, recordedView, type JobView } from '../../cluster/followJob.js'
import { withoutTaskOutput } from '../../cluster/jobProgress.js'
import { CmcError } from '../../errors.js'
import { listJobs } from '../../cluster/jobs.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'List submitted cluster jobs (Slurm, Kubernetes) and their tasks',
  description:
    "Each job is one `cmc run --on slurm|kubernetes`: its points' states come from the scheduler (squeue, the Job's pods), and tasks that have ended since the last look are imported into the store as records.",
  examples: ['<%= config.bin %> jobs', '<%= config.bin %> jobs --limit 5 --json', '<%= config.bin %> jobs show j20261202T010000-1a2b3c'],
  flags: {
    limit: { kind: 'integer', char: 'n', min: 1, description: 'the newest N jobs (default 20)' },
    store: storeSpec,
  },
  async action({ flags }, io): Promise<JobView[]> {
    const store = await openStore({ path: flags.store })
    const views: JobView[] = []
    for (const job of listJobs(store).slice(0, flags.limit ?? 20)) {
      try {
        views.push(await importLanded(store, job, withoutTaskOutput(io.events)))
      } catch (e) {
        // a scheduler that cannot be asked (slurmctld down, no kubeconfig) hides no job
        if (!(e instanceof CmcError)) throw e
        io.warn(`${job.id}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`)
        views.push(recordedView(job))
      }
    }
    if (!io.json) {
      if (!views.length) io.log('no cluster jobs in this store')
      for (const v of views) io.log(jobViewText(v))
    }
    return views
  },
})
