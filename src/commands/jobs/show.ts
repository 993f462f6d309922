// `cmc jobs show ID`: one cluster job, each point with its params, task state and record.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { importLanded, jobViewText, type JobView } from '../../cluster/followJob.js'
import { withoutTaskOutput } from '../../cluster/jobProgress.js'
import { findJob } from '../../cluster/jobs.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Show one cluster job: each point with its params, task state, node and record',
  description:
    "The scheduler is asked for the tasks' states, and tasks that have ended since the last look are imported into the store as records, as `cmc jobs` does.",
  examples: ['<%= config.bin %> jobs show j20261202T010000-1a2b3c', '<%= config.bin %> jobs show 4242 --json'],
  args: [{ name: 'id', required: true, description: "cmc's job id (or a prefix), or the scheduler's job id" }],
  flags: { store: storeSpec },
  async action({ args, flags }, io): Promise<JobView> {
    const store = await openStore({ path: flags.store })
    const view = await importLanded(store, findJob(store, args.id), withoutTaskOutput(io.events))
    if (!io.json) io.log(jobViewText(view, { params: true }))
    return view
  },
})
