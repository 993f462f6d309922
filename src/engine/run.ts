// One benchmark execution in a container: create (labelled, limited, inputs
// read-only, devices), attach, start, stream logs, wait with a timeout, let
// the caller collect outputs, and always remove the container — on success,
// failure, timeout and Ctrl-C alike.
import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import { Writable, type Readable } from 'node:stream'
import type Docker from 'dockerode'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import type { DeviceHostConfig } from './devices.js'
import { gpuStartError } from './devices.js'
import { engineMessage, getDocker, isConnectionError, noDaemonError } from './docker.js'
import { MANAGED_LABEL, ownerLabels } from './gc.js'

export interface ContainerSpec {
  image: string
  /** Shell command line, run with sh -c. */
  command: string
  workdir: string
  env: Record<string, string>
  labels: Record<string, string>
  /** host path -> container path, mounted read-only */
  inputs: Array<{ host: string; container: string }>
  devices?: DeviceHostConfig
  nanoCpus?: number
  memoryBytes?: number
  /** Folder created (empty) before start so outputs always exist. */
  outputsDir?: string
}

export interface ContainerRun {
  status: 'ok' | 'failed' | 'timeout' | 'aborted'
  exitCode: number | null
  durationMs: number
  /** The last OUTPUT_TAIL_BYTES of each stream, for messages; all of it went to onOutput. */
  stdout: string
  stderr: string
}

/** How much of each stream a ContainerRun keeps itself: what a message quotes, never a log. */
export const OUTPUT_TAIL_BYTES = 64 * 1024

export interface RunHooks {
  timeoutMs?: number
  signal?: AbortSignal
  /**
   * Each piece of output as it arrives, in order. Nothing more is read while it
   * runs, so one that writes synchronously keeps memory flat however much the
   * container prints.
   */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
  /** Called as soon as the container has exited, before outputs are collected. */
  onExit?: () => void
  /** Called after the container exited, before it is removed, with its outputs folder (spec.outputsDir) to collect. */
  afterExit?: (outputs: ContainerOutputs) => Promise<void>
  /**
   * How long to wait for an engine that stops answering while the container
   * runs (dockerd killed, restarted) before giving up with DAEMON_LOST;
   * DEFAULT_ENGINE_WAIT_MS when not given.
   */
  engineWaitMs?: number
  /** Where the wait for a lost engine is said (as it starts, and as it ends). */
  events?: EventSink
}

/** What `cmc run --engine-wait` defaults to: long enough for a dockerd restart, short enough that a dead engine is said within minutes. */
export const DEFAULT_ENGINE_WAIT_MS = 120_000

/** The error a run gives up with when its engine does not come back. */
export function isEngineLost(e: unknown): e is CmcError {
  return e instanceof CmcError && e.code === 'DAEMON_LOST'
}

/**
 * A stopped container's outputs folder, the two ways the engine can hand it
 * over; src/collect decides which one is taken.
 */
export interface ContainerOutputs {
  /**
   * Where the outputs volume lies on this machine, when this process can read
   * it: a local engine, run by root or rootless. undefined otherwise (a remote
   * engine, Docker Desktop's VM, a user outside the docker data root), and when
   * CMC_COLLECT=archive asks for the archive API.
   */
  volumeDir(): Promise<string | undefined>
  /** The folder as a tar stream (archive API), under its own name; undefined when it does not exist. */
  archive(): Promise<Readable | undefined>
}

// which process made it, so that `cmc gc` can tell a leftover from a run still going
const owner = ownerLabels()

/** The outputs folder as the engine names a mount target: absolute, normalised. */
function mountPath(dir: string): string {
  return path.posix.normalize(dir).replace(/(.)\/+$/, '$1')
}

/**
 * Where the outputs volume goes: nowhere for a relative or root outputs folder,
 * nor when an input is mounted inside it (the archive API shows that input's
 * files, a volume read in place would not).
 */
function volumeTarget(spec: ContainerSpec): string | undefined {
  if (!spec.outputsDir || !spec.outputsDir.startsWith('/')) return undefined
  const dir = mountPath(spec.outputsDir)
  if (
    dir === '/' ||
    spec.inputs.some((i) => {
      const c = mountPath(i.container)
      return c === dir || c.startsWith(`${dir}/`)
    })
  )
    return undefined
  return dir
}

function outputsVolume(target: string, labels: Record<string, string>): Docker.MountSettings {
  // Source '' makes it anonymous; @types/dockerode wants every optional field of VolumeOptions
  const volume = { Type: 'volume', Source: '', Target: target, VolumeOptions: { Labels: { ...labels, [MANAGED_LABEL]: '1', ...owner } } }
  return volume as unknown as Docker.MountSettings
}

export function containerCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const cmd = spec.outputsDir ? `mkdir -p '${spec.outputsDir}' && ${spec.command}` : spec.command
  const target = volumeTarget(spec)
  return {
    Image: spec.image,
    Cmd: ['sh', '-c', cmd],
    WorkingDir: spec.workdir,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels, [MANAGED_LABEL]: '1', ...owner },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      Binds: spec.inputs.map((i) => `${i.host}:${i.container}:ro`),
      DeviceRequests: spec.devices?.DeviceRequests ?? [],
      Devices: spec.devices?.Devices ?? [],
      GroupAdd: spec.devices?.GroupAdd ?? [],
      NanoCpus: spec.nanoCpus ?? 0,
      Memory: spec.memoryBytes ?? 0,
      AutoRemove: false,
      // outputs in an anonymous volume: removed with the container (v=true), and
      // readable in place when the engine is local (see collectOutputs)
      Mounts: target ? [outputsVolume(target, spec.labels)] : [],
    } as Docker.HostConfig,
  }
}

export async function createContainer(spec: ContainerSpec): Promise<Docker.Container> {
  try {
    return await getDocker().createContainer(containerCreateOptions(spec))
  } catch (e) {
    if (isConnectionError(e)) throw noDaemonError(e)
    // the engine refuses what it was asked for: limits, devices, mounts (nothing ran, nothing is recorded)
    throw new CmcError('CONTAINER_CREATE_FAILED', `cannot create the container: ${engineMessage(e)}`, {
      hint: "check --cpus, --memory, --device and the benchmark's inputs",
    })
  }
}

export async function removeContainer(c: Docker.Container): Promise<void> {
  await c.remove({ force: true, v: true }).catch(() => {})
}

/** One container, from creation to removal, whatever happens between. */
export async function runContainer(spec: ContainerSpec, hooks: RunHooks = {}): Promise<ContainerRun> {
  if (hooks.signal?.aborted) return notStarted(0)
  const docker = getDocker()
  const container = await createContainer(spec)
  const started = Date.now()
  const stops = watchForStops(container, hooks)
  const exitKnown = new AbortController()
  let attached: Readable | undefined
  try {
    // Podman makes the container's process (runc create) when it is attached: one it cannot start fails here
    attached = (await container.attach({ stream: true, stdout: true, stderr: true }).catch((e: unknown) => {
      throw startError(e)
    })) as unknown as Readable
    const output = demuxOutput(docker, attached, hooks.onOutput)
    const waiting = waitForExit(container, exitKnown.signal)
    // aborted before it started (while it was created or attached): nothing ran, nothing to wait for
    if (hooks.signal?.aborted) return notStarted(Date.now() - started)
    await startContainer(container, hooks.signal)
    stops.startTimeout()
    const exit = await exitStatus(container, waiting, output.ended, exitKnown, engineWatch(hooks, started))
    hooks.onExit?.()
    await outputEnd(output.ended)
    const durationMs = Date.now() - started
    const status = stops.stoppedBy ?? (exit.StatusCode === 0 ? 'ok' : 'failed')
    if (status === 'ok' || status === 'failed') await hooks.afterExit?.(containerOutputs(container, spec.outputsDir))
    return {
      status,
      exitCode: status === 'timeout' || status === 'aborted' ? null : exit.StatusCode,
      durationMs,
      stdout: output.stdout(),
      stderr: output.stderr(),
    }
  } catch (e) {
    if (isConnectionError(e)) throw noDaemonError(e)
    throw e
  } finally {
    stops.dispose()
    exitKnown.abort() // a wait left open would keep this process alive
    await removeContainer(container)
    attached?.destroy() // removing a container that never started does not end its attach stream
  }
}

/** A run stopped by Ctrl-C before its container started. */
function notStarted(durationMs: number): ContainerRun {
  return { status: 'aborted', exitCode: null, durationMs, stdout: '', stderr: '' }
}

/**
 * Ctrl-C and the timeout both kill the container; the one that did is what the
 * run reports. Ctrl-C is listened for from creation on, so that one pressed
 * while the container is attached or started counts too.
 */
function watchForStops(container: Docker.Container, hooks: RunHooks) {
  let stoppedBy: 'timeout' | 'aborted' | undefined
  let timer: NodeJS.Timeout | undefined
  const stop = (why: 'timeout' | 'aborted') => {
    stoppedBy = why
    container.kill().catch(() => {})
  }
  const onAbort = () => stop('aborted')
  hooks.signal?.addEventListener('abort', onAbort, { once: true })
  return {
    get stoppedBy() {
      return stoppedBy
    },
    /** The timeout counts from the start. */
    startTimeout() {
      if (hooks.timeoutMs) timer = setTimeout(() => stop('timeout'), hooks.timeoutMs)
    },
    dispose() {
      clearTimeout(timer)
      hooks.signal?.removeEventListener('abort', onAbort)
    },
  }
}

interface ContainerOutput {
  /** Settles when the attach stream ends, closes or fails. */
  ended: Promise<void>
  stdout(): string
  stderr(): string
}

/** The attach stream split into stdout and stderr, each passed on as it comes; only their tails are kept. */
function demuxOutput(docker: Docker, stream: Readable, onOutput: RunHooks['onOutput']): ContainerOutput {
  const tails = { stdout: new OutputTail(), stderr: new OutputTail() }
  // a Writable calls write() at once while nothing is pending, so each frame is
  // handled before the demuxer reads the next one
  const sink = (name: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        tails[name].add(chunk)
        try {
          onOutput?.(name, chunk)
        } finally {
          done()
        }
      },
    })
  docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'))
  const ended = new Promise<void>((resolve) =>
    stream
      .on('end', resolve)
      .on('close', resolve)
      .on('error', () => resolve()),
  )
  return { ended, stdout: () => tails.stdout.text(), stderr: () => tails.stderr.text() }
}

/** The last OUTPUT_TAIL_BYTES of a stream, copied round a ring (a chunk kept by reference would keep the buffer it is cut from). */
class OutputTail {
  private readonly ring = Buffer.alloc(OUTPUT_TAIL_BYTES)
  private bytes = 0

  add(chunk: Buffer): void {
    const data = chunk.subarray(-OUTPUT_TAIL_BYTES)
    this.bytes += chunk.length - data.length
    for (let off = 0; off < data.length;) {
      const at = this.bytes % OUTPUT_TAIL_BYTES
      const n = data.copy(this.ring, at, off, Math.min(data.length, off + OUTPUT_TAIL_BYTES - at))
      off += n
      this.bytes += n
    }
  }

  text(): string {
    if (this.bytes <= OUTPUT_TAIL_BYTES) return this.ring.subarray(0, this.bytes).toString()
    const at = this.bytes % OUTPUT_TAIL_BYTES
    return Buffer.concat([this.ring.subarray(at), this.ring.subarray(0, at)]).toString()
  }
}

/** The engine's wait, asked before start so that an exit right after it is not missed. */
function waitForExit(container: Docker.Container, answered: AbortSignal): Promise<{ StatusCode: number }> {
  // next-exit: the default (not-running) answers at once for a created container
  const waiting = container.wait({ condition: 'next-exit', abortSignal: answered }) as Promise<{ StatusCode: number }>
  waiting.catch(() => {}) // rejected by the abort once the exit is known
  return waiting
}

/** Starts the container; what the engine refuses becomes a user's error (a GPU runtime missing: what to install). */
async function startContainer(container: Docker.Container, signal: AbortSignal | undefined): Promise<void> {
  try {
    await container.start()
  } catch (e) {
    throw startError(e)
  }
  // a kill sent while the engine was still starting it found nothing running
  if (signal?.aborted) container.kill().catch(() => {})
}

/** The engine could not start the container: in its own words (less docker-modem's prefix), with what to check. */
function startError(e: unknown): Error {
  if (isConnectionError(e)) return noDaemonError(e)
  const msg = engineMessage(e)
    .replace(/^\(HTTP code \d+\) [\w ]+ - /, '')
    .trim()
  return (
    gpuStartError(msg) ??
    new CmcError('CONTAINER_START_FAILED', `the container did not start: ${msg}`, {
      hint: "the engine's message says why: check the benchmark's workdir, command and inputs, --cpus, --memory and --device; for Podman also its containers.conf (where limits cannot be raised: default_ulimits = [], as scripts/setup-podman.sh writes)",
    })
  )
}

/**
 * The exit code from the engine's wait, or from inspect when the engine took
 * that wait too late, or lost it: a wait cut by a dying engine is left to
 * inspect, which waits for the engine to come back (EngineWatch).
 */
async function exitStatus(
  container: Docker.Container,
  waiting: Promise<{ StatusCode: number }>,
  ended: Promise<void>,
  exitKnown: AbortController,
  watch: EngineWatch = {},
): Promise<{ StatusCode: number }> {
  const kept = waiting.catch((e: unknown) => (isConnectionError(e) ? new Promise<never>(() => {}) : Promise.reject(e)))
  try {
    return await Promise.race([kept, exitSeenByInspect(container, ended, exitKnown.signal, watch)])
  } finally {
    exitKnown.abort() // a missed wait would otherwise keep this process alive
  }
}

/** How inspect treats an engine that stops answering: how long it waits, where it says so, and Ctrl-C. */
interface EngineWatch {
  waitMs?: number
  events?: EventSink
  signal?: AbortSignal
  /** when the container started: the message says how far into the run the engine went */
  started?: number
}

function engineWatch(hooks: RunHooks, started: number): EngineWatch {
  return { waitMs: hooks.engineWaitMs ?? DEFAULT_ENGINE_WAIT_MS, events: hooks.events, signal: hooks.signal, started }
}

/** The log stream normally ends with the container: waited on briefly, by a timer that never keeps the process alive. */
async function outputEnd(ended: Promise<void>): Promise<void> {
  let grace: NodeJS.Timeout | undefined
  await Promise.race([
    ended,
    new Promise((r) => {
      grace = setTimeout(r, 2000)
    }),
  ])
  clearTimeout(grace)
}

/**
 * The exit code, from inspect, of a container whose wait the engine may have
 * missed: wait is asked before start, but an engine under load (50 runs at
 * once) can take the wait after the container has already exited, and a
 * next-exit wait then never answers. Once the output stream has ended the
 * container is looked at, once a second, until it is no longer running.
 * Stops looking once `answered` is aborted (the exit is known).
 */
export function exitSeenByInspect(c: Docker.Container, ended: Promise<void>, answered: AbortSignal, watch: EngineWatch = {}): Promise<{ StatusCode: number }> {
  const done = () => answered.aborted
  return new Promise((resolve, reject) => {
    let lostSince: number | undefined
    // a timer of its own: the one a Ctrl-C or a given-up wait ends
    let timer: NodeJS.Timeout | undefined
    const again = () => {
      timer = setTimeout(look, 1000)
      if (lostSince === undefined) timer.unref()
    }
    const look = () => {
      if (done()) return
      if (watch.signal?.aborted && lostSince !== undefined) return resolve({ StatusCode: 137 }) // Ctrl-C while waiting: the run is aborted
      c.inspect().then(
        (info) => {
          if (lostSince !== undefined) engineBack(watch, lostSince)
          lostSince = undefined
          if (done()) return
          if (!info.State.Running) resolve({ StatusCode: info.State.ExitCode })
          else again()
        },
        (e: unknown) => {
          if (done()) return
          // the engine restarted without the container: it is gone with its exit code
          if ((e as { statusCode?: number }).statusCode === 404) return reject(containerLost(watch))
          if (isConnectionError(e)) {
            if (lostSince === undefined) lostSince = engineLost(watch, e)
            else if (Date.now() - lostSince >= (watch.waitMs ?? DEFAULT_ENGINE_WAIT_MS)) return reject(engineGone(watch, lostSince))
          }
          again()
        },
      )
    }
    void ended.then(() => {
      if (!done()) again()
    })
    answered.addEventListener('abort', () => clearTimeout(timer), { once: true })
    watch.signal?.addEventListener(
      'abort',
      () => {
        if (lostSince === undefined) return // the kill reaches the container; its exit is seen as usual
        clearTimeout(timer)
        look()
      },
      // removed once the exit is known: a run's containers share the one signal
      { once: true, signal: answered },
    )
  })
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`

/** Said at once: the engine stopped answering, cmc waits for it, and how to stop waiting. */
function engineLost(watch: EngineWatch, e: unknown): number {
  const now = Date.now()
  const into = watch.started ? ` ${seconds(now - watch.started)} into the run` : ''
  watch.events?.({
    type: 'log',
    level: 'warn',
    message: `the engine stopped answering${into} (${(e as Error).message}); waiting up to ${seconds(watch.waitMs ?? DEFAULT_ENGINE_WAIT_MS)} for it to come back (Ctrl-C stops)`,
  })
  return now
}

function engineBack(watch: EngineWatch, since: number): void {
  watch.events?.({ type: 'log', level: 'info', message: `the engine answers again after ${seconds(Date.now() - since)}; the run goes on` })
}

function engineGone(watch: EngineWatch, since: number): CmcError {
  const waited = seconds(Date.now() - since)
  return new CmcError('DAEMON_LOST', `the engine stopped answering during the run and did not come back within ${waited}`, {
    hint: 'start it again (`sudo bash scripts/setup-engine.sh`, or `sudo dockerd &`) and run again; `cmc gc` removes the container it left; --engine-wait SECONDS waits longer',
    data: { waitedMs: Date.now() - since },
  })
}

function containerLost(watch: EngineWatch): CmcError {
  return new CmcError('DAEMON_LOST', 'the engine came back without the container: its exit code is lost', {
    hint: 'the engine was restarted and dropped the container; run again',
    data: { startedAt: watch.started },
  })
}

/** The outputs folder `dir` of a stopped container, both ways (neither, without one). */
function containerOutputs(c: Docker.Container, dir: string | undefined): ContainerOutputs {
  return {
    volumeDir: async () => (dir === undefined ? undefined : outputsVolumeDir(c, dir)),
    archive: async () => (dir === undefined ? undefined : containerArchive(c, dir)),
  }
}

/** See ContainerOutputs.volumeDir. */
async function outputsVolumeDir(c: Docker.Container, dir: string): Promise<string | undefined> {
  if (process.env.CMC_COLLECT === 'archive') return undefined
  const info = await c.inspect()
  const m = info.Mounts?.find((x) => x.Type === 'volume' && x.Destination === mountPath(dir))
  if (!m?.Source) return undefined
  try {
    if (!statSync(m.Source).isDirectory()) return undefined
    accessSync(m.Source, constants.R_OK | constants.X_OK)
    return m.Source
  } catch {
    return undefined
  }
}

/** The outputs folder of a stopped container as a tar stream (archive API). */
async function containerArchive(c: Docker.Container, dir: string): Promise<Readable | undefined> {
  try {
    return (await c.getArchive({ path: dir })) as unknown as Readable
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}
