// A cluster task's folder made into its record by the code a local run uses:
// runPoint replays the task's containers (logs streamed through the same
// PointLogs and regex matcher, outputs copied under safeExtract's policy,
// metrics parsed and summarized the same way), with the node's own
// fingerprint as the host and the scheduler's provenance beside it. A task
// that its scheduler stopped (cancelled, out of time, its node lost) is
// recorded with what it left and why it stopped.
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync } from 'node:fs'
import path from 'node:path'
import type { ContainerOutputs, ContainerRun } from '../engine/run.js'
import { dockerArch, engineName, type Emulation } from '../engine/info.js'
import type { EventSink } from '../events.js'
import { runPoint, type ContainerRunner } from '../pipeline/runBenchmark.js'
import type { ExperimentRecord, HostFingerprint, RunStatus, SchedulerProvenance } from '../store/record.js'
import type { Store } from '../store/store.js'
import { thawRun, withSecrets, type FrozenRun } from './frozenRun.js'
import { taskPlatform, type ClusterJob } from './jobs.js'
import { HOST_FILES, jobPaths, taskPaths } from './taskFiles.js'

export interface AttemptLine {
  attempt: number
  exitCode: number
  startMs: number
  endMs: number
  timedOut: boolean
}

/** What a task left in its folder. */
export interface TaskMaterial {
  started?: { ms: number; node: string }
  attempts: AttemptLine[]
  error?: string
  doneMs?: number
}

/** How the scheduler saw the task end, when it did not finish by itself. */
export interface TaskEnd {
  /** The scheduler's state word: CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, FAILED, OUT_OF_MEMORY... */
  state: string
  node?: string
  reason?: string
}

export function readTask(dir: string): TaskMaterial {
  const t = taskPaths(dir)
  const text = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined)
  const started = text(t.started)?.trim().split(' ')
  const attempts = (text(t.attempts) ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 5 && f.every(Number.isFinite))
    .map(([attempt, exitCode, startMs, endMs, timedOut]) => ({ attempt, exitCode, startMs, endMs, timedOut: timedOut === 1 }))
  const done = text(t.done)
  return {
    started: started && started.length >= 2 ? { ms: Number(started[0]), node: started.slice(1).join(' ') } : undefined,
    attempts,
    error: text(t.error)?.trim() || undefined,
    doneMs: done === undefined ? undefined : Number(done.trim()) || Date.now(),
  }
}

export interface ImportTask {
  job: ClusterJob
  index: number
  submission: string
  store: Store
  events: EventSink
  /** Set when the task is over without having finished (its done file is missing). */
  end?: TaskEnd
}

/** The record of sweep point `index` from its task folder, committed to the store. */
export async function importTask(t: ImportTask): Promise<ExperimentRecord> {
  const { job, index } = t
  const dir = jobPaths(job.dir).task(t.submission, index)
  const material = readTask(dir)
  const node = material.started?.node ?? t.end?.node ?? 'unknown'
  const host = hostFromNode(jobPaths(job.dir).host(node), node)
  // the secret values, so that the logs of the task hide them as a local run's do
  const platform = taskPlatform(job, index)
  const run = { ...thawRun(withSecrets(platform.run, jobPaths(job.dir).secrets), t.store, t.events, host), emulation: nodeEmulation(host, platform.run) }
  const attemptsWanted = run.warmup + run.repeat
  const stop = stopOf(material, t.end, attemptsWanted)
  const scheduler: SchedulerProvenance = {
    kind: job.backend,
    cluster: job.cluster,
    jobId: t.submission,
    taskId: job.backend === 'slurm' ? `${t.submission}_${index}` : undefined,
    arrayIndex: index,
    node,
    partition: job.partition,
    cmcJob: job.id,
  }
  const lastMs = material.doneMs ?? material.attempts.at(-1)?.endMs ?? Date.now()
  return runPoint(run, platform.pointIndex, job.points[index].params, platform.pointCount, {
    container: replayContainer(dir, material, stop),
    startedAt: new Date(material.started?.ms ?? lastMs),
    ran: { endedAt: new Date(lastMs), scheduler, reason: stop?.reason },
  })
}

/**
 * Whether the node ran the image under emulation: its own architecture
 * against the image's (the submitter's engine says nothing about a node).
 * A node whose architecture is not known is not said to emulate.
 */
function nodeEmulation(host: HostFingerprint, run: FrozenRun): Emulation | undefined {
  const imageArch = dockerArch(run.plan.platform.dockerPlatform.split('/')[1] ?? '')
  const hostArch = dockerArch(host.arch === 'x64' ? 'amd64' : host.arch)
  if (!imageArch || host.arch === 'unknown' || imageArch === hostArch) return undefined
  return { hostArch, imageArch, interpreter: "the node's binfmt_misc (not visible from the submitting machine)" }
}

/** Why a task's containers stopped short: an error of its own, its scheduler, or fewer runs than asked for. */
function stopOf(m: TaskMaterial, end: TaskEnd | undefined, wanted: number): { status: RunStatus; reason: string } | undefined {
  if (m.error) return { status: 'failed', reason: m.error }
  if (m.doneMs === undefined) return schedulerStop(end)
  const last = m.attempts.at(-1)
  if (m.attempts.length < wanted && (!last || (last.exitCode === 0 && !last.timedOut)))
    return { status: 'failed', reason: `the task ran ${m.attempts.length} of ${wanted} containers` }
  return undefined
}

/** What a scheduler's end state makes of a task that did not finish. */
export function schedulerStop(end: TaskEnd | undefined): { status: RunStatus; reason: string } {
  const state = end?.state ?? 'UNKNOWN'
  const on = end?.node ? ` on ${end.node}` : ''
  const why = end?.reason && end.reason !== 'None' ? ` (${end.reason})` : ''
  if (state.startsWith('CANCELLED')) return { status: 'aborted', reason: `cancelled before it finished${on}` }
  if (state === 'TIMEOUT' || state === 'DEADLINE') return { status: 'timeout', reason: `the scheduler's time limit ended it${on} (--time)` }
  if (state === 'NODE_FAIL') return { status: 'failed', reason: `its node failed${on}${why}` }
  if (state === 'PREEMPTED') return { status: 'failed', reason: `preempted${on}${why}` }
  if (state === 'OUT_OF_MEMORY') return { status: 'failed', reason: `out of memory${on}` }
  return { status: 'failed', reason: `the task ended (${state})${on} without finishing its point${why}` }
}

/** The task's containers, one after another, as the files they left. */
function replayContainer(dir: string, m: TaskMaterial, stop: { status: RunStatus; reason: string } | undefined): ContainerRunner {
  const t = taskPaths(dir)
  return async (_run, _point, attempt, hooks): Promise<ContainerRun> => {
    streamFile(t.stdout(attempt), (chunk) => hooks.onOutput?.('stdout', chunk))
    streamFile(t.stderr(attempt), (chunk) => hooks.onOutput?.('stderr', chunk))
    const line = m.attempts.find((a) => a.attempt === attempt)
    if (!line) return { status: stop?.status ?? 'failed', exitCode: null, durationMs: 0, stdout: '', stderr: '' }
    hooks.onExit?.()
    const status = line.timedOut ? 'timeout' : line.exitCode === 0 ? 'ok' : 'failed'
    if (status !== 'timeout') await hooks.afterExit?.(folderOutputs(t.outputs(attempt)))
    return { status, exitCode: status === 'timeout' ? null : line.exitCode, durationMs: line.endMs - line.startMs, stdout: '', stderr: '' }
  }
}

/**
 * A task's outputs, as the engine would hand them over: a folder offered as a
 * volume read in place, or (from a pod log) a tar offered as the archive API's
 * stream; either way under the one extraction policy.
 */
function folderOutputs(dir: string): ContainerOutputs {
  const tar = `${dir}.tar`
  return {
    volumeDir: async () => (existsSync(dir) ? dir : undefined),
    archive: async () => (existsSync(tar) ? createReadStream(tar) : undefined),
  }
}

const CHUNK = 1 << 20

/** A log file in pieces, so that however large it is, it is never held whole. */
function streamFile(file: string, each: (chunk: Buffer) => void): void {
  if (!existsSync(file)) return
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(CHUNK)
    for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0;) each(Buffer.from(buf.subarray(0, n)))
  } finally {
    closeSync(fd)
  }
}

/** Node's names for architectures (what a local record's host.arch says). */
const NODE_ARCH: Record<string, string> = { x86_64: 'x64', amd64: 'x64', aarch64: 'arm64', ppc64le: 'ppc64', i686: 'ia32' }

/** The node's fingerprint from what its first task wrote; where that is missing, the node's name and nothing more. */
export function hostFromNode(dir: string, node: string): HostFingerprint {
  const read = (f: string) => {
    try {
      return readFileSync(path.join(dir, f), 'utf8')
    } catch {
      return ''
    }
  }
  const env = Object.fromEntries(
    read(HOST_FILES.env)
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>
  const json = (f: string) => {
    try {
      return JSON.parse(read(f)) as Record<string, unknown>
    } catch {
      return {}
    }
  }
  const version = json(HOST_FILES.version)
  // `docker version` nests the daemon's /version under Server; `podman version` may not
  const server = (version.Server ?? version) as {
    Version?: string
    ApiVersion?: string
    Os?: string
    Arch?: string
    Components?: []
    Platform?: { Name: string }
  }
  const info = json(HOST_FILES.info) as { Runtimes?: Record<string, unknown>; OSType?: string; Architecture?: string }
  const gpus = read(HOST_FILES.gpus)
    .split('\n')
    .map((l) => /^Model:\s*(.+)/.exec(l)?.[1]?.trim())
    .filter((m): m is string => Boolean(m))
    .map((model) => ({ vendor: /ROCm/.test(model) ? 'amd' : 'nvidia', model }))
  return {
    hostname: env.hostname || node,
    os: env.os || 'unknown',
    kernel: env.kernel || 'unknown',
    arch: NODE_ARCH[env.arch] ?? (env.arch || 'unknown'),
    cpuModel: env.cpu || 'unknown',
    cores: Number(env.cores) || 0,
    memoryBytes: (Number(env.memkb) || 0) * 1024,
    gpus,
    docker: {
      name: server.Version ? engineName({ Components: server.Components, Platform: server.Platform } as Parameters<typeof engineName>[0]) : 'unknown',
      version: server.Version ?? 'unknown',
      apiVersion: server.ApiVersion ?? 'unknown',
      os: info.OSType ?? server.Os ?? 'unknown',
      arch: info.Architecture ?? server.Arch ?? 'unknown',
      runtimes: Object.keys(info.Runtimes ?? {}).sort(),
    },
  }
}
