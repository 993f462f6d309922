// Slurm: a sweep is one `sbatch --array` job whose task k runs sweep point k
// with the node's engine (taskScript.ts); states come from squeue, which
// keeps finished tasks for MinJobAge; a cancel is scancel, after which each
// task's trap has removed its container.
import { mkdirSync, writeFileSync } from 'node:fs'
import { shellWord } from '../dockerRunArgs.js'
import type { ClusterBackend, TaskState } from '../backend.js'
import type { ClusterJob, Submission } from '../jobs.js'
import { jobPaths } from '../taskFiles.js'
import { renderTaskScript } from '../taskScript.js'
import { slurm } from './slurmCli.js'

/** The batch script of a submission: #SBATCH directives in Slurm's own words, then the task. */
export function batchScript(job: ClusterJob, indices: number[]): string {
  const o = job.slurm!
  const directives = [
    `--job-name=cmc-${job.run.benchmark.alias}`,
    `--array=${arraySpec(indices)}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `--output=${jobPaths(job.dir).schedulerLog}`,
    `--partition=${o.partition}`,
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.gpusPerTask ? [`--gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.gres ? [`--gres=${o.gres}`] : []),
    // a task whose node fails or that is preempted ends (NODE_FAIL, PREEMPTED) and becomes
    // a failed record with its logs, for `cmc jobs retry`, instead of being run again by
    // Slurm into the folder of the attempt it lost; --sbatch-arg=--requeue asks otherwise
    '--no-requeue',
    ...(o.sbatchArgs ?? []),
  ]
  return renderTaskScript({
    jobDir: job.dir,
    cmcJob: job.id,
    via: job.image.via,
    indexVar: 'SLURM_ARRAY_TASK_ID',
    submissionVar: 'SLURM_ARRAY_JOB_ID',
    nodeVar: 'SLURMD_NODENAME',
    header: directives.map((d) => `#SBATCH ${d.split(/\s+/).map(shellWord).join(' ')}`),
  })
}

/** Array indices as Slurm writes them: runs of consecutive ones as ranges (0-5, or 1,3-4). */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]))
    i = j + 1
  }
  return parts.join(',')
}

const ACTIVE = new Set([
  'PENDING',
  'RUNNING',
  'CONFIGURING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
])

export const slurmBackend: ClusterBackend = {
  async submit(job, indices) {
    const script = batchScript(job, indices)
    const file = `${jobPaths(job.dir).dir}/job-${Date.now()}.sh`
    mkdirSync(`${job.dir}/runs`, { recursive: true })
    writeFileSync(file, script, { mode: 0o700 })
    // sbatch checks every directive (partition, limits, GRES) itself and queues nothing when it refuses one
    const out = (await slurm('sbatch', ['--parsable', file])).stdout.trim()
    const schedulerId = out.split(';')[0]
    return { schedulerId, indices, submittedAt: new Date().toISOString() }
  },

  async status(_job, submission) {
    const out = (await slurm('squeue', ['-h', '-r', '-t', 'all', '-j', submission.schedulerId, '-o', '%K|%T|%N|%r'], { allowFailure: true })).stdout
    const seen = new Map<number, TaskState>()
    for (const line of out.split('\n').filter(Boolean)) {
      const [k, state, node, reason] = line.split('|')
      const index = Number(k)
      if (!Number.isInteger(index)) continue
      seen.set(index, {
        index,
        phase: state === 'PENDING' ? 'pending' : ACTIVE.has(state) ? 'running' : 'ended',
        state,
        node: node || undefined,
        end: { state, node: node || undefined, reason },
      })
    }
    // a task squeue no longer lists (older than MinJobAge, or slurmctld restarted without its state) is over
    return submission.indices.map((index) => seen.get(index) ?? { index, phase: 'ended', state: 'UNKNOWN', end: { state: 'UNKNOWN' } })
  },

  async cancel(job, submission) {
    await slurm('scancel', [submission.schedulerId])
    for (let i = 0; i < 120; i++) {
      const states = await slurmBackend.status(job, submission)
      if (states.every((s) => s.phase === 'ended')) return
      await new Promise((r) => setTimeout(r, 500))
    }
  },

  async collect(job, submission, index) {
    return jobPaths(job.dir).task(submission.schedulerId, index)
  },
}

export type { Submission }
