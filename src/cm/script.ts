// A CM/MLC script's meta as CM reads it, from the data as written: every key
// may hold any value, so each accessor takes the shapes CM takes (a scalar or
// a list, a mapping or nothing) and gives nothing for the rest. Nothing here
// throws, whatever the file holds.
import { isRecord } from '../values.js'

/** A script meta as written (kept as is in the index and shown as is). */
export type CmRaw = Record<string, unknown>

/** The dependency lists, in the order CM runs them around the script's own run. */
export const DEP_LISTS = ['deps', 'prehook_deps', 'posthook_deps', 'post_deps'] as const
export type DepList = (typeof DEP_LISTS)[number]

/** The conditions a dep may carry, evaluated against the env at the dep. */
export const CONDITION_KEYS = ['enable_if_env', 'enable_if_any_env', 'skip_if_env', 'skip_if_any_env'] as const
export type ConditionKey = (typeof CONDITION_KEYS)[number]

export const asRecord = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {})

/** Text as Python's str() gives it (what CM compares and prints). */
export function pyStr(v: unknown): string {
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (v === null || v === undefined) return 'None'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** A list of texts from a list or one scalar (names: python or [python, python3]). */
export function textList(v: unknown): string[] {
  const items = Array.isArray(v) ? v : v === undefined || v === null || isRecord(v) ? [] : [v]
  return items.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(pyStr)
}

/**
 * The tags a script is found by. CM compares them with the query's texts, so
 * a tag written as a number (2024) is never found by a query; it is kept in
 * the meta and shown, not searched.
 */
export function searchTags(raw: CmRaw): string[] {
  const t = raw.tags
  if (typeof t === 'string') return t.split(',').filter(Boolean)
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string' && x !== '') : []
}

/** The text of a key when it holds a scalar (alias, uid, default_version: master, 2.9). */
export function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? pyStr(v) : undefined
}

export interface CmDep {
  tags: string
  names: string[]
  /** The dep as written. */
  raw: Record<string, unknown>
  /** Where it is in the meta, e.g. ['variations', 'cuda', 'deps', 0]. */
  at: Array<string | number>
}

/** A dep list (deps, prehook_deps, ...) of a meta or a variation: the mapping entries with tags. */
export function depsOf(meta: Record<string, unknown>, list: DepList, at: Array<string | number> = []): CmDep[] {
  const v = meta[list]
  if (!Array.isArray(v)) return []
  const out: CmDep[] = []
  v.forEach((d, i) => {
    if (!isRecord(d)) return
    const tags = d.tags === undefined ? '' : Array.isArray(d.tags) ? textList(d.tags).join(',') : (scalarText(d.tags) ?? '')
    out.push({ tags, names: textList(d.names), raw: d, at: [...at, list, i] })
  })
  return out
}

export function variationsOf(raw: CmRaw): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [name, v] of Object.entries(asRecord(raw.variations))) out[name] = asRecord(v)
  return out
}

/** Env of a mapping key (env, default_env): the values as written, scalars and lists. */
export function envOf(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(asRecord(v))) if (x !== null && x !== undefined) out[k] = x
  return out
}
