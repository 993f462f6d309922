// Which variations of a CM script are on, and in what order their metas
// apply, as MLC expands them: the ones asked for (a wildcard `NAME.#` takes
// `_NAME.value`, its meta with `#` replaced by the value), their aliases, the
// script's default_variation and default_variations, each variation's `base`
// and default_variations (recursively), the default of each group none of
// whose members is on; then each on variation's meta in turn and, last, every
// combined variation (`a,b`) all of whose parts are on.
import { CmcError } from '../errors.js'
import { asRecord, scalarText, textList, variationsOf, type CmRaw } from './script.js'
import { isRecord } from '../values.js'

export interface VariationSelection {
  /** The variation tags in force (without `_`), in the order CM applies them. */
  tags: string[]
  /** Why each one (and each combined variation applied) is on. */
  why: Record<string, string>
  /** Turned off with `-_x`. */
  excluded: string[]
  /** The metas applied, in order: each variation, then the combined ones. */
  applied: Array<{ key: string; meta: Record<string, unknown> }>
}

/** The wildcard variation a dynamic tag would use: `tag.v1` -> `tag.#`. */
export function wildcardOf(tag: string): string | undefined {
  const dot = tag.indexOf('.')
  return dot < 0 || tag.endsWith('.') ? undefined : `${tag.slice(0, dot + 1)}#`
}

/** A variation meta with `#` replaced by a wildcard's value, in every text it holds. */
function withValue(v: unknown, value: string): unknown {
  if (typeof v === 'string') return v.split('#').join(value)
  if (Array.isArray(v)) return v.map((x) => withValue(x, value))
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withValue(x, value)]))
  return v
}

/** Combined variation parts all on: a `NAME.#` part is on where any `NAME.value` is. */
function partsOn(parts: string[], tags: string[]): boolean {
  return parts.every((p) => tags.some((t) => t === p || (p.endsWith('.#') && t.startsWith(p.slice(0, -1)))))
}

interface Ctx {
  alias: string
  file: string
  vars: Record<string, Record<string, unknown>>
  groups: Map<string, { members: string[]; default?: string }>
  tags: string[]
  why: Record<string, string>
  excluded: string[]
}

function fail(ctx: Ctx, message: string, hint?: string): never {
  const names = Object.keys(ctx.vars)
  throw new CmcError('CM_VARIATION_INVALID', `${ctx.alias}: ${message}`, {
    where: { file: ctx.file },
    hint: hint ?? (names.length ? `its variations: ${names.map((n) => `_${n}`).join(', ')}` : `${ctx.alias} has no variations`),
  })
}

const staticOf = (ctx: Ctx, tag: string): string | undefined => {
  if (tag in ctx.vars) return tag
  const w = wildcardOf(tag)
  return w && w in ctx.vars ? w : undefined
}

function add(ctx: Ctx, tag: string, why: string, front = false): boolean {
  if (ctx.tags.includes(tag)) return false
  if (!staticOf(ctx, tag)) fail(ctx, `_${tag} (${why}) is not one of its variations`)
  if (front) ctx.tags.unshift(tag)
  else ctx.tags.push(tag)
  ctx.why[tag] = why
  return true
}

/** The groups with a member on (wildcards counted by their `NAME.#`). */
function groupsOn(ctx: Ctx): Map<string, string[]> {
  const on = new Map<string, string[]>()
  for (const t of ctx.tags) {
    const g = scalarText(ctx.vars[staticOf(ctx, t)!]?.group)
    if (g !== undefined) on.set(g, [...(on.get(g) ?? []), t])
  }
  return on
}

/** A default_variations mapping (group -> variation): each group none of whose members is on gets its default. */
function addDefaultVariations(ctx: Ctx, from: unknown, label: string): boolean {
  let changed = false
  for (const [group, value] of Object.entries(asRecord(from))) {
    if (!ctx.groups.has(group))
      fail(ctx, `default_variations of ${label} names group "${group}", which it has not`, `its groups: ${[...ctx.groups.keys()].join(', ') || 'none'}`)
    const v = scalarText(value)
    if (v === undefined || groupsOn(ctx).has(group) || ctx.excluded.includes(v)) continue
    changed = add(ctx, v, `default of group ${group} (default_variations of ${label})`) || changed
  }
  return changed
}

function addBases(ctx: Ctx, meta: Record<string, unknown>, label: string): boolean {
  let changed = false
  for (const b of textList(meta.base)) {
    if (ctx.excluded.includes(b)) fail(ctx, `_${b}, the base of ${label}, is turned off (-_${b})`)
    changed = add(ctx, b, `base of ${label}`, true) || changed
  }
  return changed
}

/** Bases and default_variations, of each variation on and of each combined one whose parts are on, until nothing changes. */
function expand(ctx: Ctx, combined: string[]): void {
  const done = new Set<string>()
  for (let changed = true; changed;) {
    changed = false
    for (const t of [...ctx.tags]) {
      const s = staticOf(ctx, t)!
      changed = addBases(ctx, ctx.vars[s], `_${t}`) || changed
      changed = addDefaultVariations(ctx, ctx.vars[s].default_variations, `_${t}`) || changed
    }
    for (const c of combined) {
      if (done.has(c) || !partsOn(c.split(','), ctx.tags)) continue
      done.add(c)
      changed = addBases(ctx, ctx.vars[c], `_${c}`) || changed
      changed = addDefaultVariations(ctx, ctx.vars[c].default_variations, `_${c}`) || changed
    }
  }
}

function groupsOf(ctx: Pick<Ctx, 'vars' | 'alias' | 'file'>): Ctx['groups'] {
  const groups: Ctx['groups'] = new Map()
  for (const [name, v] of Object.entries(ctx.vars)) {
    const g = scalarText(v.group)
    if (g === undefined) continue
    const entry = groups.get(g) ?? { members: [] }
    entry.members.push(name)
    // as MLC reads it: a `default` key makes the variation its group's default
    if ('default' in v) {
      if (entry.default !== undefined)
        throw new CmcError('CM_VARIATION_INVALID', `${ctx.alias}: group "${g}" has two defaults, _${entry.default} and _${name}`, {
          where: { file: ctx.file },
          hint: 'keep `default:` on one variation of the group',
        })
      entry.default = name
    }
    groups.set(g, entry)
  }
  return groups
}

/**
 * The variations of `raw` on for the requested tags (without `_`; `-x` turns
 * x off). `more` holds further metas whose default_variations count (a
 * version's). Throws CM_VARIATION_INVALID naming the variation and the file.
 */
export function selectVariations(
  raw: CmRaw,
  requested: string[],
  where: { alias: string; file: string },
  more: Array<{ meta: Record<string, unknown>; label: string }> = [],
): VariationSelection {
  const vars = variationsOf(raw)
  const ctx: Ctx = { ...where, vars, groups: new Map(), tags: [], why: {}, excluded: [] }
  ctx.groups = groupsOf(ctx)
  ctx.excluded = requested.filter((t) => t.startsWith('-')).map((t) => staticOf(ctx, t.slice(1)) ?? t.slice(1))
  for (const t of requested) if (!t.startsWith('-')) add(ctx, t, 'asked for')
  for (const t of [...ctx.tags]) {
    const alias = scalarText(vars[staticOf(ctx, t)!].alias)
    if (alias !== undefined) add(ctx, alias, `alias of _${t}`)
  }
  const single = scalarText(raw.default_variation)
  if (!ctx.tags.length && single !== undefined && !ctx.excluded.includes(single)) add(ctx, single, 'default_variation')
  addDefaultVariations(ctx, raw.default_variations, 'the script')
  for (const m of more) addDefaultVariations(ctx, m.meta.default_variations, m.label)
  const combined = Object.keys(vars)
    .filter((k) => k.includes(','))
    .sort((a, b) => a.split(',').length - b.split(',').length)
  expand(ctx, combined)
  for (;;) {
    let changed = false
    const on = groupsOn(ctx)
    for (const [g, { members, default: def }] of ctx.groups) {
      const mine = on.get(g) ?? []
      if (mine.length > 1)
        throw new CmcError(
          'VARIATION_CONFLICT',
          `variations ${mine.map((m) => `_${m}`).join(' and ')} of ${ctx.alias} are both on, but they belong to one group "${g}"`,
          {
            where: { file: ctx.file },
            hint: `select one of ${members.map((m) => `_${m}`).join(', ')} (${mine.map((m) => `_${m}: ${ctx.why[m]}`).join('; ')})`,
          },
        )
      if (!mine.length && def !== undefined && !ctx.excluded.includes(def)) changed = add(ctx, def, `default of group ${g}`) || changed
    }
    if (!changed) break
    expand(ctx, combined)
  }
  checkCombinations(ctx, raw)
  return { tags: ctx.tags, why: ctx.why, excluded: ctx.excluded, applied: applied(ctx, combined) }
}

function checkCombinations(ctx: Ctx, raw: CmRaw): void {
  const sets = (v: unknown) => (Array.isArray(v) ? v.map(textList).filter((s) => s.length) : [])
  const valid = sets(raw.valid_variation_combinations)
  if (valid.length && !valid.some((s) => s.every((t) => ctx.tags.includes(t))))
    fail(
      ctx,
      `variations ${ctx.tags.map((t) => `_${t}`).join(',')} are not among its valid_variation_combinations`,
      `valid: ${valid.map((s) => s.join(',')).join('; ')}`,
    )
  const bad = sets(raw.invalid_variation_combinations).find((s) => s.every((t) => ctx.tags.includes(t)))
  if (bad) fail(ctx, `variations ${bad.map((t) => `_${t}`).join(',')} are listed in its invalid_variation_combinations`, 'turn one of them off with -_NAME')
}

function applied(ctx: Ctx, combined: string[]): VariationSelection['applied'] {
  const out: VariationSelection['applied'] = []
  const valueOf = new Map<string, string>() // wildcard -> the value it was given
  for (const t of ctx.tags) {
    const s = staticOf(ctx, t)!
    if (s === t) out.push({ key: t, meta: ctx.vars[t] })
    else {
      const value = t.slice(t.indexOf('.') + 1)
      if (!valueOf.has(s)) valueOf.set(s, value)
      out.push({ key: t, meta: withValue(ctx.vars[s], value) as Record<string, unknown> })
    }
  }
  for (const c of combined) {
    const parts = c.split(',')
    const fixed = parts.filter((p) => !p.endsWith('.#'))
    const wild = parts.filter((p) => p.endsWith('.#'))
    if (!fixed.every((p) => ctx.tags.includes(p)) || !wild.every((w) => valueOf.has(w) || ctx.tags.includes(w))) continue
    const values = wild.map((w) => valueOf.get(w)).filter((v): v is string => v !== undefined)
    if (values.length > 1) continue // MLC applies a combination with one wildcard value at most
    ctx.why[c] = 'combined: all of its parts are on'
    out.push({ key: c, meta: values.length ? (withValue(ctx.vars[c], values[0]) as Record<string, unknown>) : ctx.vars[c] })
  }
  return out
}
