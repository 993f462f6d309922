// `cmc build` end to end: index -> resolve -> compile -> bases -> content tag
// -> (skip when that tag exists: no request reaches the daemon) -> engine
// build -> tags. Returns plain data for the CLI, `cmc run` and tests.
import { createHash } from 'node:crypto'
import { compileMemo } from '../compile/memo.js'
import type { CompiledImage } from '../compile/types.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { resolveBase } from '../engine/baseImages.js'
import { engineBuild } from '../engine/build.js'
import { contextHash, listContextFiles } from '../engine/context.js'
import { engineVersion, pingEngine } from '../engine/docker.js'
import { imageInfo, tagImage } from '../engine/images.js'
import { loadIndex, type ArtifactIndex } from '../repos/index.js'
import type { BuildPlan } from '../resolve/plan.js'
import { resolvePlan } from '../resolve/resolvePlan.js'

export type BuilderChoice = 'auto' | 'buildkit' | 'classic'

export interface BuildOptions {
  target: string
  platform: string
  builder?: BuilderChoice
  noCache?: boolean
  extraRepos?: string[]
  env?: Record<string, string>
  events?: EventSink
  signal?: AbortSignal
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

export async function buildImage(opts: BuildOptions): Promise<BuiltImage> {
  const started = Date.now()
  const events = opts.events ?? (() => {})
  const index = opts.index ?? (await loadIndex({ extraRepos: opts.extraRepos, events }))
  const plan = resolvePlan(index, opts.target, { platform: opts.platform, env: opts.env })
  const builder: 'buildkit' | 'classic' = opts.builder === 'classic' ? 'classic' : 'buildkit'
  // The engine's own arch (it may be remote): build stages may cross-compile from it.
  const [, engineArch] = await Promise.all([pingEngine(), engineVersion().then((v) => v.Arch, () => undefined)])
  const buildArch = engineArch === 'amd64' || engineArch === 'arm64' ? engineArch : undefined
  const compiled = await compileMemo(plan, { builder, buildArch })
  if (compiled.crossBuild) events({ type: 'log', level: 'info', message: `build stage cross-compiles on ${compiled.buildPlatform} for ${compiled.platform} (no emulation for the toolchain)` })
  const files = listContextFiles(compiled.context)
  const ctxHash = contextHash(compiled.dockerfile, files)
  const [buildBase, runtimeBase] = await Promise.all([
    compiled.stages.includes('build') ? resolveBase(compiled.bases.build, compiled.buildPlatform, { events }) : undefined,
    resolveBase(compiled.bases.runtime, compiled.platform, { events }),
  ])
  const bases = { build: buildBase, runtime: runtimeBase }
  // Base image ids are part of the tag: a re-bootstrapped base rebuilds.
  const { ref, latest } = contentTag(plan, [plan.hash, ctxHash, builder, bases.build?.id ?? '', bases.runtime.id])
  const common = { ref, latest, platform: plan.platform.name, dockerPlatform: compiled.platform, builder, planHash: plan.hash, contextHash: ctxHash, plan, compiled, bases: { build: bases.build?.ref ?? '', runtime: bases.runtime.ref } }

  if (!opts.noCache) {
    const existing = await imageInfo(ref)
    if (existing) {
      events({ type: 'log', level: 'info', message: `${ref} is up to date (nothing sent to the engine)` })
      await tagImage(ref, latest)
      return { ...common, id: existing.id, digest: existing.digest, cached: true, durationMs: Date.now() - started, steps: [] }
    }
  }
  events({ type: 'phase', name: `build ${plan.target.alias} for ${plan.platform.name} (${builder})`, status: 'started' })
  const buildArgs: Record<string, string> = { CMC_BASE_RUNTIME: bases.runtime.ref, CMC_CONTEXT_HASH: ctxHash }
  if (bases.build) buildArgs.CMC_BASE_BUILD = bases.build.ref
  const res = await engineBuild({
    dockerfile: compiled.dockerfile, files, tag: ref, platform: compiled.platform, builder, buildArgs,
    // Labels are all in the Dockerfile's one LABEL step: the classic builder turns
    // every label passed through the API into a step of its own (a commit each).
    noCache: opts.noCache, events, signal: opts.signal,
  })
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('build', 'BUILD_UNTAGGED', `the engine reported image ${res.imageId} but ${ref} is missing`)
  await tagImage(ref, latest)
  events({ type: 'phase', name: `built ${ref}`, status: 'done' })
  return { ...common, id: info.id, digest: info.digest, cached: false, durationMs: Date.now() - started, steps: res.steps }
}
