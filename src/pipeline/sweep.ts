// Parameter sweeps: `--set batch=1,8,32 --set threads=1,2` -> the cartesian
// product of points, each with every declared param (defaults filled in).
// The order is deterministic: declared params first, in meta order.
import { CmcError } from '../errors.js'
import { nearest } from '../meta/nearest.js'
import type { PlanBenchmark } from '../resolve/plan.js'
import { handlebars } from '../lazy.js'

export type ParamValue = string | number | boolean

/** One --set value, typed like the param's default; text is checked against the param's `values:`. */
function typed(name: string, raw: string, p: PlanBenchmark['params'][string], list = raw): ParamValue {
  const bad = (why: string, hint: string, value = raw) => new CmcError('PARAM_VALUE', `--set ${name}=${value}: ${why}`, { hint })
  if (raw === '')
    throw bad(
      list === '' ? 'an empty value' : 'an empty item in the list',
      `give a value, or a list without empty items: --set ${name}=${p.values?.join(',') ?? p.default}`,
      list,
    )
  const v = asRecorded(raw, p.default)
  if (typeof p.default === 'number' && typeof v !== 'number') throw bad(`${name} is a number`, `e.g. --set ${name}=${p.default}`)
  if (typeof p.default === 'boolean' && typeof v !== 'boolean') throw bad(`${name} is true or false`, `--set ${name}=true or --set ${name}=false`)
  // text and boolean values are an enumeration (dtype: float32, float64); numeric
  // ones are suggested sweep points (batch: 1, 8, 32), not a limit
  if (p.values && typeof v !== 'number' && !p.values.map(String).includes(String(v))) {
    throw bad(
      `not one of the values the benchmark declares (${p.values.join(', ')})`,
      `use one of them, or add ${raw} to the param's \`values:\` in the benchmark's meta`,
    )
  }
  return v
}

/** `raw` typed like `like` where it reads as that type, else the text itself (how a recorded value runs again). */
function asRecorded(raw: string, like: ParamValue): ParamValue {
  if (typeof like === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw)
  if (typeof like === 'boolean' && /^(true|false)$/.test(raw)) return raw === 'true'
  return raw
}

/**
 * The points of a sweep. `recorded`: the values come from a record, not a user,
 * and run as they ran then, unchecked (the meta's `values:` may have changed since).
 */
export function expandSweep(
  params: PlanBenchmark['params'],
  sets: Record<string, string>,
  opts: { recorded?: boolean } = {},
): Array<Record<string, ParamValue>> {
  for (const k of Object.keys(sets)) {
    if (!(k in params)) {
      const near = nearest(k, Object.keys(params), 1)
      throw new CmcError('PARAM_UNKNOWN', `unknown parameter "${k}"`, {
        hint: near.length ? `did you mean "${near[0]}"?` : `parameters: ${Object.keys(params).join(', ') || 'none'}`,
      })
    }
  }
  let points: Array<Record<string, ParamValue>> = [{}]
  for (const [name, p] of Object.entries(params)) {
    const values =
      sets[name] === undefined
        ? [p.default]
        : opts.recorded
          ? [asRecorded(sets[name], p.default)]
          : sets[name].split(',').map((v) => typed(name, v.trim(), p, sets[name]))
    points = points.flatMap((pt) => values.map((v) => ({ ...pt, [name]: v })))
  }
  return points
}

const SIMPLE = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g

/**
 * The command with its {{param}} placeholders filled. Plain placeholders are
 * filled here; anything else handlebars can do (helpers, blocks) goes through
 * handlebars, loaded only then: a `cmc run` otherwise never loads it.
 */
export function renderCommand(template: string, params: Record<string, ParamValue>, key = 'command'): string {
  const hint = `every {{name}} in ${key} must be a declared param`
  const unknown = (name: string) => new CmcError('COMMAND_TEMPLATE', `benchmark ${key}: {{${name}}} is not a declared param`, { hint })
  if (!template.replace(SIMPLE, '').includes('{{')) {
    return template.replace(SIMPLE, (_, name: string) => {
      if (!Object.hasOwn(params, name)) throw unknown(name)
      return String(params[name])
    })
  }
  try {
    return handlebars().compile(template, { noEscape: true, strict: true })(params)
  } catch (e) {
    throw new CmcError('COMMAND_TEMPLATE', `benchmark ${key}: ${(e as Error).message.split('\n')[0]}`, { hint })
  }
}

/** A point's params as people read them: `threads=2 size=1000`, in the order they were declared. */
export function paramLabel(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
}
