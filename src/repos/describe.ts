// A display-oriented summary of an artifact: its deps (with conditions) and its
// variations grouped, with each group's default. Used by `cmc show`.
import type { Artifact } from '../meta/artifact.js'
import type { Dep } from '../meta/schema.js'
import { variationsOf } from './tagQuery.js'

export interface ArtifactView {
  deps: Array<{ tags: string; version?: string; when?: string; optional?: boolean }>
  variations: Array<{ group: string; names: string[]; default?: string }>
}

function depsOf(a: Artifact): Dep[] {
  const m = a.meta as { deps?: Dep[]; components?: Dep[] }
  return [...(m.components ?? []), ...(m.deps ?? [])]
}

export function describeArtifact(a: Artifact): ArtifactView {
  const deps = depsOf(a).map((d) => {
    if (typeof d === 'string') return { tags: d }
    const when = d.when
      ? Object.entries(d.when)
          .map(([k, v]) => `${k}=${(v as string[]).join('|')}`)
          .join(' ')
      : undefined
    return { tags: d.tags, version: d.version, when, optional: d.optional }
  })
  const groups = new Map<string, { names: string[]; default?: string }>()
  for (const [name, v] of Object.entries(variationsOf(a))) {
    const g = groups.get(v.group ?? '') ?? { names: [] }
    g.names.push(name)
    if (v.default) g.default = name
    groups.set(v.group ?? '', g)
  }
  const variations = [...groups.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([group, g]) => ({ group, ...g }))
  return { deps, variations }
}
