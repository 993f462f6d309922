// Platform profiles are artifacts of kind `platform` (data under images/platforms).
import { CmcError } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'
import type { RepoEntry } from '../repos/registry.js'
import type { PlatformMeta, When } from '../meta/schema.js'
import type { PlanPlatform } from './plan.js'

export interface ArtifactSource {
  all(): Artifact[]
  get(aliasOrUid: string, opts?: { kind?: Artifact['kind'] }): Artifact
  /** The repos read, in lookup order (those given with --repo are kind 'extra'). */
  repos?(): RepoEntry[]
}

export function hostPlatformName(): string {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64'
}

export function platformProfile(index: ArtifactSource, name: string): PlanPlatform {
  const names = index
    .all()
    .filter((a) => a.kind === 'platform')
    .map((a) => a.alias)
  if (!names.includes(name)) {
    throw new CmcError('PLATFORM_UNKNOWN', `unknown platform "${name}"`, { hint: `use one of: ${names.sort().join(', ')}` })
  }
  const m = index.get(name, { kind: 'platform' }).meta as PlatformMeta
  return {
    name: m.alias,
    arch: m.arch,
    dockerPlatform: m.dockerPlatform,
    base: m.base,
    fallbackBase: m.fallbackBase,
    devices: { gpu: m.devices?.gpu ?? 'none', paths: m.devices?.paths ?? [], groups: m.devices?.groups ?? [] },
    variations: m.variations ?? [],
    crossCompile: m.crossCompile ?? false,
  }
}

/** Does a `when:` condition hold on this platform? */
export function whenHolds(when: When | undefined, p: PlanPlatform): boolean {
  if (!when) return true
  if (when.platform && !when.platform.includes(p.name)) return false
  if (when.arch && !when.arch.includes(p.arch)) return false
  if (when.notPlatform && when.notPlatform.includes(p.name)) return false
  return true
}
