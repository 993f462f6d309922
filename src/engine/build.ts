// Building an image through the Engine API (POST /build): BuildKit
// (version=2, progress decoded from moby.buildkit.trace) or the classic
// builder (progress from "Step N/M" lines). Emits one event per step; a failed
// step becomes a CmcError with the step and the tail of its log. Only a
// successful build is tagged.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { decodeStatusResponse } from './buildkitTrace.js'
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

const TAIL = 40

export async function engineBuild(opts: EngineBuildOptions): Promise<EngineBuildResult> {
  const docker = getDocker()
  const events = opts.events ?? (() => {})
  const tar = contextTar(opts.dockerfile, opts.files)
  let stream: NodeJS.ReadableStream
  try {
    stream = await (docker.buildImage as unknown as (f: unknown, o: unknown) => Promise<NodeJS.ReadableStream>)(tar, {
      t: opts.tag,
      platform: opts.platform,
      buildargs: opts.buildArgs ?? {},
      labels: opts.labels ?? {},
      nocache: opts.noCache ?? false,
      pull: false as unknown as string,
      rm: true,
      forcerm: true,
      abortSignal: opts.signal,
      ...(opts.builder === 'buildkit' ? { version: '2' } : { version: '1' }),
    })
  } catch (e) {
    if (opts.signal?.aborted) throw new CmcError('aborted', 'ABORTED', 'build interrupted')
    if (isConnectionError(e)) throw noDaemonError(e)
    throw new CmcError('build', 'BUILD_REQUEST_FAILED', `the engine refused the build: ${(e as Error).message}`)
  }

  // Step bookkeeping for both builders.
  const vertexes = new Map<string, { name: string; started?: number; done: boolean; cached: boolean; ms?: number; logs: string[] }>()
  const classicSteps: Array<{ name: string; cached: boolean; start: number; ms?: number; logs: string[] }> = []
  let imageId: string | undefined
  let failure: string | undefined
  let failedStep: { name: string; logs: string[] } | undefined

  const onMessage = (m: BuildMessage) => {
    if (m.error || m.errorDetail) {
      failure = m.errorDetail?.message ?? m.error
      return
    }
    if (m.id === 'moby.buildkit.trace' && typeof m.aux === 'string') {
      const st = decodeStatusResponse(m.aux)
      for (const v of st.vertexes) {
        const cur = vertexes.get(v.digest) ?? { name: v.name, done: false, cached: false, logs: [] }
        vertexes.set(v.digest, cur)
        if (v.name) cur.name = v.name
        if (v.started && !cur.started) {
          cur.started = v.started
          if (!v.cached) events({ type: 'step', id: v.digest, name: cur.name, status: 'started' })
        }
        if ((v.completed || v.cached) && !cur.done) {
          cur.done = true
          cur.cached = v.cached
          cur.ms = v.completed && v.started ? v.completed - v.started : undefined
          if (v.error) {
            failedStep = { name: cur.name, logs: cur.logs }
            events({ type: 'step', id: v.digest, name: cur.name, status: 'failed', elapsedMs: cur.ms })
          } else if (!cur.name.startsWith('[internal]')) {
            events({ type: 'step', id: v.digest, name: cur.name, status: v.cached ? 'cached' : 'done', elapsedMs: cur.ms })
          }
        }
        if (v.error && !failedStep) failedStep = { name: cur.name, logs: cur.logs }
      }
      for (const l of st.logs) {
        const cur = vertexes.get(l.vertex)
        for (const line of l.msg.split('\n').filter((x) => x.trim())) {
          cur?.logs.push(line)
          if (cur && cur.logs.length > TAIL) cur.logs.shift()
          events({ type: 'step-log', id: l.vertex, line })
        }
      }
      return
    }
    if (m.id === 'moby.image.id') {
      imageId = (m.aux as { ID?: string })?.ID
      return
    }
    if (m.aux && typeof m.aux === 'object' && (m.aux as { ID?: string }).ID) {
      imageId = (m.aux as { ID: string }).ID
      return
    }
    if (typeof m.stream === 'string') {
      for (const line of m.stream.split('\n')) {
        const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line)
        const last = classicSteps[classicSteps.length - 1]
        if (step) {
          if (last && last.ms === undefined) {
            last.ms = Date.now() - last.start
            events({ type: 'step', id: `step-${classicSteps.length}`, name: last.name, status: last.cached ? 'cached' : 'done', elapsedMs: last.ms })
          }
          classicSteps.push({ name: `[${step[1]}/${step[2]}] ${step[3]}`, cached: false, start: Date.now(), logs: [] })
          events({ type: 'step', id: `step-${classicSteps.length}`, name: classicSteps[classicSteps.length - 1].name, status: 'started' })
        } else if (/^ ---> Using cache/.test(line) && last) last.cached = true
        else if (line.trim() && last && !/^ ---> [0-9a-f]+$|^Removing intermediate container/.test(line)) {
          last.logs.push(line)
          if (last.logs.length > TAIL) last.logs.shift()
          events({ type: 'step-log', id: `step-${classicSteps.length}`, line })
        }
      }
    }
  }

  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()), onMessage)
      opts.signal?.addEventListener('abort', () => {
        ;(stream as unknown as { destroy?: () => void }).destroy?.()
        reject(new CmcError('aborted', 'ABORTED', 'build interrupted'))
      }, { once: true })
    })
  } catch (e) {
    if (e instanceof CmcError) throw e
    if (opts.signal?.aborted) throw new CmcError('aborted', 'ABORTED', 'build interrupted')
    throw new CmcError('engine', 'DAEMON_LOST', `the connection to the Docker engine broke during the build (${(e as Error).message})`, {
      hint: 'check that dockerd is still running (`docker info`); nothing was tagged',
    })
  }

  if (failure) {
    const lastClassic = classicSteps[classicSteps.length - 1]
    const step = failedStep ?? (lastClassic ? { name: lastClassic.name, logs: lastClassic.logs } : undefined)
    if (lastClassic && !failedStep) events({ type: 'step', id: `step-${classicSteps.length}`, name: lastClassic.name, status: 'failed' })
    throw new CmcError('build', 'BUILD_FAILED', `build step failed: ${step?.name ?? '(unknown step)'}`, {
      details: [...(step?.logs ?? []).slice(-30), `error: ${failure.trim()}`],
      hint: 'fix the step in the artifact meta (see the log above); nothing was tagged',
      data: { step: step?.name, error: failure },
    })
  }
  if (!imageId) {
    throw new CmcError('engine', 'DAEMON_LOST', 'the build ended without an image (did the engine stop?)', { hint: 'check `docker info`; nothing was tagged' })
  }
  const steps = vertexes.size
    ? [...vertexes.values()].filter((v) => !v.name.startsWith('[internal]')).map((v) => ({ name: v.name, cached: v.cached, ms: v.ms }))
    : classicSteps.map((s) => ({ name: s.name, cached: s.cached, ms: s.ms }))
  return { imageId, steps }
}
