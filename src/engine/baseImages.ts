// Base image resolution, in order: a local image of the right architecture ->
// a pull -> the configured mirror/rename map (${CMC_HOME}/config.yaml
// `mirrors:`) -> a bootstrapped base (cmc/base-debian:<suite>-<arch>) -> a
// clear error naming each option. No registry is a normal case.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { cmcHome } from '../paths.js'
import { bootstrapRef } from './baseNames.js'
import { getDocker } from './docker.js'
import { yaml } from '../lazy.js'

export interface ResolvedBase {
  requested: string
  ref: string
  id: string
  how: 'local' | 'pulled' | 'mirror' | 'bootstrapped'
}

function mirrors(): Record<string, string> {
  const f = path.join(cmcHome(), 'config.yaml')
  if (!existsSync(f)) return {}
  // yaml (72 modules) only when there is a config to read
  const { parse } = yaml()
  return (parse(readFileSync(f, 'utf8')) as { mirrors?: Record<string, string> } | null)?.mirrors ?? {}
}

async function localWithArch(ref: string, arch: string): Promise<string | undefined> {
  try {
    const info = await getDocker().getImage(ref).inspect()
    return info.Architecture === arch ? info.Id : undefined
  } catch {
    return undefined
  }
}

async function tryPull(ref: string, platform: string, timeoutMs: number): Promise<boolean> {
  const docker = getDocker()
  let timer: NodeJS.Timeout | undefined
  try {
    // the whole pull (request and progress) within timeoutMs; the timer never outlives it
    await Promise.race([
      (async () => {
        const stream = await docker.pull(ref, { platform })
        await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())))
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('pull timed out')), timeoutMs)
      }),
    ])
    return true
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

export async function resolveBase(requested: string, platform: string, opts: { events?: EventSink; pull?: boolean } = {}): Promise<ResolvedBase> {
  const arch = platform.split('/')[1] ?? 'amd64'
  const tried: string[] = []
  let id = await localWithArch(requested, arch)
  if (id) return { requested, ref: requested, id, how: 'local' }
  tried.push(`no local image ${requested} for ${arch}`)
  const bootRef = bootstrapRef(requested, arch)
  // A bootstrapped base is checked before pulling: it is local and instant,
  // while a pull without a registry can hang until its timeout.
  id = await localWithArch(bootRef, arch)
  if (id) return { requested, ref: bootRef, id, how: 'bootstrapped' }
  if (opts.pull !== false && process.env.CMC_NO_PULL !== '1') {
    opts.events?.({ type: 'log', level: 'info', message: `pulling ${requested} (${platform})` })
    if (await tryPull(requested, platform, 60_000)) {
      id = await localWithArch(requested, arch)
      if (id) return { requested, ref: requested, id, how: 'pulled' }
    }
    tried.push(`pull of ${requested} failed (no registry reachable?)`)
  }
  const mapped = mirrors()[requested] ?? mirrors()[requested.split(':')[0]]
  if (mapped) {
    const ref = mapped.includes(':') || !requested.includes(':') ? mapped : `${mapped}:${requested.split(':')[1]}`
    id = await localWithArch(ref, arch)
    if (!id && (await tryPull(ref, platform, 60_000))) id = await localWithArch(ref, arch)
    if (id) return { requested, ref, id, how: 'mirror' }
    tried.push(`mirror ${ref} not available`)
  } else tried.push(`no mirror configured for ${requested}`)
  const canBootstrap = /^debian:(bookworm|bullseye|trixie)$/.test(requested)
  throw new CmcError('BASE_MISSING', `base image ${requested} for ${platform} is not available`, {
    details: tried,
    hint: [
      canBootstrap ? `bootstrap it without a registry: \`cmc base bootstrap ${requested} --arch ${arch}\`` : undefined,
      `load it from a file: \`docker load -i FILE\` (or \`cmc import FILE\`)`,
      `map it to a reachable registry in ${path.join(cmcHome(), 'config.yaml')}: \`mirrors: { "${requested}": "registry.local:5000/${requested}" }\``,
    ]
      .filter(Boolean)
      .join('; or '),
  })
}

export async function listBases(): Promise<Array<{ ref: string; arch: string; id: string; created: string; sizeMb: number }>> {
  const images = await getDocker().listImages({ filters: JSON.stringify({ reference: ['cmc/base-*'] }) })
  const out = []
  for (const im of images) {
    for (const ref of im.RepoTags ?? []) {
      const info = await getDocker().getImage(ref).inspect()
      out.push({ ref, arch: info.Architecture, id: im.Id, created: info.Created, sizeMb: Math.round(im.Size / 1e6) })
    }
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}
