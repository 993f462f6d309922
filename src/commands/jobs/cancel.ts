// `cmc jobs cancel ID`: stop a cluster job; its unfinished points are recorded as aborted.
import { defineCommand } from '../../cli/command.js'
import { storeSpec } from '../../cli/spec.js'
import { cancelJob } from '../../cluster/followJob.js'
import { withoutTaskOutput } from '../../cluster/jobProgress.js'
import { findJob } from '../../cluster/jobs.js'
import type { ExperimentRecord } from '../../store/record.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Cancel a cluster job (scancel); its unfinished points become aborted records',
  description:
    'Every task not yet ended is stopped, and removes its container on its node; points that finished keep their records; the others are recorded as aborted with what they had printed.',
  examples: ['<%= config.bin %> jobs cancel j20261202T010000-1a2b3c'],
  args: [{ name: 'id', required: true, description: "cmc's job id (or a prefix), or the scheduler's job id" }],
  flags: { store: storeSpec },
  async action({ args, flags }, io): Promise<ExperimentRecord[]> {
    const store = await openStore({ path: flags.store })
    const job = findJob(store, args.id)
    const { records, cancelled } = await cancelJob(store, job, withoutTaskOutput(io.events))
    const others = `${records.filter((r) => r.status !== 'aborted').length} others imported`
    if (!io.json)
      io.log(
        cancelled
          ? `${job.id} cancelled: ${records.filter((r) => r.status === 'aborted').length} points recorded as aborted, ${others}`
          : `${job.id} had ended: nothing to cancel, ${records.length} record(s) imported`,
      )
    return records
  },
})
