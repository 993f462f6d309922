// Building an image through the Engine API (POST /build): BuildKit
// (version=2, progress decoded from moby.buildkit.trace) or the classic
// builder (progress from "Step N/M" lines). Emits one event per step; a failed
// step becomes a CmcError with the step and the tail of its log. Only a
// successful build is tagged.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { decodeStatusResponse, type TraceVertex } from './buildkitTrace.js'
import { contextTar, type ContextFile } from './context.js'
import { getDocker, isConnectionError, noDaemonError } from './docker.js'

export interface EngineBuildOptions {
  dockerfile: string
  files: ContextFile[]
  tag: string
  platform: string
  builder: 'buildkit' | 'classic'
  buildArgs?: Record<string, string>
  labels?: Record<string, string>
  noCache?: boolean
  events?: EventSink
  signal?: AbortSignal
}

export interface EngineBuildResult {
  imageId: string
  steps: Array<{ name: string; cached: boolean; ms?: number }>
}

interface BuildMessage {
  stream?: string
  id?: string
  aux?: unknown
  error?: string
  errorDetail?: { message?: string }
}

/** Log lines kept per step: a failed step prints the last of them. */
const TAIL = 40

/** A BuildKit vertex (one step) as the trace has shown it so far. */
interface Vertex {
  name: string
  started?: number
  done: boolean
  cached: boolean
  ms?: number
  logs: string[]
}

/** A classic builder step, from its "Step N/M" line to the next one. */
interface ClassicStep {
  name: string
  cached: boolean
  start: number
  ms?: number
  logs: string[]
}

/** What the progress stream has said so far, whichever builder sent it. */
interface BuildProgress {
  events: EventSink
  vertexes: Map<string, Vertex>
  classicSteps: ClassicStep[]
  imageId?: string
  failure?: string
  failedStep?: { name: string; logs: string[] }
}

export async function engineBuild(opts: EngineBuildOptions): Promise<EngineBuildResult> {
  const stream = await requestBuild(opts)
  const progress: BuildProgress = { events: opts.events ?? (() => {}), vertexes: new Map(), classicSteps: [] }
  await followBuild(stream, (message) => onBuildMessage(progress, message), opts.signal)
  if (progress.failure) throw buildFailed(progress, progress.failure)
  if (!progress.imageId) {
    throw new CmcError('DAEMON_LOST', 'the build ended without an image (did the engine stop?)', { hint: 'check `docker info`; nothing was tagged' })
  }
  return { imageId: progress.imageId, steps: builtSteps(progress) }
}

const buildInterrupted = () => new CmcError('ABORTED', 'build interrupted')

/** Sends the context with the build options; the answer is the progress stream, a refusal a CmcError. */
async function requestBuild(opts: EngineBuildOptions): Promise<NodeJS.ReadableStream> {
  const docker = getDocker()
  const tar = contextTar(opts.dockerfile, opts.files)
  // @types/dockerode wants a file name or folder for the context; dockerode takes a stream as well
  const buildImage = docker.buildImage.bind(docker) as unknown as (context: unknown, options: unknown) => Promise<NodeJS.ReadableStream>
  try {
    return await buildImage(tar, {
      t: opts.tag,
      platform: opts.platform,
      buildargs: opts.buildArgs ?? {},
      labels: opts.labels ?? {},
      nocache: opts.noCache ?? false,
      pull: false,
      rm: true,
      forcerm: true,
      abortSignal: opts.signal,
      version: opts.builder === 'buildkit' ? '2' : '1',
    })
  } catch (error) {
    if (opts.signal?.aborted) throw buildInterrupted()
    if (isConnectionError(error)) throw noDaemonError(error)
    // a BuildKit build opens its session (POST /session) first; Podman's compat API has no such endpoint
    if (opts.builder === 'buildkit' && (error as { statusCode?: number }).statusCode === 404) {
      throw new CmcError('NO_BUILDKIT', 'this engine has no BuildKit endpoint (POST /session answered 404)', {
        hint: 'build with `--builder classic`, or `--builder auto`, which picks the classic builder on such an engine (Podman)',
      })
    }
    throw new CmcError('BUILD_REQUEST_FAILED', `the engine refused the build: ${(error as Error).message}`)
  }
}

/** Reads the progress stream to its end; Ctrl-C stops the build, a broken connection is DAEMON_LOST. */
async function followBuild(stream: NodeJS.ReadableStream, onMessage: (message: BuildMessage) => void, signal?: AbortSignal): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      getDocker().modem.followProgress(stream, (error) => (error ? reject(error) : resolve()), onMessage)
      signal?.addEventListener(
        'abort',
        () => {
          ;(stream as unknown as { destroy?: () => void }).destroy?.()
          reject(buildInterrupted())
        },
        { once: true },
      )
    })
  } catch (error) {
    if (error instanceof CmcError) throw error
    if (signal?.aborted) throw buildInterrupted()
    throw new CmcError('DAEMON_LOST', `the connection to the Docker engine broke during the build (${(error as Error).message})`, {
      hint: 'check that dockerd is still running (`docker info`); nothing was tagged',
    })
  }
}

/** One progress message: a failure, a BuildKit trace, the image id, or classic builder output. */
function onBuildMessage(progress: BuildProgress, message: BuildMessage): void {
  if (message.error || message.errorDetail) {
    progress.failure = message.errorDetail?.message ?? message.error
    return
  }
  if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
    onBuildKitTrace(progress, message.aux)
    return
  }
  if (message.id === 'moby.image.id') {
    progress.imageId = (message.aux as { ID?: string })?.ID
    return
  }
  if (message.aux && typeof message.aux === 'object' && (message.aux as { ID?: string }).ID) {
    progress.imageId = (message.aux as { ID: string }).ID
    return
  }
  if (typeof message.stream === 'string') onClassicOutput(progress, message.stream)
}

/** A BuildKit trace: vertex updates, then the log lines of each step. */
function onBuildKitTrace(progress: BuildProgress, aux: string): void {
  const status = decodeStatusResponse(aux)
  for (const update of status.vertexes) onVertexUpdate(progress, update)
  for (const log of status.logs) {
    const vertex = progress.vertexes.get(log.vertex)
    for (const line of log.msg.split('\n').filter((text) => text.trim())) {
      if (vertex) keepTail(vertex.logs, line)
      progress.events({ type: 'step-log', id: log.vertex, line })
    }
  }
}

/** A step started, finished, came from the cache or failed (the failed one is kept for the error). */
function onVertexUpdate(progress: BuildProgress, update: TraceVertex): void {
  const { events } = progress
  const vertex = progress.vertexes.get(update.digest) ?? { name: update.name, done: false, cached: false, logs: [] }
  progress.vertexes.set(update.digest, vertex)
  if (update.name) vertex.name = update.name
  if (update.started && !vertex.started) {
    vertex.started = update.started
    if (!update.cached) events({ type: 'step', id: update.digest, name: vertex.name, status: 'started' })
  }
  if ((update.completed || update.cached) && !vertex.done) {
    vertex.done = true
    vertex.cached = update.cached
    vertex.ms = update.completed && update.started ? update.completed - update.started : undefined
    if (update.error) {
      progress.failedStep = { name: vertex.name, logs: vertex.logs }
      events({ type: 'step', id: update.digest, name: vertex.name, status: 'failed', elapsedMs: vertex.ms })
    } else if (!vertex.name.startsWith('[internal]')) {
      events({ type: 'step', id: update.digest, name: vertex.name, status: update.cached ? 'cached' : 'done', elapsedMs: vertex.ms })
    }
  }
  if (update.error && !progress.failedStep) progress.failedStep = { name: vertex.name, logs: vertex.logs }
}

/**
 * Classic builder output: a step's header line ends the step before and
 * starts the next; other lines are its log. Buildah, behind Podman's API,
 * writes "--> Using cache" where Docker writes " ---> Using cache".
 */
function onClassicOutput(progress: BuildProgress, text: string): void {
  const { events, classicSteps } = progress
  const stepId = () => `step-${classicSteps.length}`
  for (const line of text.split('\n')) {
    const name = classicStepName(line)
    const current = classicSteps[classicSteps.length - 1]
    if (name) {
      if (current && current.ms === undefined) {
        current.ms = Date.now() - current.start
        events({ type: 'step', id: stepId(), name: current.name, status: current.cached ? 'cached' : 'done', elapsedMs: current.ms })
      }
      const next = { name, cached: false, start: Date.now(), logs: [] }
      classicSteps.push(next)
      events({ type: 'step', id: stepId(), name: next.name, status: 'started' })
    } else if (/^(?: ---|--)> Using cache/.test(line) && current) current.cached = true
    else if (line.trim() && current && !/^(?: ---|--)> [0-9a-f]+$|^Removing intermediate container/.test(line)) {
      keepTail(current.logs, line)
      events({ type: 'step-log', id: stepId(), line })
    }
  }
}

/**
 * The step a header line begins, named "[3/7] RUN ...": Docker's classic
 * builder writes "Step 3/7 : RUN ...", Buildah "STEP 3/7: RUN ...", and in a
 * multi-stage build "[2/2] STEP 3/7: ..." (steps counted per stage), named
 * "[stage 2/2, 3/7] RUN ...".
 */
function classicStepName(line: string): string | undefined {
  const docker = /^Step (\d+)\/(\d+) : (.*)$/.exec(line)
  if (docker) return `[${docker[1]}/${docker[2]}] ${docker[3]}`
  const buildah = /^(?:\[(\d+)\/(\d+)\] )?STEP (\d+)\/(\d+): (.*)$/.exec(line)
  if (buildah) return `[${buildah[1] ? `stage ${buildah[1]}/${buildah[2]}, ` : ''}${buildah[3]}/${buildah[4]}] ${buildah[5]}`
  return undefined
}

function keepTail(logs: string[], line: string): void {
  logs.push(line)
  if (logs.length > TAIL) logs.shift()
}

/** BUILD_FAILED naming the failed step (BuildKit says which; classic: the last one begun) with its log tail. */
function buildFailed(progress: BuildProgress, failure: string): CmcError {
  const { classicSteps } = progress
  const lastClassic = classicSteps[classicSteps.length - 1]
  const step = progress.failedStep ?? (lastClassic ? { name: lastClassic.name, logs: lastClassic.logs } : undefined)
  // the classic builder never says a step failed: the last one begun is marked so here
  if (lastClassic && !progress.failedStep) progress.events({ type: 'step', id: `step-${classicSteps.length}`, name: lastClassic.name, status: 'failed' })
  return new CmcError('BUILD_FAILED', `build step failed: ${step?.name ?? '(unknown step)'}`, {
    details: [...(step?.logs ?? []).slice(-30), `error: ${failure.trim()}`],
    hint: 'fix the step in the artifact meta (see the log above); nothing was tagged',
    data: { step: step?.name, error: failure },
  })
}

/** The steps of the result: BuildKit's vertexes less its [internal] ones, else the classic steps. */
function builtSteps(progress: BuildProgress): EngineBuildResult['steps'] {
  if (progress.vertexes.size) {
    return [...progress.vertexes.values()]
      .filter((vertex) => !vertex.name.startsWith('[internal]'))
      .map((vertex) => ({ name: vertex.name, cached: vertex.cached, ms: vertex.ms }))
  }
  return progress.classicSteps.map((step) => ({ name: step.name, cached: step.cached, ms: step.ms }))
}
