// A dep's env conditions, decided as MLC decides them: enable_if_env and
// skip_if_env hold when every key matches (enable_if_any_env and
// skip_if_any_env when one does); a value of yes/on/true/1 asks for a key set
// to anything but a false value, no/off/false/0 for one unset, empty or false,
// and any other value for that text (compared in lower case).
import { CONDITION_KEYS, pyStr, type ConditionKey } from './script.js'
import { isRecord } from '../values.js'

export type Env = Record<string, unknown> & { [RUNTIME]?: Array<{ pattern: RegExp; by: string }> }

/**
 * Keys a script's run sets under a wildcard name (new_env_keys: MLC_LLVM_*):
 * their values exist only at run time, so a condition asking whether such a
 * key is set finds it set.
 */
export const RUNTIME: unique symbol = Symbol('set at run time')

function lookup(env: Env, key: string): { found: boolean; value?: unknown } {
  if (key in env) return { found: true, value: env[key] }
  const by = env[RUNTIME]?.find((r) => r.pattern.test(key))
  return by ? { found: true, value: `(set by ${by.by} at run time)` } : { found: false }
}

const TRUE = new Set(['yes', 'on', 'true', '1'])
const FALSE = new Set(['no', 'off', 'false', '0'])
const placeholder = /<<<(.*?)>>>/

const isFalse = (v: string) => FALSE.has(v)
const unsetLike = (v: string) => isFalse(v) || v === '' || placeholder.test(v)

function wanted(spec: unknown): string[] {
  return (Array.isArray(spec) ? spec : [spec]).map((v) => pyStr(v).toLowerCase())
}

/** Whether one key of a condition matches the env (`missingFalse`: a missing key matches a false value). */
function keyMatches(key: string, spec: unknown, env: Env, missingFalse: boolean): boolean {
  const want = wanted(spec)
  const at = lookup(env, key)
  if (!at.found) return missingFalse && want.some((w) => FALSE.has(w) || w === '')
  const value = pyStr(at.value).toLowerCase().trim()
  if (want.some((w) => TRUE.has(w))) return !unsetLike(value)
  if (want.some((w) => FALSE.has(w) || (w === '' && !missingFalse))) return unsetLike(value)
  if (!missingFalse && want.includes('')) return unsetLike(value)
  return want.includes(value)
}

function all(cond: Record<string, unknown>, env: Env): boolean {
  return Object.entries(cond).every(([k, spec]) => keyMatches(k, spec, env, true))
}

function any(cond: Record<string, unknown>, env: Env): boolean {
  return Object.entries(cond).some(([k, spec]) => keyMatches(k, spec, env, false))
}

export interface ConditionVerdict {
  /** false where a condition leaves the dep out. */
  enabled: boolean
  /** Each condition the dep carries, with what the env holds for its keys. */
  checks: Array<{ key: ConditionKey; holds: boolean; text: string }>
}

/** Whether a dep is used, given the env at it, and why. */
export function judgeDep(dep: Record<string, unknown>, env: Env): ConditionVerdict {
  const checks: ConditionVerdict['checks'] = []
  let enabled = true
  for (const key of CONDITION_KEYS) {
    const cond = dep[key]
    if (cond === undefined) continue
    // MLC warns about a condition that is not a mapping and lets the dep be
    const c = isRecord(cond) ? cond : {}
    const holds = key.endsWith('_any_env') ? (isRecord(cond) ? any(c, env) : false) : all(c, env)
    const leavesOut = key.startsWith('enable') ? !holds : holds
    if (leavesOut) enabled = false
    checks.push({ key, holds, text: conditionText(key, c, env) })
  }
  return { enabled, checks }
}

function conditionText(key: ConditionKey, cond: Record<string, unknown>, env: Env): string {
  const parts = Object.entries(cond).map(([k, spec]) => {
    const at = lookup(env, k)
    const now = at.found ? pyStr(at.value) : 'unset'
    return `${k}=${wanted(spec).join('|')} (is ${now})`
  })
  return `${key} ${parts.join(key.endsWith('_any_env') ? ' or ' : ' and ') || '{}'}`
}
