// How a CM script's metas change its deps and env as CM applies them:
// env merged (lists appended), add_deps and add_deps_recursive (adr) entries
// merged into the deps of those names, a version's or variation's deps
// appended (replacing one of the same names), a dep's tags grown from the
// env, and the keys a run hands back (new_env_keys), known by name only.
import { RUNTIME, judgeDep, type Env } from './conditions.js'
import { asRecord, DEP_LISTS, pyStr, scalarText, textList, type CmDep, type DepList } from './script.js'
import { isRecord } from '../values.js'

/** The value a key has in the plan once a script's run has set it: known only then. */
export const setAtRunTime = (alias: string) => `(set by ${alias} at run time)`

const compiled = new Map<string, RegExp>()

/** new_env_keys patterns: `+KEY` appends, `*` and `?` are wildcards. */
export function keyPatterns(v: unknown): RegExp[] {
  return textList(v).map((p) => compiled.get(p) ?? compiled.set(p, keyPattern(p)).get(p)!)
}

function keyPattern(p: string): RegExp {
  const body = p
    .replace(/^\+\s*/, '')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`)
}

/** new_env_keys as names (`+KEY` appends to KEY); wildcards stay patterns. */
export function envKeyNames(v: unknown): string[] {
  return textList(v)
    .map((p) => p.replace(/^\+\s*/, ''))
    .filter(Boolean)
}

/** A key (or wildcard) a run sets, in the env the deps after it see. */
export function setByRun(env: Env, key: string, by: string): void {
  if (!/[*?]/.test(key)) {
    if (!(key in env)) env[key] = setAtRunTime(by)
    return
  }
  const pattern = keyPatterns([key])[0]
  env[RUNTIME] = [...(env[RUNTIME] ?? []), { pattern, by }]
}

export type Lists = Record<DepList, CmDep[]>
export type Adr = Record<string, Record<string, unknown>>

/** env values merged as CM merges them: lists appended (once each), the rest replaced. */
export function mergeEnv(into: Env, add: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(add)) {
    const old = into[k]
    into[k] = Array.isArray(old) && Array.isArray(v) ? [...old, ...v.filter((x) => !old.includes(x))] : v
  }
}

/** add_deps_recursive (or adr): name -> what to add to the deps of that name. */
export function adrOf(meta: Record<string, unknown>): Adr {
  const out: Adr = {}
  for (const key of ['add_deps_recursive', 'adr'])
    for (const [name, v] of Object.entries(asRecord(meta[key]))) if (isRecord(v)) out[name] = mergeDepInfo(out[name] ?? {}, v)
  return out
}

export function addDepsOf(meta: Record<string, unknown>): Adr {
  const out: Adr = {}
  for (const key of ['add_deps', 'ad'])
    for (const [name, v] of Object.entries(asRecord(meta[key]))) if (isRecord(v)) out[name] = mergeDepInfo(out[name] ?? {}, v)
  return out
}

/** A dep updated by an add_deps entry: tags appended, mappings merged, lists extended, the rest replaced; conditions kept. */
export function mergeDepInfo(dep: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const out = { ...dep }
  for (const [k, v] of Object.entries(add)) {
    if (k === 'tags') {
      const have = typeof out.tags === 'string' ? out.tags.split(',') : []
      const extra = (typeof v === 'string' ? v.split(',') : textList(v)).filter((t) => t && !t.includes('<<<') && !have.includes(t))
      out.tags = [...have, ...extra].filter(Boolean).join(',')
    } else if (k.includes('enable_if_') || k.includes('skip_if_')) continue
    else if (isRecord(v)) out[k] = { ...asRecord(out[k]), ...v }
    else if (Array.isArray(v)) out[k] = [...(Array.isArray(out[k]) ? (out[k] as unknown[]) : []), ...v]
    else out[k] = v
  }
  return out
}

export function applyAddDeps(lists: Lists, add: Adr, env: Env): void {
  for (const [name, info] of Object.entries(add)) {
    if (!judgeDep(info, env).enabled) continue
    for (const list of DEP_LISTS)
      lists[list] = lists[list].map((d) =>
        d.names.includes(name) ? { ...d, raw: mergeDepInfo(d.raw, info), tags: tagsText(mergeDepInfo(d.raw, info).tags) } : d,
      )
  }
}

const tagsText = (v: unknown) => (Array.isArray(v) ? textList(v).join(',') : (scalarText(v) ?? ''))

/** Deps a version or variation meta adds: one of the same names (or, unnamed, the same tags) is replaced. */
export function appendDeps(into: CmDep[], more: CmDep[]): CmDep[] {
  const out = [...into]
  for (const d of more) {
    const same = out.findIndex((x) =>
      d.names.length
        ? x.names.length > 0 && x.names.length === d.names.length && d.names.every((n) => x.names.includes(n))
        : !x.names.length && sameTags(x.tags, d.tags),
    )
    if (same >= 0) out[same] = d
    else out.push(d)
  }
  return out
}

const sameTags = (a: string, b: string) => {
  const x = new Set(a.split(',')),
    y = new Set(b.split(','))
  return x.size === y.size && [...x].every((t) => y.has(t))
}

/** The dep's tags as CM searches them: grown from env (update_tags_from_env*, inherit_variation_tags), <<<KEY>>> filled in. */
export function depTags(d: CmDep, env: Env, parentVariations: string[], parentVars: Record<string, Record<string, unknown>>): string {
  let tags = d.tags
  const local = asRecord(d.raw.env)
  const valueOf = (key: string): unknown => (pyStr(local[key] ?? '').trim() !== '' ? local[key] : pyStr(env[key] ?? '').trim() !== '' ? env[key] : undefined)
  const values = (v: unknown) => (Array.isArray(v) ? v.map(pyStr) : [pyStr(v)])
  for (const [prefix, keys] of Object.entries(asRecord(d.raw.update_tags_from_env_with_prefix)))
    for (const key of textList(keys)) {
      const v = valueOf(key)
      if (v !== undefined) for (const x of values(v)) tags += `,${prefix}${x}`
    }
  for (const key of textList(d.raw.update_tags_from_env)) {
    const v = valueOf(key)
    if (v !== undefined) for (const x of values(v)) tags += `,${x}`
  }
  if (d.raw.inherit_variation_tags === true || pyStr(d.raw.inherit_variation_tags).toLowerCase() === 'true') {
    const off = new Set(
      d.tags
        .split(',')
        .filter((t) => t.startsWith('-_') || t.startsWith('_-'))
        .map((t) => t.slice(2)),
    )
    const skipGroups = new Set(textList(d.raw.skip_inherit_variation_groups))
    const groupOf = (v: string) => scalarText((parentVars[v] ?? parentVars[`${v.slice(0, v.indexOf('.') + 1)}#`])?.group)
    const inherited = parentVariations.filter((v) => !off.has(v) && !skipGroups.has(groupOf(v) ?? '\0')).map((v) => `_${v}`)
    if (inherited.length) tags += `,${inherited.join(',')}`
  }
  return tags.replace(/<<<(.*?)>>>/g, (m, key: string) => (key in env ? pyStr(env[key]) : m))
}
