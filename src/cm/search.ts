// CM's find semantics, as MLC's script search has them: a query's plain tags
// must all be among the script's tags and none of its `-tag`s; each `_x` (and
// each `-_x`, which turns one off) must name a variation of the script, a
// wildcard variation `NAME.#` naming every `_NAME.anything`.
import { variationsOf, type CmRaw } from './script.js'

export interface CmQuery {
  include: string[]
  exclude: string[]
  /** Variation tags without their `_`; one turned off keeps a leading `-`. */
  variations: string[]
}

export function parseCmQuery(q: string): CmQuery {
  const out: CmQuery = { include: [], exclude: [], variations: [] }
  for (const raw of q.split(',')) {
    const t = raw.trim()
    if (!t) continue
    if (t.startsWith('_')) pushOnce(out.variations, t.slice(1))
    else if (t.startsWith('-_')) pushOnce(out.variations, `-${t.slice(2)}`)
    else if (t.startsWith('-')) out.exclude.push(t.slice(1))
    else out.include.push(t)
  }
  return out
}

function pushOnce(list: string[], v: string) {
  if (!list.includes(v)) list.push(v)
}

/** Whether a variation tag (without `_`) names a variation among these names, a wildcard `NAME.#` included. */
export function namesVariation(tag: string, names: string[]): boolean {
  const t = tag.startsWith('-') ? tag.slice(1) : tag
  if (names.includes(t)) return true
  return names.some((n) => n.endsWith('.#') && t.startsWith(n.slice(0, -1)) && !t.endsWith('.'))
}

export function tagsMatch(tags: readonly string[], q: Pick<CmQuery, 'include' | 'exclude'>): boolean {
  return q.include.every((t) => tags.includes(t)) && !q.exclude.some((t) => tags.includes(t))
}

/** Whether a script (its search tags and meta) answers a query. */
export function matchesCm(tags: readonly string[], raw: CmRaw, q: CmQuery): boolean {
  if (!tagsMatch(tags, q)) return false
  if (!q.variations.length) return true
  const names = Object.keys(variationsOf(raw))
  return q.variations.every((v) => namesVariation(v, names))
}
