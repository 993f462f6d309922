// Validation of parsed meta against the TypeBox schema with Ajv, turning Ajv's
// errors into one clear message: which key, what was expected, the nearest
// valid key for typos. Positions are looked up by the caller (YAML nodes).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { TSchema } from '@sinclair/typebox'
import { nearest } from './nearest.js'

export interface MetaProblem {
  /** Path of the offending value (keys and indexes). */
  path: Array<string | number>
  /** When the problem is a key (unknown key), the key itself is the position. */
  atKey: boolean
  code: 'META_UNKNOWN_KEY' | 'META_MISSING_KEY' | 'META_INVALID'
  message: string
  hint?: string
}

const ajv = new Ajv({ allErrors: true, strict: false })
const compiled = new WeakMap<TSchema, ValidateFunction>()

function validatorFor(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema)
  if (!v) {
    v = ajv.compile(schema)
    compiled.set(schema, v)
  }
  return v
}

function splitPointer(p: string): Array<string | number> {
  if (!p) return []
  return p.slice(1).split('/').map((s) => {
    const k = s.replace(/~1/g, '/').replace(/~0/g, '~')
    return /^\d+$/.test(k) ? Number(k) : k
  })
}

/** Walk the schema along a data path to list the keys allowed there. */
function allowedKeys(schema: TSchema, path: Array<string | number>): string[] {
  let nodes: TSchema[] = [schema]
  for (const seg of path) {
    const next: TSchema[] = []
    for (const n of expand(nodes)) {
      if (typeof seg === 'number' && n.items) next.push(n.items as TSchema)
      else if (typeof seg === 'string' && n.properties?.[seg]) next.push(n.properties[seg] as TSchema)
      else if (typeof seg === 'string' && n.patternProperties) next.push(...(Object.values(n.patternProperties) as TSchema[]))
      else if (typeof seg === 'string' && typeof n.additionalProperties === 'object') next.push(n.additionalProperties as TSchema)
    }
    nodes = next
  }
  return [...new Set(expand(nodes).flatMap((n) => Object.keys(n.properties ?? {})))]
}

function expand(nodes: TSchema[]): TSchema[] {
  return nodes.flatMap((n) => (n.anyOf ? expand(n.anyOf as TSchema[]) : [n]))
}

const rank: Record<string, number> = { additionalProperties: 0, required: 1, const: 2, enum: 2, pattern: 3, minimum: 3, type: 4 }

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'type': return `must be ${e.params.type === 'integer' ? 'an integer' : `a${/^[aeiou]/.test(String(e.params.type)) ? 'n' : ''} ${e.params.type}`}`
    case 'const': return `must be ${JSON.stringify(e.params.allowedValue)}`
    case 'pattern': return `must match ${e.params.pattern}`
    case 'minimum': return `must be >= ${e.params.limit}`
    default: return e.message ?? 'is invalid'
  }
}

/** Validate; returns the most useful problem first, or [] when valid. */
export function validateMeta(schema: TSchema, data: unknown): MetaProblem[] {
  const validate = validatorFor(schema)
  if (validate(data)) return []
  const all = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf')
  // A union (e.g. a dep is a string or an object) fails in every branch; the
  // "must be string" of the branch the user did not mean is noise when another
  // branch got further, so drop type errors at or above a deeper error.
  const errors = all.filter((e) => e.keyword !== 'type' || !all.some((o) => o !== e && o.keyword !== 'type' &&
    (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/'))))
  // Deeper and more specific errors first: a typo'd key beats "must be string"
  // from the other branch of a union.
  errors.sort((a, b) => {
    const da = splitPointer(a.instancePath).length, db = splitPointer(b.instancePath).length
    return (rank[a.keyword] ?? 5) - (rank[b.keyword] ?? 5) || db - da
  })
  return errors.map((e): MetaProblem => {
    const path = splitPointer(e.instancePath)
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty)
      const near = nearest(key, allowedKeys(schema, path), 1)
      return {
        path: [...path, key], atKey: true, code: 'META_UNKNOWN_KEY',
        message: `unknown key "${key}"${path.length ? ` in ${path.join('.')}` : ''}`,
        hint: near.length ? `did you mean "${near[0]}"?` : `valid keys here: ${allowedKeys(schema, path).join(', ')}`,
      }
    }
    if (e.keyword === 'required') {
      return { path, atKey: false, code: 'META_MISSING_KEY', message: `missing required key "${e.params.missingProperty}"${path.length ? ` in ${path.join('.')}` : ''}`, hint: `add "${e.params.missingProperty}:"` }
    }
    return { path, atKey: false, code: 'META_INVALID', message: `${path.join('.') || 'meta'} ${describe(e)}` }
  })
}
