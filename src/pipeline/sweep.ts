// Parameter sweeps: `--set batch=1,8,32 --set threads=1,2` -> the cartesian
// product of points, each with every declared param (defaults filled in).
// The order is deterministic: declared params first, in meta order.
import { createRequire } from 'node:module'
import { CmcError } from '../errors.js'
import { nearest } from '../meta/nearest.js'
import type { PlanBenchmark } from '../resolve/plan.js'

export type ParamValue = string | number | boolean

function typed(raw: string, like: ParamValue): ParamValue {
  if (typeof like === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw)
  if (typeof like === 'boolean' && /^(true|false)$/.test(raw)) return raw === 'true'
  return raw
}

export function expandSweep(params: PlanBenchmark['params'], sets: Record<string, string>): Array<Record<string, ParamValue>> {
  for (const k of Object.keys(sets)) {
    if (!(k in params)) {
      const near = nearest(k, Object.keys(params), 1)
      throw new CmcError('input', 'PARAM_UNKNOWN', `unknown parameter "${k}"`, { hint: near.length ? `did you mean "${near[0]}"?` : `parameters: ${Object.keys(params).join(', ') || 'none'}` })
    }
  }
  let points: Array<Record<string, ParamValue>> = [{}]
  for (const [name, p] of Object.entries(params)) {
    const values = sets[name] !== undefined ? sets[name].split(',').map((v) => typed(v.trim(), p.default)) : [p.default]
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
export function renderCommand(template: string, params: Record<string, ParamValue>): string {
  const unknown = (name: string) => new CmcError('input', 'COMMAND_TEMPLATE', `benchmark command: {{${name}}} is not a declared param`, { hint: 'every {{name}} in command must be a declared param' })
  if (!template.replace(SIMPLE, '').includes('{{')) {
    return template.replace(SIMPLE, (_, name: string) => {
      if (!Object.hasOwn(params, name)) throw unknown(name)
      return String(params[name])
    })
  }
  try {
    const Handlebars = createRequire(import.meta.url)('handlebars') as typeof import('handlebars')
    return Handlebars.compile(template, { noEscape: true, strict: true })(params)
  } catch (e) {
    throw new CmcError('input', 'COMMAND_TEMPLATE', `benchmark command: ${(e as Error).message.split('\n')[0]}`, { hint: 'every {{name}} in command must be a declared param' })
  }
}
