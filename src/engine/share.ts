// Moving images between engines: push/pull through a registry, and save/load
// as tar streams (the archive format `docker save` writes).
import type { Readable } from 'node:stream'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { engineMessage, getDocker } from './docker.js'

interface ProgressMessage {
  status?: string
  id?: string
  error?: string
  errorDetail?: { message?: string }
  aux?: { Digest?: string }
}

async function follow(stream: NodeJS.ReadableStream, events?: EventSink): Promise<ProgressMessage[]> {
  const docker = getDocker()
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err, out: ProgressMessage[]) => (err ? reject(err) : resolve(out)),
      (m: ProgressMessage) => {
        if (m.status && m.id && /Pushed|Pull complete|Layer already exists|Already exists/.test(m.status))
          events?.({ type: 'log', level: 'debug', message: `${m.id}: ${m.status}` })
      },
    ),
  )
}

const split = (ref: string) => {
  const i = ref.lastIndexOf(':')
  return i > ref.lastIndexOf('/') ? { repo: ref.slice(0, i), tag: ref.slice(i + 1) } : { repo: ref, tag: 'latest' }
}

/**
 * Pushes a local image under a registry's name. The name is a tag the push
 * makes on this engine; a push that fails takes it off again (unless the
 * image had it before), so that no name is left claiming a push that did not happen.
 */
export async function pushImage(localRef: string, remoteRef: string, events?: EventSink): Promise<{ ref: string; digest?: string }> {
  const docker = getDocker()
  const { repo, tag } = split(remoteRef)
  const had = (await imageTags(localRef)).includes(`${repo}:${tag}`)
  await docker.getImage(localRef).tag({ repo, tag })
  try {
    const stream = (await docker.getImage(`${repo}:${tag}`).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream
    const out = await follow(stream, events)
    const failed = out.find((m) => m.error)
    if (failed) {
      throw new CmcError('PUSH_FAILED', `push of ${remoteRef} failed: ${failed.errorDetail?.message ?? failed.error}`, {
        hint: "check that the registry runs and is reachable (an http registry other than 127.0.0.1 must be listed in dockerd's insecure-registries)",
      })
    }
    const digest = out.map((m) => m.aux?.Digest).find(Boolean)
    return { ref: `${repo}:${tag}`, digest: digest ? `${repo}@${digest}` : undefined }
  } catch (e) {
    // removing a tag the image has others of only untags it
    if (!had)
      await docker
        .getImage(`${repo}:${tag}`)
        .remove({ noprune: true })
        .catch(() => {})
    if (e instanceof CmcError) throw e
    throw new CmcError('PUSH_FAILED', `push of ${remoteRef} failed: ${engineMessage(e)}`, { hint: 'check that the registry runs and is reachable', cause: e })
  }
}

/** Pulls a reference; `platform` (os/arch) picks that image of a multi-platform index, else the engine takes its own. */
export async function pullImage(ref: string, events?: EventSink, platform?: string): Promise<void> {
  const docker = getDocker()
  let stream: NodeJS.ReadableStream
  try {
    stream = await docker.pull(ref, platform ? { platform } : {})
  } catch (e) {
    throw new CmcError('PULL_FAILED', `pull of ${ref}${platform ? ` for ${platform}` : ''} failed: ${engineMessage(e)}`, {
      hint: 'check the reference and that the registry is reachable',
    })
  }
  const out = await follow(stream, events)
  const failed = out.find((m) => m.error)
  if (failed) throw new CmcError('PULL_FAILED', `pull of ${ref}${platform ? ` for ${platform}` : ''} failed: ${failed.errorDetail?.message ?? failed.error}`)
}

/**
 * One archive (`docker save`) of several images: names that are tags come back
 * under those tags on load; names that are ids come back untagged.
 */
export async function saveImages(names: string[]): Promise<Readable> {
  // dockerode has getImages (GET /images/get?names=...) but its types do not declare it
  const docker = getDocker() as unknown as { getImages(opts: { names: string[] }): Promise<Readable> }
  return docker.getImages({ names })
}

/** Every tag an image has (repo:tag), none for a missing image. */
export async function imageTags(ref: string): Promise<string[]> {
  try {
    return (await getDocker().getImage(ref).inspect()).RepoTags ?? []
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return []
    throw e
  }
}

export async function loadImage(tar: Readable): Promise<string[]> {
  const docker = getDocker()
  const stream = await docker.loadImage(tar as unknown as NodeJS.ReadableStream, { quiet: true })
  const out = (await follow(stream)) as Array<ProgressMessage & { stream?: string }>
  const failed = out.find((m) => m.error)
  if (failed) throw new CmcError('LOAD_FAILED', `the engine could not load the image: ${failed.error}`)
  return out.map((m) => /Loaded image(?: ID)?: (\S+)/.exec(m.stream ?? '')?.[1]).filter((x): x is string => Boolean(x))
}
