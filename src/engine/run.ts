// One benchmark execution in a container: create (labelled, limited, inputs
// read-only, devices), attach, start, stream logs, wait with a timeout, let
// the caller collect outputs, and always remove the container — on success,
// failure, timeout and Ctrl-C alike.
import { accessSync, constants, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import type Docker from 'dockerode'
import { OutputsWriteError, safeCopy, safeExtract, type ExtractLimits, type ExtractResult } from '../collect/safeExtract.js'
import { CmcError } from '../errors.js'
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
  stdout: string
  stderr: string
}

export interface RunHooks {
  timeoutMs?: number
  signal?: AbortSignal
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void
  /** Called as soon as the container has exited, before outputs are collected. */
  onExit?: () => void
  /** Called after the container exited, before it is removed (collect outputs here). */
  afterExit?: (container: Docker.Container) => Promise<void>
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
  if (dir === '/' || spec.inputs.some((i) => { const c = mountPath(i.container); return c === dir || c.startsWith(`${dir}/`) })) return undefined
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
    throw new CmcError('input', 'CONTAINER_CREATE_FAILED', `cannot create the container: ${engineMessage(e)}`, { hint: 'check --cpus, --memory, --device and the benchmark\'s inputs' })
  }
}

export async function removeContainer(c: Docker.Container): Promise<void> {
  await c.remove({ force: true, v: true }).catch(() => {})
}

export async function runContainer(spec: ContainerSpec, hooks: RunHooks = {}): Promise<ContainerRun> {
  if (hooks.signal?.aborted) return { status: 'aborted', exitCode: null, durationMs: 0, stdout: '', stderr: '' }
  const docker = getDocker()
  const container = await createContainer(spec)
  const out: string[] = []
  const err: string[] = []
  const state: { status: ContainerRun['status'] } = { status: 'ok' }
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const onAbort = () => {
    state.status = 'aborted'
    container.kill().catch(() => {})
  }
  // listened for from here on: Ctrl-C while the container is attached or started counts too
  hooks.signal?.addEventListener('abort', onAbort, { once: true })
  let attached: Readable | undefined
  const waitAbort = new AbortController()
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable
    attached = stream
    const so = new PassThrough()
    const se = new PassThrough()
    so.on('data', (d: Buffer) => { const s = d.toString(); out.push(s); hooks.onOutput?.('stdout', s) })
    se.on('data', (d: Buffer) => { const s = d.toString(); err.push(s); hooks.onOutput?.('stderr', s) })
    docker.modem.demuxStream(stream, so, se)
    const ended = new Promise<void>((resolve) => stream.on('end', resolve).on('close', resolve).on('error', () => resolve()))
    // next-exit: the default (not-running) answers at once for a created container
    const waiting = container.wait({ condition: 'next-exit', abortSignal: waitAbort.signal })
    waiting.catch(() => {}) // rejected by the abort below, once the exit is known
    // aborted before it started (while it was created or attached): nothing ran, nothing to wait for
    if (hooks.signal?.aborted) return { status: 'aborted', exitCode: null, durationMs: Date.now() - started, stdout: '', stderr: '' }
    try {
      await container.start()
    } catch (e) {
      const msg = engineMessage(e)
      throw gpuStartError(msg) ?? new CmcError('run', 'CONTAINER_START_FAILED', `the container did not start: ${msg}`)
    }
    // a kill sent while the engine was still starting it found nothing running
    if (hooks.signal?.aborted) container.kill().catch(() => {})
    if (hooks.timeoutMs) {
      timer = setTimeout(() => {
        state.status = 'timeout'
        container.kill().catch(() => {})
      }, hooks.timeoutMs)
    }
    const res = await Promise.race([waiting as Promise<{ StatusCode: number }>, exitSeenByInspect(container, ended, waitAbort.signal)])
    waitAbort.abort() // a missed wait would otherwise keep this process alive
    hooks.onExit?.()
    // the log stream normally ends with the container; do not wait on it for long,
    // and never let that timer keep the process alive
    let grace: NodeJS.Timeout | undefined
    await Promise.race([ended, new Promise((r) => { grace = setTimeout(r, 2000) })])
    clearTimeout(grace)
    const durationMs = Date.now() - started
    if (state.status === 'ok' && res.StatusCode !== 0) state.status = 'failed'
    const status = state.status
    if (status === 'ok' || status === 'failed') await hooks.afterExit?.(container)
    return { status, exitCode: status === 'timeout' || status === 'aborted' ? null : res.StatusCode, durationMs, stdout: out.join(''), stderr: err.join('') }
  } catch (e) {
    if (isConnectionError(e)) throw noDaemonError(e)
    throw e
  } finally {
    clearTimeout(timer)
    hooks.signal?.removeEventListener('abort', onAbort)
    waitAbort.abort() // a wait left open would keep this process alive
    await removeContainer(container)
    attached?.destroy() // removing a container that never started does not end its attach stream
  }
}

/**
 * The exit code, from inspect, of a container whose wait the engine may have
 * missed: wait is asked before start, but an engine under load (50 runs at
 * once) can take the wait after the container has already exited, and a
 * next-exit wait then never answers. Once the output stream has ended the
 * container is looked at, once a second, until it is no longer running.
 * Stops looking once `answered` is aborted (the exit is known).
 */
export function exitSeenByInspect(c: Docker.Container, ended: Promise<void>, answered: AbortSignal): Promise<{ StatusCode: number }> {
  const done = () => answered.aborted
  return new Promise((resolve) => {
    const look = () => {
      if (done()) return
      c.inspect().then((info) => {
        if (done()) return
        if (!info.State.Running) resolve({ StatusCode: info.State.ExitCode })
        else setTimeout(look, 1000).unref()
      }, () => { if (!done()) setTimeout(look, 1000).unref() })
    }
    void ended.then(() => setTimeout(look, 1000).unref())
  })
}

/**
 * Where the outputs volume of a stopped container lies on this machine, when
 * this process can read it: a local engine, run by root or rootless. undefined
 * otherwise (a remote engine, Docker Desktop's VM, a user outside the docker
 * data root), and when CMC_COLLECT=archive asks for the archive API.
 */
export async function outputsVolumeDir(c: Docker.Container, dir: string): Promise<string | undefined> {
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

export interface CollectedOutputs extends ExtractResult {
  via: 'volume' | 'archive'
}

/**
 * A stopped container's outputs into `dest`, under safeExtract's rules.
 * Read in place from the outputs volume when it is on this machine (no
 * engine round trip: dockerd 20.10's archive API re-executes itself for a
 * chrooted tar, ~130 ms a call); else, or when reading it here fails (a file
 * of another uid), through the archive API.
 */
export async function collectOutputs(c: Docker.Container, dir: string, dest: string, limits: Omit<ExtractLimits, 'stripFirst'>): Promise<CollectedOutputs | undefined> {
  const local = await outputsVolumeDir(c, dir)
  if (local) {
    try {
      return { ...(await safeCopy(local, dest, limits)), via: 'volume' }
    } catch (e) {
      // writing the record failed: the archive would fail the same way
      if (e instanceof OutputsWriteError) throw writeFailed(e, dest)
      // anything else is reading the volume here (a file of another uid, a name
      // too long for this process): start again from the engine's own copy
      rmSync(dest, { recursive: true, force: true })
    }
  }
  const tar = await containerArchive(c, dir)
  if (!tar) return undefined
  try {
    return { ...(await safeExtract(tar, dest, { ...limits, stripFirst: true })), via: 'archive' }
  } catch (e) {
    throw e instanceof OutputsWriteError ? writeFailed(e, dest) : e
  }
}

function writeFailed(e: OutputsWriteError, dest: string): CmcError {
  return new CmcError('store', 'OUTPUTS_NOT_WRITTEN', e.message, {
    details: [`into ${dest}`],
    hint: 'free space in the store (or point --store elsewhere) and run again; the run was not recorded',
  })
}

/** The outputs folder of a stopped container as a tar stream (archive API). */
export async function containerArchive(c: Docker.Container, dir: string): Promise<Readable | undefined> {
  try {
    return (await c.getArchive({ path: dir })) as unknown as Readable
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}
