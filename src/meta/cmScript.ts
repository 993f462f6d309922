// CM/MLC script meta (_cm.yaml, _cm.json, meta.yaml) in cmc's component
// shape, for a reader that wants one. The index keeps CM meta as written and
// reads it as CM does (src/cm/); this translation is a summary of it and takes
// any value at any key without failing.
import { depsOf, envOf, scalarText, searchTags, variationsOf, type CmRaw } from '../cm/script.js'
import type { ComponentMeta, Dep, Variation } from './schema.js'
import { isRecord } from '../values.js'

type CmDep = {
  tags?: string
  names?: string[]
  version?: string
  version_min?: string
  version_max?: string
  enable_if_env?: Record<string, unknown>
  skip_if_env?: Record<string, unknown>
  env?: Record<string, unknown>
}

type CmVariation = {
  group?: string
  default?: boolean
  deps?: CmDep[]
  env?: Record<string, unknown>
  add_deps_recursive?: Record<string, unknown>
}

export interface CmMeta {
  alias?: string
  uid?: string
  tags?: string[] | string
  deps?: CmDep[]
  prehook_deps?: CmDep[]
  post_deps?: CmDep[]
  variations?: Record<string, CmVariation>
  default_variation?: string
  default_env?: Record<string, unknown>
  env?: Record<string, unknown>
  new_env_keys?: string[]
  default_version?: string
  category?: string
  automation_alias?: string
}

/** True when parsed data looks like CM script meta (has alias and tags, no cmc kind). */
export function looksLikeCm(data: unknown): data is CmMeta {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false
  const d = data as Record<string, unknown>
  return typeof d.alias === 'string' && d.kind === undefined && (Array.isArray(d.tags) || typeof d.tags === 'string' || d.automation_alias !== undefined)
}

const strEnv = (e?: unknown): Record<string, string> | undefined => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(envOf(e))) if (typeof v !== 'object') out[k] = String(v)
  return Object.keys(out).length ? out : undefined
}

function semverish(v: unknown): string {
  const parts = String(v)
    .split('.')
    .filter((p) => /^\d+$/.test(p))
  while (parts.length < 3) parts.push('0')
  return parts.slice(0, 3).join('.')
}

function dep(d: CmDep): Dep | undefined {
  if (!d.tags) return undefined
  const range = [
    d.version_min ? `>=${semverish(d.version_min)}` : '',
    d.version_max ? `<=${semverish(d.version_max)}` : '',
    d.version ? semverish(d.version) : '',
  ]
    .filter(Boolean)
    .join(' ')
  const out: Dep = { tags: d.tags }
  if (range) out.version = range
  const env = strEnv(d.env)
  if (env) out.env = env
  // enable_if_env/skip_if_env depend on run-time env CM evaluates; cmc cannot
  // decide them statically, so such deps become optional.
  if (d.enable_if_env || d.skip_if_env) out.optional = true
  if (typeof out.tags !== 'string') return undefined
  return out
}

export function cmToComponent(cm: CmMeta, alias: string, uid: string): ComponentMeta {
  const raw = (isRecord(cm) ? cm : {}) as CmRaw
  const tags = searchTags(raw)
  const variations: Record<string, Variation> = {}
  const depList = (m: Record<string, unknown>, list: 'deps' | 'prehook_deps' | 'post_deps') =>
    depsOf(m, list).map((d) => dep({ ...(d.raw as CmDep), tags: d.tags }))
  for (const [name, v] of Object.entries(variationsOf(raw))) {
    // CM variation names like "cuda,fp16" combine others; keep single names only.
    if (name.includes(',')) continue
    const out: Variation = {}
    const group = scalarText(v.group)
    if (group) out.group = group
    if (v.default || scalarText(raw.default_variation) === name) out.default = true
    const deps = depList(v, 'deps').filter((d): d is Dep => d !== undefined)
    if (deps.length) out.deps = deps
    const env = strEnv(v.env)
    if (env) out.env = env
    variations[name] = out
  }
  const deps = [...depList(raw, 'deps'), ...depList(raw, 'prehook_deps'), ...depList(raw, 'post_deps')].filter((d): d is Dep => d !== undefined)
  const meta: ComponentMeta = { kind: 'component', alias, uid, tags }
  if (deps.length) meta.deps = deps
  if (Object.keys(variations).length) meta.variations = variations
  const env = { ...strEnv(raw.default_env), ...strEnv(raw.env) }
  if (Object.keys(env).length) meta.env = env
  const dv = scalarText(raw.default_version)
  if (dv && /^\d+(\.\d+)*$/.test(dv)) meta.version = semverish(dv)
  return meta
}
