// The tag query language shared by `cmc find`, deps and the resolver:
// "python,-dev,_cpu" = has tag python, lacks tag dev, selects variation cpu.
// A CM/MLC script answers as CM's search has it (src/cm/search.ts): `_x` and
// `-_x` must name one of its variations (`NAME.#` wildcards included), and
// variations add no tags.
import type { Artifact } from '../meta/artifact.js'
import type { Variation } from '../meta/schema.js'
import { namesVariation } from '../cm/search.js'
import { variationsOf as cmVariationsOf, type CmRaw } from '../cm/script.js'

export interface TagQuery {
  include: string[]
  exclude: string[]
  variations: string[]
}

export function parseTagQuery(q: string): TagQuery {
  const out: TagQuery = { include: [], exclude: [], variations: [] }
  for (const raw of q.split(',')) {
    const t = raw.trim()
    if (!t) continue
    if (t.startsWith('-')) out.exclude.push(t.slice(1))
    else if (t.startsWith('_')) out.variations.push(t.slice(1))
    else out.include.push(t)
  }
  return out
}

export function variationsOf(a: Artifact): Record<string, Variation> {
  const m = a.meta as { variations?: Record<string, Variation> }
  return m.variations ?? {}
}

/**
 * Tags an artifact answers to: its own, plus tags its selected variations add.
 * Unselected variations' tags do not count (CM semantics).
 */
export function effectiveTags(a: Artifact, selected: string[] = []): Set<string> {
  const tags = new Set(a.tags)
  if (!selected.length) return tags // (the meta of a cached artifact is decoded on first use)
  const vars = variationsOf(a)
  for (const v of selected) for (const t of vars[v]?.tags ?? []) tags.add(t)
  return tags
}

/** For a query without variations: whether these tags match it. */
export function matchesTags(tags: string[], q: TagQuery): boolean {
  return q.include.every((t) => tags.includes(t)) && !q.exclude.some((t) => tags.includes(t))
}

/** Whether a query needs an artifact's meta (variations), not its tags alone. */
export function needsMeta(q: TagQuery): boolean {
  return q.variations.length > 0 || q.exclude.some((t) => t.startsWith('_'))
}

function matchesCmScript(a: Artifact, q: TagQuery): boolean {
  const include = q.include
  const exclude = q.exclude.filter((t) => !t.startsWith('_'))
  if (!include.every((t) => a.tags.includes(t)) || exclude.some((t) => a.tags.includes(t))) return false
  const asked = [...q.variations, ...q.exclude.filter((t) => t.startsWith('_')).map((t) => t.slice(1))]
  if (!asked.length) return true
  const names = variationNames(a)
  return asked.every((v) => namesVariation(v, names))
}

/** The names of an artifact's variations, cmc's or a CM/MLC script's. */
export function variationNames(a: Artifact): string[] {
  return Object.keys(a.format === 'cm' ? cmVariationsOf(a.meta as unknown as CmRaw) : variationsOf(a))
}

export function matchesQuery(a: Artifact, q: TagQuery | string): boolean {
  const query = typeof q === 'string' ? parseTagQuery(q) : q
  if (a.format === 'cm') return matchesCmScript(a, query)
  // (without variations the meta is not needed: a cached artifact's is decoded on first use)
  if (!query.variations.length) return matchesTags(a.tags, query)
  const vars = variationsOf(a)
  if (!query.variations.every((v) => v in vars)) return false
  const tags = effectiveTags(a, query.variations)
  return query.include.every((t) => tags.has(t)) && !query.exclude.some((t) => tags.has(t))
}
