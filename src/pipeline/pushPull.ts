// Sharing an image through a registry: each platform's build pushed under its
// content tag and its platform's tag, provenance travelling as its labels;
// every platform's build under one multi-arch tag (an OCI image index); and a
// pull that takes the engine's own platform of such a tag, or the one asked for.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { pingEngine } from '../engine/docker.js'
import { imageInfo } from '../engine/images.js'
import { manifestDescriptor, parseRegistryRef, putImageIndex, type Descriptor, type IndexEntry } from '../engine/registry.js'
import { imageTags, pullImage, pushImage } from '../engine/share.js'
import type { ImageMeta } from '../meta/schema.js'
import { loadIndex } from '../repos/index.js'
import { platformProfile } from '../resolve/platforms.js'
import { imageOfTarget } from '../resolve/resolvePlan.js'

/** The newest local build of a target for a platform (cmc/<alias>:<platform>). */
export async function localBuild(target: string, platform: string): Promise<{ ref: string; id: string; labels: Record<string, string> }> {
  await pingEngine()
  const ref = target.includes(':') || target.includes('/') ? target : `cmc/${target}:${platform}`
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('IMAGE_NOT_BUILT', `no local image ${ref}`, { hint: `build it first: \`cmc build ${target} --platform ${platform}\`` })
  return { ref, id: info.id, labels: info.labels }
}

/** The content tag (cmc/<target>:<platform>-<hash12>) a local build has beside its moving tag, when it has one. */
async function contentTagOf(local: { ref: string; id: string; labels: Record<string, string> }, platform: string): Promise<string> {
  const name = local.ref.slice(0, local.ref.lastIndexOf(':'))
  const tags = await imageTags(local.ref)
  const own = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${platform}-[0-9a-f]{12}$`)
  const content = tags.find((t) => own.test(t)) ?? (own.test(local.ref) ? local.ref : undefined)
  // an image built before content tags were kept: its plan hash stands in
  return content ? content.slice(name.length + 1) : `${platform}-${(local.labels['cmc.plan-hash'] ?? local.id.slice(7)).slice(0, 12)}`
}

/** A build pushed under its content tag's suffix (the same as the local one) and its platform's moving tag. */
export async function pushBuilt(target: string, platform: string, registry: string, events?: EventSink) {
  const local = await localBuild(target, platform)
  return { local: local.ref, pushed: await pushPlatform(local, platform, registryRepository(local, registry), events) }
}

/** The reference pushBuilt pushes a build to first (its content tag), asked of the local engine only: what a dry run names. */
export async function pushedRefOf(target: string, platform: string, registry: string): Promise<string> {
  const local = await localBuild(target, platform)
  return `${registryRepository(local, registry)}:${await contentTagOf(local, platform)}`
}

/** A local build's repository in a registry: its local name under the registry's. */
function registryRepository(local: { ref: string }, registry: string): string {
  return `${registry.replace(/\/$/, '')}/${local.ref.slice(0, local.ref.lastIndexOf(':'))}`
}

async function pushPlatform(local: Awaited<ReturnType<typeof localBuild>>, platform: string, repository: string, events?: EventSink) {
  const pushed = []
  for (const tag of [await contentTagOf(local, platform), platform]) pushed.push(await pushImage(local.ref, `${repository}:${tag}`, events))
  return pushed
}

export interface MultiPlatformPush {
  /** the index's reference and its digest (repo@sha256:...) */
  index: { ref: string; digest: string }
  /** each platform's image as pushed, and whether the index names it */
  platforms: Array<{ platform: string; local: string; arch: string; pushed: Array<{ ref: string; digest?: string }>; inIndex: boolean }>
  /** platforms of the image with no local build, left out */
  notBuilt: string[]
}

/**
 * Every local build of a target, pushed under one tag: each platform's image
 * as pushBuilt pushes it, then an OCI image index naming them by os/arch.
 * `to` is `host[:port][/namespace]` (the index is then <namespace>/cmc/<target>:latest)
 * or `host[:port]/name:tag`. An index holds one image per os/arch: cuda and
 * rocm images are linux/amd64 like x86_64's, so only the first of them in the
 * image's platform order is in it; the others keep their own tags.
 */
export async function pushAllPlatforms(target: string, to: string, opts: { extraRepos?: string[]; events?: EventSink } = {}): Promise<MultiPlatformPush> {
  await pingEngine()
  const index = await loadIndex({ extraRepos: opts.extraRepos })
  const platforms = (imageOfTarget(index, target).meta as ImageMeta).platforms ?? []
  const { repository, indexRef } = pushTarget(to, target)
  const result: MultiPlatformPush = { index: { ref: indexRef, digest: '' }, platforms: [], notBuilt: [] }
  const entries: Array<IndexEntry & { descriptor: Descriptor }> = []
  for (const platform of platforms) {
    const local = await localBuild(target, platform).catch((e: unknown) => {
      if (e instanceof CmcError && e.code === 'IMAGE_NOT_BUILT') return undefined
      throw e
    })
    if (!local) {
      result.notBuilt.push(platform)
      continue
    }
    const pushed = { local: local.ref, pushed: await pushPlatform(local, platform, repository, opts.events) }
    const profile = platformProfile(index, platform)
    const [os = 'linux', architecture = 'amd64'] = profile.dockerPlatform.split('/')
    const inIndex = !entries.some((e) => e.platform.os === os && e.platform.architecture === architecture)
    result.platforms.push({ platform, local: pushed.local, arch: `${os}/${architecture}`, pushed: pushed.pushed, inIndex })
    if (!inIndex) continue
    const digest = pushed.pushed[0]?.digest?.split('@')[1]
    if (!digest) throw new CmcError('PUSH_FAILED', `the engine did not say the digest of ${pushed.pushed[0]?.ref}`)
    const ref = parseRegistryRef(pushed.pushed[0]!.ref)
    entries.push({
      digest,
      platform: { os, architecture },
      annotations: { 'cmc.platform': platform, ...(local.labels['cmc.plan-hash'] && { 'cmc.plan-hash': local.labels['cmc.plan-hash'] }) },
      descriptor: await manifestDescriptor(ref, digest),
    })
  }
  if (!entries.length)
    throw new CmcError('IMAGE_NOT_BUILT', `no local build of ${target} for any of its platforms (${platforms.join(', ')})`, {
      hint: `build them first: \`cmc build ${target} --all-platforms\``,
    })
  const parsed = parseRegistryRef(indexRef)
  result.index.digest = `${parsed.registry}/${parsed.name}@${await putImageIndex(parsed, entries)}`
  return result
}

/** Where `--to` sends a multi-platform push: the repository of the per-platform tags and the index (one: an index names manifests of its own repository). */
function pushTarget(to: string, target: string): { repository: string; indexRef: string } {
  const trimmed = to.replace(/\/$/, '')
  const slash = trimmed.indexOf('/')
  const path = slash < 0 ? '' : trimmed.slice(slash + 1)
  if ((path.split('/').pop() ?? '').includes(':')) return { repository: trimmed.slice(0, trimmed.lastIndexOf(':')), indexRef: trimmed }
  return { repository: `${trimmed}/cmc/${target}`, indexRef: `${trimmed}/cmc/${target}:latest` }
}

/**
 * A shared image pulled: `platform` (a cmc platform or os/arch) picks that
 * image of a multi-platform tag; without it the engine takes its own.
 */
export async function pullShared(ref: string, events?: EventSink, opts: { platform?: string; extraRepos?: string[] } = {}) {
  await pingEngine()
  const platform = opts.platform && !opts.platform.includes('/') ? await dockerPlatformOf(opts.platform, opts.extraRepos) : opts.platform
  await pullImage(ref, events, platform)
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('PULL_FAILED', `${ref} is not on the engine after the pull`)
  return { ref, id: info.id, digest: info.digest, arch: info.arch, labels: info.labels }
}

async function dockerPlatformOf(platform: string, extraRepos?: string[]): Promise<string> {
  return platformProfile(await loadIndex({ extraRepos }), platform).dockerPlatform
}
