// Small image queries and tags through the Engine API.
import { getDocker } from './docker.js'

export interface ImageInfo {
  id: string
  /** repo@sha256 digest when the image was pushed or pulled; else undefined. */
  digest?: string
  /** Every repo@sha256 digest the engine knows for it (one per registry repository it went through). */
  repoDigests: string[]
  arch: string
  labels: Record<string, string>
  sizeBytes: number
  layers: string[]
}

export async function imageInfo(ref: string): Promise<ImageInfo | undefined> {
  try {
    const i = await getDocker().getImage(ref).inspect()
    return {
      id: i.Id,
      digest: i.RepoDigests?.[0],
      repoDigests: i.RepoDigests ?? [],
      arch: i.Architecture,
      labels: i.Config?.Labels ?? {},
      sizeBytes: i.Size,
      layers: i.RootFS?.Layers ?? [],
    }
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}

export async function tagImage(ref: string, target: string): Promise<void> {
  const i = target.lastIndexOf(':')
  await getDocker()
    .getImage(ref)
    .tag({ repo: target.slice(0, i), tag: target.slice(i + 1) })
}
