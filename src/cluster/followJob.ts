// Following a submitted job from the submitting side: each task that has
// ended becomes its record (replayTask.ts) as soon as it lands, progress is
// reported as points done / failed / running / pending; cancel stops what is
// left and records it as aborted; retry submits again only the points
// without an ok record. Only this side writes the store and the job's file.
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import type { EventSink } from '../events.js'
import type { ExperimentRecord } from '../store/record.js'
import type { Store } from '../store/store.js'
import { backendFor, submitPoints, type TaskState } from './backend.js'
import { pointsWithoutOk, saveJob, type ClusterJob, type Submission } from './jobs.js'
import { importTask } from './replayTask.js'
import { jobPaths, taskPaths } from './taskFiles.js'
import { formatTable } from '../cli/table.js'
import { paramLabel } from '../pipeline/sweep.js'

export interface JobProgress {
  total: number
  ok: number
  failed: number
  running: number
  pending: number
}

export interface JobView {
  job: ClusterJob
  progress: JobProgress
  /** The scheduler's state of each task of the newest submission of each point. */
  tasks: Array<{ index: number; schedulerId: string; state: string; node?: string; record?: string; status?: string }>
}

export interface FollowOptions {
  events?: EventSink
  signal?: AbortSignal
  pollMs?: number
}

/** Imports each task that has ended (its record committed), until every point of the job has one; returns the new records, in the points' order as a run here gives them. */
export async function waitJob(store: Store, job: ClusterJob, opts: FollowOptions = {}): Promise<ExperimentRecord[]> {
  const events = opts.events ?? (() => {})
  const records: ExperimentRecord[] = []
  const landing = watchDone(job)
  try {
    for (;;) {
      const view = await importLanded(store, job, events, records)
      events({ type: 'progress', task: progressText(job, view.progress), current: view.progress.ok + view.progress.failed, total: view.progress.total })
      if (view.progress.running + view.progress.pending === 0 || opts.signal?.aborted)
        return records.sort((a, b) => (a.scheduler?.arrayIndex ?? 0) - (b.scheduler?.arrayIndex ?? 0))
      await landing.next(opts.pollMs ?? 500, opts.signal)
    }
  } finally {
    landing.close()
  }
}

/**
 * The next look at a job comes when a task's done file lands in its folder,
 * or after `ms`, whichever is first. inotify hears what this machine writes
 * (a job folder on its own disk, the test cluster's nodes); on NFS a node's
 * write raises nothing here, and the interval finds it, as it finds a task
 * its scheduler ended. A done file that lands while a look is under way
 * makes the next one come at once.
 */
export function watchDone(job: Pick<ClusterJob, 'dir' | 'submissions'>): { next(ms: number, signal?: AbortSignal): Promise<void>; close(): void } {
  let landed = false
  let wake: (() => void) | undefined
  const hear = () => {
    landed = true
    wake?.()
  }
  const watchers = new Map<string, FSWatcher>()
  // runs/<submission>/<index>/done, one folder at a time: a recursive watch would also watch every
  // output file of every task, and set itself up by walking the whole tree
  const watchDir = (dir: string, onName: (name: string) => void): void => {
    if (watchers.has(dir)) return
    try {
      const w = watch(dir, (_event, name) => onName(String(name ?? '')))
      w.on('error', () => w.close())
      watchers.set(dir, w)
    } catch {
      // not there yet (it is watched when its parent says it came), or no inotify: the interval alone
    }
  }
  const watchTask = (dir: string): void => {
    if (existsSync(taskPaths(dir).done)) return hear()
    watchDir(dir, (name) => name === 'done' && hear())
    // a done file renamed into place before the watch began
    if (existsSync(taskPaths(dir).done)) hear()
  }
  const watchSubmission = (dir: string): void => {
    watchDir(dir, (name) => /^\d+$/.test(name) && watchTask(path.join(dir, name)))
    // a folder that came with its done file already in it is heard; one that is done from before the watch is reset below
    for (const k of namesIn(dir)) if (/^\d+$/.test(k)) watchTask(path.join(dir, k))
  }
  const runs = path.join(job.dir, 'runs')
  watchDir(runs, (name) => watchSubmission(path.join(runs, name)))
  for (const s of job.submissions) watchSubmission(path.dirname(jobPaths(job.dir).task(s.schedulerId, 0)))
  landed = false
  return {
    async next(ms, signal) {
      if (!landed) {
        const stop = new AbortController()
        wake = () => stop.abort()
        // the interval's timer goes as soon as a done file wakes the look: nothing keeps the process waiting
        await sleep(ms, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal)
        wake = undefined
      }
      landed = false
    },
    close: () => watchers.forEach((w) => w.close()),
  }
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** One look at the job: tasks that ended since the last look become records; the rest are counted. */
export async function importLanded(store: Store, job: ClusterJob, events: EventSink, records: ExperimentRecord[] = []): Promise<JobView> {
  const backend = await backendFor(job)
  const tasks: JobView['tasks'] = []
  const before = records.length
  for (const submission of job.submissions) {
    const pending = submission.indices.filter((k) => job.results[k]?.schedulerId !== submission.schedulerId && latest(job, k) === submission)
    const states = pending.length ? await backend.status(job, submission) : []
    for (const k of submission.indices) {
      if (latest(job, k) !== submission) continue
      const state = states.find((s) => s.index === k)
      if (state && job.results[k]?.schedulerId !== submission.schedulerId && (await landed(job, submission, state))) {
        const record = await importTask({
          job,
          index: k,
          submission: submission.schedulerId,
          store,
          events,
          end: state.end ? { ...state.end, state: submission.cancelled && !/CANCEL/.test(state.state) ? 'CANCELLED' : state.end.state } : undefined,
        })
        job.results[k] = { record: record.id, status: record.status, schedulerId: submission.schedulerId, node: record.scheduler?.node }
        records.push(record)
      }
      const result = job.results[k]?.schedulerId === submission.schedulerId ? job.results[k] : undefined
      tasks.push({
        index: k,
        schedulerId: submission.schedulerId,
        state: state?.state ?? 'ENDED',
        node: state?.node ?? result?.node,
        record: result?.record,
        status: result?.status,
      })
    }
  }
  // once a look: each record is already committed, and a job file lagging behind one only re-imports it
  if (records.length > before) saveJob(store, job)
  tasks.sort((a, b) => a.index - b.index)
  return { job, progress: progressOf(job, tasks), tasks }
}

/** The job as its file knows it, when its scheduler cannot be asked: the records it has, the rest unknown. */
export function recordedView(job: ClusterJob): JobView {
  const tasks = job.points.map((_, k) => {
    const r = job.results[k]
    return {
      index: k,
      schedulerId: r?.schedulerId ?? job.submissions.at(-1)?.schedulerId ?? '',
      state: r ? 'ENDED' : 'UNKNOWN',
      node: r?.node,
      record: r?.record,
      status: r?.status,
    }
  })
  return { job, progress: progressOf(job, tasks), tasks }
}

/** A task its scheduler says is over (its folder then collected), or whose shared folder already says it finished. */
async function landed(job: ClusterJob, submission: Submission, state: TaskState): Promise<boolean> {
  const done = () => existsSync(taskPaths(jobPaths(job.dir).task(submission.schedulerId, state.index)).done)
  if (state.phase === 'ended') {
    const dir = await (await backendFor(job)).collect(job, submission, state.index)
    // a task that completed wrote its done file last: a shared filesystem may show it a little after the scheduler's word
    if (state.state === 'COMPLETED' && !existsSync(taskPaths(dir).done) && !graceOver(`${submission.schedulerId}/${state.index}`)) return false
    return true
  }
  return state.phase === 'running' && done()
}

const firstSeenEnded = new Map<string, number>()
const DONE_GRACE_MS = 30_000

function graceOver(task: string): boolean {
  const seen = firstSeenEnded.get(task) ?? Date.now()
  firstSeenEnded.set(task, seen)
  return Date.now() - seen > DONE_GRACE_MS
}

/** The newest submission that ran point k. */
function latest(job: ClusterJob, k: number): Submission | undefined {
  return job.submissions.filter((s) => s.indices.includes(k)).at(-1)
}

function progressOf(job: ClusterJob, tasks: JobView['tasks']): JobProgress {
  const p: JobProgress = { total: job.points.length, ok: 0, failed: 0, running: 0, pending: 0 }
  for (let k = 0; k < job.points.length; k++) {
    const task = tasks.find((t) => t.index === k)
    // a point submitted again counts by its newest task, not by the record it had before
    const result = task ? task.status : job.results[k]?.status
    if (result === 'ok') p.ok++
    else if (result) p.failed++
    else if (task?.state === 'PENDING') p.pending++
    else p.running++
  }
  return p
}

export function progressText(job: ClusterJob, p: JobProgress): string {
  return `${job.id}: ${p.ok} ok, ${p.failed} not ok, ${p.running} running, ${p.pending} pending of ${p.total}`
}

/** A job as `cmc jobs` and `cmc jobs show` print it: its progress and scheduler line, then its tasks' rows (with each point's params when asked). */
export function jobViewText(v: JobView, opts: { params?: boolean } = {}): string {
  const { job } = v
  const head = `${progressText(job, v.progress)} (${job.backend} ${job.submissions.map((s) => s.schedulerId).join(', ')} on ${job.cluster}/${job.partition ?? ''})`
  const rows = v.tasks.map((t) => ({
    index: t.index,
    ...(opts.params ? { params: paramLabel(job.points[t.index]?.params ?? {}) } : {}),
    // Slurm's own name of an array task (scontrol, sacct, scancel take it); a Kubernetes Job's pods are its indexes
    task: job.backend === 'slurm' ? `${t.schedulerId}_${t.index}` : t.schedulerId,
    state: t.state,
    node: t.node ?? '',
    status: t.status ?? '',
    record: t.record ?? '',
  }))
  const columns = ['index', ...(opts.params ? ['params'] : []), 'task', 'state', 'node', 'status', 'record']
  return `${head}\n${formatTable(rows, columns as Array<keyof (typeof rows)[number]>, { maxWidth: 120 })}`
}

/** Stops every task not yet ended; each point without a record becomes an aborted one (with what it left). */
export async function cancelJob(store: Store, job: ClusterJob, events: EventSink = () => {}): Promise<{ records: ExperimentRecord[]; cancelled: number }> {
  const records: ExperimentRecord[] = []
  // tasks that ended since the last look are imported first, as they ended: a
  // submission whose tasks have all ended has nothing left to cancel
  await importLanded(store, job, events, records)
  const backend = await backendFor(job)
  let cancelled = 0
  for (const submission of job.submissions) {
    if (submission.cancelled || submission.indices.every((k) => latest(job, k) !== submission || job.results[k]?.schedulerId === submission.schedulerId))
      continue
    submission.cancelled = true
    saveJob(store, job)
    await backend.cancel(job, submission)
    cancelled++
  }
  if (cancelled) await importLanded(store, job, events, records)
  return { records, cancelled }
}

/** Submits again the points without an ok record (none: nothing to do); returns the new submissions (one, or on Kubernetes one per platform). */
export async function retrySubmissions(store: Store, job: ClusterJob, events: EventSink = () => {}): Promise<Submission[]> {
  // records of tasks that ended since the last look count first
  await importLanded(store, job, events)
  const indices = pointsWithoutOk(job).filter((k) => job.results[k] !== undefined)
  if (!indices.length) return []
  const submissions = await submitPoints(await backendFor(job), job, indices, events)
  saveJob(store, job)
  return submissions
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true },
    )
  })
}
