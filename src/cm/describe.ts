// What `cmc show` says of a CM/MLC script: every dep list in its place with
// each dep's names, conditions, version keys and env; the variations by
// group with the default, the combined ones, and what each variation sets
// (base, default_variations, add_deps_recursive/adr, env, deps, docker); the
// keys a CM user reads at the top (docker, input_mapping, versions,
// default_version, new_env_keys, cache). Values are kept as written.
import type { Artifact } from '../meta/artifact.js'
import { CONDITION_KEYS, DEP_LISTS, depsOf, scalarText, variationsOf, type CmRaw, type DepList } from './script.js'
import { isRecord } from '../values.js'

export interface CmDepView {
  tags: string
  names: string[]
  /** enable_if_env, skip_if_env, ... as written. */
  conditions: Record<string, unknown>
  /** The other keys of the dep (version, version_min, env, force_env_keys, ...), as written. */
  more: Record<string, unknown>
}

export interface CmVariationView {
  name: string
  group?: string
  default: boolean
  /** A combined variation (`a,b`): on when all its parts are. */
  combined: boolean
  /** A wildcard (`NAME.#`): `_NAME.value` selects it with the value. */
  wildcard: boolean
  base: unknown
  deps: Partial<Record<DepList, CmDepView[]>>
  /** The rest of the variation (env, default_variations, adr, docker, ...), as written. */
  more: Record<string, unknown>
}

export interface CmScriptView {
  deps: Partial<Record<DepList, CmDepView[]>>
  groups: Array<{ group: string; names: string[]; default?: string }>
  variations: CmVariationView[]
  /** Top-level keys a CM user reads, as written, where present. */
  keys: Record<string, unknown>
}

const TOP_KEYS = [
  'cache',
  'default_version',
  'default_variation',
  'default_variations',
  'versions',
  'default_env',
  'env',
  'new_env_keys',
  'new_state_keys',
  'input_mapping',
  'add_deps_recursive',
  'adr',
  'docker',
  'category',
]

function depView(d: ReturnType<typeof depsOf>[number]): CmDepView {
  const conditions: Record<string, unknown> = {}
  const more: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(d.raw)) {
    if (k === 'tags' || k === 'names') continue
    if ((CONDITION_KEYS as readonly string[]).includes(k)) conditions[k] = v
    else more[k] = v
  }
  return { tags: d.tags, names: d.names, conditions, more }
}

function depLists(meta: Record<string, unknown>): CmVariationView['deps'] {
  const out: CmVariationView['deps'] = {}
  for (const l of DEP_LISTS) {
    const list = depsOf(meta, l).map(depView)
    if (list.length) out[l] = list
  }
  return out
}

export function describeCmScript(a: Artifact): CmScriptView {
  const raw = a.meta as unknown as CmRaw
  const variations: CmVariationView[] = Object.entries(variationsOf(raw)).map(([name, v]) => {
    const more: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (!['group', 'default', 'base', ...DEP_LISTS].includes(k)) more[k] = x
    return {
      name,
      group: scalarText(v.group),
      default: 'default' in v,
      combined: name.includes(','),
      wildcard: name.endsWith('.#'),
      base: v.base,
      deps: depLists(v),
      more,
    }
  })
  const groups = new Map<string, { names: string[]; default?: string }>()
  for (const v of variations) {
    if (v.combined) continue
    const g = groups.get(v.group ?? '') ?? { names: [] }
    g.names.push(v.name)
    if (v.default && v.group !== undefined) g.default = v.name
    groups.set(v.group ?? '', g)
  }
  const keys: Record<string, unknown> = {}
  for (const k of TOP_KEYS) if (raw[k] !== undefined) keys[k] = raw[k]
  return {
    deps: depLists(raw),
    groups: [...groups.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([group, g]) => ({ group, ...g })),
    variations,
    keys,
  }
}

const looksTyped = /^(y|n|yes|no|on|off|true|false|null|~|[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?|[-+]?\.(inf|nan))$/i

/** A value on one line, as written (YAML-like flow). */
export function flow(v: unknown): string {
  // quoted where YAML 1.1 would read the bare text as another type (yes, on, 2.9)
  if (typeof v === 'string') return /^[\w./@+:-]*$/.test(v) && v !== '' && !looksTyped.test(v) ? v : JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`
  if (isRecord(v))
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${flow(x)}`)
      .join(', ')} }`
  return v === null ? 'null' : String(v)
}

function depLine(d: CmDepView): string {
  const parts = [d.tags || '(no tags)']
  if (d.names.length) parts.push(`names: ${d.names.join(', ')}`)
  for (const [k, v] of Object.entries(d.conditions)) parts.push(`${k} ${flow(v)}`)
  for (const [k, v] of Object.entries(d.more)) parts.push(`${k}: ${flow(v)}`)
  return parts.join('  ')
}

/** The view as text lines, indented under `cmc show`'s header. */
export function renderCmScript(view: CmScriptView): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(view.keys)) {
    if (isRecord(v) && Object.keys(v).length > 3) {
      out.push(`  ${k}:`)
      for (const [kk, vv] of Object.entries(v)) out.push(`    ${kk}: ${flow(vv)}`)
    } else out.push(`  ${k}: ${flow(v)}`)
  }
  for (const l of DEP_LISTS) {
    const list = view.deps[l]
    if (!list?.length) continue
    out.push(`  ${l}:${l === 'deps' || l === 'prehook_deps' ? ' (before the script runs)' : ' (after the script runs)'}`)
    for (const d of list) out.push(`    - ${depLine(d)}`)
  }
  if (view.variations.length) {
    out.push('  variations:')
    for (const g of view.groups)
      out.push(`    ${g.group === '' ? '(no group)' : `group ${g.group}`}: ${g.names.map((n) => (n === g.default ? `_${n} (default)` : `_${n}`)).join(', ')}`)
    const combined = view.variations.filter((v) => v.combined)
    if (combined.length) out.push(`    combined (on when all parts are): ${combined.map((v) => `_${v.name.split(',').join(',_')}`).join('; ')}`)
    for (const v of view.variations) {
      const bits: string[] = []
      if (v.base !== undefined) bits.push(`base: ${flow(v.base)}`)
      for (const [k, x] of Object.entries(v.more)) bits.push(`${k}: ${flow(x)}`)
      const deps = DEP_LISTS.flatMap((l) => (v.deps[l] ?? []).map((d) => `${l}: ${depLine(d)}`))
      if (!bits.length && !deps.length) continue
      out.push(`    _${v.name}${v.wildcard ? ' (wildcard: _' + v.name.slice(0, -1) + 'VALUE, # is VALUE)' : ''}:`)
      for (const b of bits) out.push(`      ${b}`)
      for (const d of deps) out.push(`      ${d}`)
    }
  }
  return out
}
