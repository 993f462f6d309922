// `cmc build` end to end: index -> resolve -> compile -> bases -> content tag
// -> (skip when that tag exists: no request reaches the daemon) -> engine
// build -> tags. Returns plain data for the CLI, `cmc run` and tests.
import { createHash } from 'node:crypto'
import { compileMemo } from '../compile/memo.js'
import type { CompiledImage } from '../compile/types.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { resolveBase, type ResolvedBase } from '../engine/baseImages.js'
import { contextHash, listContextFiles } from '../engine/context.js'
import { engineVersion, pingEngine } from '../engine/docker.js'
import { imageInfo, tagImage, type ImageInfo } from '../engine/images.js'
import { autoBuilder } from '../engine/info.js'
import { engineBuilder } from '../lazy.js'
import { loadIndex, type ArtifactIndex } from '../repos/index.js'
import type { BuildPlan } from '../resolve/plan.js'
import { resolvePlan } from '../resolve/resolvePlan.js'

export type BuilderChoice = 'auto' | 'buildkit' | 'classic'

/** How a plan is built, whoever resolved it. */
export interface BuildSettings {
  builder?: BuilderChoice
  noCache?: boolean
  events?: EventSink
  signal?: AbortSignal
}

export interface BuildOptions extends BuildSettings {
  target: string
  platform: string
  extraRepos?: string[]
  env?: Record<string, string>
  /** Reuse an index the caller already loaded. */
  index?: ArtifactIndex
}

export interface BuiltImage {
  /** Content tag: cmc/<target>:<platform>-<hash12>. */
  ref: string
  /** Moving tag: cmc/<target>:<platform>. */
  latest: string
  id: string
  digest?: string
  /** every registry digest the engine knows for the image */
  repoDigests?: string[]
  /** the image's architecture, as the engine reports it */
  arch: string
  cached: boolean
  platform: string
  dockerPlatform: string
  builder: 'buildkit' | 'classic'
  planHash: string
  contextHash: string
  bases: { build: string; runtime: string }
  durationMs: number
  steps: Array<{ name: string; cached: boolean; ms?: number }>
  plan: BuildPlan
  compiled: CompiledImage
}

export function contentTag(plan: BuildPlan, parts: string[]): { ref: string; latest: string } {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12)
  const repo = `cmc/${plan.target.alias}`
  return { ref: `${repo}:${plan.platform.name}-${h}`, latest: `${repo}:${plan.platform.name}` }
}

/** `cmc build`: the plan of `target` on `platform`, resolved, then built (or found up to date). */
export async function buildImage(opts: BuildOptions): Promise<BuiltImage> {
  const started = Date.now()
  const events = opts.events ?? (() => {})
  const index = opts.index ?? (await loadIndex({ extraRepos: opts.extraRepos, events, target: opts.target }))
  const plan = resolvePlan(index, opts.target, { platform: opts.platform, env: opts.env })
  return buildFromPlan(plan, opts, started)
}

/**
 * The image of a plan the caller resolved (`cmc run` resolves it once, for the
 * image and the container alike): reused when its content tag exists, else
 * built by the engine and tagged. `started` is when durationMs counts from.
 */
export async function buildFromPlan(plan: BuildPlan, opts: BuildSettings, started = Date.now()): Promise<BuiltImage> {
  const events = opts.events ?? (() => {})
  // auto: BuildKit, or the classic builder where the engine has none (Podman)
  const builder: 'buildkit' | 'classic' = opts.builder === 'classic' || opts.builder === 'buildkit' ? opts.builder : await autoBuilder()
  const compiled = await compileForEngine(plan, builder, events)
  const files = listContextFiles(compiled.context)
  const ctxHash = contextHash(compiled.dockerfile, files)
  const bases = await baseImages(compiled, events)
  // Base image ids are part of the tag: a re-bootstrapped base rebuilds.
  const { ref, latest } = contentTag(plan, [plan.hash, ctxHash, builder, bases.build?.id ?? '', bases.runtime.id])
  const common = {
    ref,
    latest,
    platform: plan.platform.name,
    dockerPlatform: compiled.platform,
    builder,
    planHash: plan.hash,
    contextHash: ctxHash,
    plan,
    compiled,
    bases: { build: bases.build?.ref ?? '', runtime: bases.runtime.ref },
  }
  const existing = opts.noCache ? undefined : await upToDate(ref, latest, events)
  if (existing)
    return {
      ...common,
      id: existing.id,
      digest: existing.digest,
      repoDigests: existing.repoDigests,
      arch: existing.arch,
      cached: true,
      durationMs: Date.now() - started,
      steps: [],
    }
  events({ type: 'phase', name: `build ${plan.target.alias} for ${plan.platform.name} (${builder})`, status: 'started' })
  const res = await (
    await engineBuilder()
  ).engineBuild({
    dockerfile: compiled.dockerfile,
    files,
    tag: ref,
    platform: compiled.platform,
    builder,
    buildArgs: buildArgs(bases, ctxHash),
    // Labels are all in the Dockerfile's one LABEL step: the classic builder turns
    // every label passed through the API into a step of its own (a commit each).
    noCache: opts.noCache,
    events,
    signal: opts.signal,
  })
  const info = await taggedImage(ref, latest, res.imageId)
  events({ type: 'phase', name: `built ${ref}`, status: 'done' })
  return {
    ...common,
    id: info.id,
    digest: info.digest,
    repoDigests: info.repoDigests,
    arch: info.arch,
    cached: false,
    durationMs: Date.now() - started,
    steps: res.steps,
  }
}

/** The plan compiled for the engine's own arch (it may be remote): build stages may cross-compile from it. */
async function compileForEngine(plan: BuildPlan, builder: 'buildkit' | 'classic', events: EventSink): Promise<CompiledImage> {
  const [, engineArch] = await Promise.all([
    pingEngine(),
    engineVersion().then(
      (v) => v.Arch,
      () => undefined,
    ),
  ])
  const buildArch = engineArch === 'amd64' || engineArch === 'arm64' ? engineArch : undefined
  const compiled = await compileMemo(plan, { builder, buildArch })
  if (compiled.crossBuild)
    events({
      type: 'log',
      level: 'info',
      message: `build stage cross-compiles on ${compiled.buildPlatform} for ${compiled.platform} (no emulation for the toolchain)`,
    })
  return compiled
}

type Bases = { build?: ResolvedBase; runtime: ResolvedBase }

/** The base images on this engine: the build stage's only when there is one. */
async function baseImages(compiled: CompiledImage, events: EventSink): Promise<Bases> {
  const [build, runtime] = await Promise.all([
    compiled.stages.includes('build') ? resolveBase(compiled.bases.build, compiled.buildPlatform, { events }) : undefined,
    resolveBase(compiled.bases.runtime, compiled.platform, { events }),
  ])
  return { build, runtime }
}

/**
 * The image already tagged `ref` (moving `latest` onto it): nothing is sent to
 * the engine. The tag is asked beside the lookup, not after it: where `ref` is
 * missing the engine refuses it and nothing moves.
 */
async function upToDate(ref: string, latest: string, events: EventSink): Promise<ImageInfo | undefined> {
  const [existing, tagFailure] = await Promise.all([
    imageInfo(ref),
    tagImage(ref, latest).then(
      () => undefined,
      (e: unknown) => e,
    ),
  ])
  if (!existing) return undefined
  events({ type: 'log', level: 'info', message: `${ref} is up to date (nothing sent to the engine)` })
  if (tagFailure) throw tagFailure
  return existing
}

/** What the Dockerfile's FROM lines and its context-hash label are given. */
function buildArgs(bases: Bases, ctxHash: string): Record<string, string> {
  const args: Record<string, string> = { CMC_BASE_RUNTIME: bases.runtime.ref, CMC_CONTEXT_HASH: ctxHash }
  if (bases.build) args.CMC_BASE_BUILD = bases.build.ref
  return args
}

/** The image the engine just built, found under its tag and tagged `latest` too. */
async function taggedImage(ref: string, latest: string, imageId: string): Promise<ImageInfo> {
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('BUILD_UNTAGGED', `the engine reported image ${imageId} but ${ref} is missing`)
  await tagImage(ref, latest)
  return info
}

/** One platform of a `cmc build` over several: built, found up to date, or failed and why. */
export type PlatformBuild =
  { platform: string; status: 'built' | 'cached'; image: BuiltImage } | { platform: string; status: 'failed'; error: CmcError; durationMs: number }

/**
 * Several platforms of one target, each built whatever became of the others
 * (a base image missing for one, a step failing on another). BuildKit runs
 * independent builds side by side, so `jobs` of them go at once; the classic
 * builder (Podman's Buildah behind the compat API) takes them one at a time.
 * Ctrl-C stops them all.
 */
export async function buildPlatforms(opts: Omit<BuildOptions, 'platform'> & { platforms: string[]; jobs?: number }): Promise<PlatformBuild[]> {
  const events = opts.events ?? (() => {})
  const index = opts.index ?? (await loadIndex({ extraRepos: opts.extraRepos, events, target: opts.target }))
  const builder: 'buildkit' | 'classic' = opts.builder === 'classic' || opts.builder === 'buildkit' ? opts.builder : await autoBuilder()
  const jobs = Math.max(1, builder === 'classic' ? 1 : (opts.jobs ?? opts.platforms.length))
  const results: PlatformBuild[] = new Array(opts.platforms.length)
  let next = 0
  const worker = async () => {
    while (next < opts.platforms.length && !opts.signal?.aborted) {
      const k = next++
      results[k] = await buildOnePlatform({ ...opts, index, builder, platform: opts.platforms[k]! }, opts.platforms.length > 1)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, opts.platforms.length) }, worker))
  if (opts.signal?.aborted) throw new CmcError('ABORTED', 'build interrupted')
  return results
}

/** One platform's build; its failure is said as it happens where other platforms go on (`several`), else by the error the build ends with. */
async function buildOnePlatform(opts: BuildOptions, several: boolean): Promise<PlatformBuild> {
  const started = Date.now()
  try {
    const image = await buildImage(opts)
    return { platform: opts.platform, status: image.cached ? 'cached' : 'built', image }
  } catch (e) {
    // an interruption, a lost engine and a bug end the whole build; a platform's own failure does not
    if (!(e instanceof CmcError) || e.category === 'aborted' || e.category === 'engine') throw e
    if (several) opts.events?.({ type: 'log', level: 'warn', message: `${opts.platform}: ${e.message}` })
    return { platform: opts.platform, status: 'failed', error: e, durationMs: Date.now() - started }
  }
}
