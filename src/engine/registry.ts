// A registry's own HTTP API (the OCI distribution spec), for the one thing the
// Engine API does not do: Docker 20.10 pushes each image's manifest, but not
// an image index (manifest list) naming several under one tag. The index is
// PUT here, over the manifests the engine pushed into the same repository.
// No credentials: a registry that asks for a login is reported, not logged into.
import { CmcError } from '../errors.js'

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.list.v2+json',
]

/** A reference split as the registry API takes it: host[:port], repository name, tag or digest. */
export interface RegistryRef {
  registry: string
  name: string
  reference: string
}

/** One image of an index: its manifest, the platform it is for, and cmc's annotations (its platform profile, plan). */
export interface IndexEntry {
  digest: string
  platform: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: IndexEntry['platform']
  annotations?: Record<string, string>
}

/** `host[:port]/name[:tag|@digest]`. */
export function parseRegistryRef(ref: string): RegistryRef {
  const slash = ref.indexOf('/')
  const registry = ref.slice(0, slash)
  let rest = ref.slice(slash + 1)
  let reference = 'latest'
  const at = rest.indexOf('@')
  if (at >= 0) {
    reference = rest.slice(at + 1)
    rest = rest.slice(0, at)
  } else if (rest.lastIndexOf(':') > rest.lastIndexOf('/')) {
    reference = rest.slice(rest.lastIndexOf(':') + 1)
    rest = rest.slice(0, rest.lastIndexOf(':'))
  }
  return { registry, name: rest, reference }
}

/**
 * Plain http for a registry on this machine (as dockerd allows 127.0.0.0/8
 * without TLS), https for any other.
 */
function baseUrl(registry: string): string {
  const host = registry.replace(/:\d+$/, '')
  return `${/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(host) ? 'http' : 'https'}://${registry}`
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response
  try {
    res = await fetch(url, init)
  } catch (e) {
    throw new CmcError('PUSH_FAILED', `${what}: the registry did not answer (${(e as Error).cause ?? (e as Error).message})`, {
      hint: 'check that the registry runs and is reachable',
    })
  }
  if (res.status === 401)
    throw new CmcError('PUSH_FAILED', `${what}: the registry asks for a login`, {
      hint: 'cmc writes image indexes to registries without authentication only; push the per-platform tags and make the index with `docker manifest`',
    })
  return res
}

/** The descriptor of a manifest the engine pushed: its media type and size, as the registry serves it. */
export async function manifestDescriptor(ref: RegistryRef, digest: string): Promise<Descriptor> {
  const url = `${baseUrl(ref.registry)}/v2/${ref.name}/manifests/${digest}`
  const res = await request(url, { headers: { Accept: MANIFEST_TYPES.join(', ') } }, `reading manifest ${digest}`)
  if (!res.ok) throw new CmcError('PUSH_FAILED', `the registry has no manifest ${digest} in ${ref.name} (HTTP ${res.status})`)
  const body = Buffer.from(await res.arrayBuffer())
  const mediaType = res.headers.get('content-type')?.split(';')[0] ?? (JSON.parse(body.toString()) as { mediaType: string }).mediaType
  return { mediaType, digest, size: body.length }
}

/** PUTs an OCI image index under `ref` (its manifests must be in the same repository); returns the index's digest. */
export async function putImageIndex(ref: RegistryRef, entries: Array<IndexEntry & { descriptor: Descriptor }>): Promise<string> {
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({ ...e.descriptor, platform: e.platform, ...(e.annotations && { annotations: e.annotations }) })),
  }
  const url = `${baseUrl(ref.registry)}/v2/${ref.name}/manifests/${ref.reference}`
  const res = await request(
    url,
    { method: 'PUT', headers: { 'Content-Type': OCI_INDEX }, body: JSON.stringify(index) },
    `writing the index ${ref.name}:${ref.reference}`,
  )
  if (!res.ok) {
    const text = await res.text().catch(() => '')
    throw new CmcError('PUSH_FAILED', `the registry refused the image index ${ref.name}:${ref.reference} (HTTP ${res.status}): ${text.trim().slice(0, 300)}`, {
      hint: 'a registry older than distribution 2.3 takes no manifest lists; check its version',
    })
  }
  const digest = res.headers.get('docker-content-digest')
  if (!digest) throw new CmcError('PUSH_FAILED', `the registry stored ${ref.name}:${ref.reference} without saying its digest`)
  return digest
}

/** The index a tag names, when it is one (undefined for a single-platform manifest). */
export async function readImageIndex(ref: RegistryRef): Promise<{ digest: string; manifests: Descriptor[] } | undefined> {
  const url = `${baseUrl(ref.registry)}/v2/${ref.name}/manifests/${ref.reference}`
  const res = await request(url, { headers: { Accept: MANIFEST_TYPES.join(', ') } }, `reading ${ref.name}:${ref.reference}`)
  if (!res.ok) return undefined
  const body = (await res.json()) as { mediaType?: string; manifests?: Descriptor[] }
  if (!body.manifests) return undefined
  return { digest: res.headers.get('docker-content-digest') ?? '', manifests: body.manifests }
}
