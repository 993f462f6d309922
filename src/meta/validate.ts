// Validation of parsed meta against the TypeBox schema with Ajv, turning Ajv's
// errors into one clear message: which key, what was expected, the nearest
// valid key for typos. Positions are looked up by the caller (YAML nodes).
//
// The build (scripts/gen-schema.mjs) writes the Ajv validators as plain code
// to dist/meta/validators/<name>.gen.cjs, with the schemas' fingerprint, so
// checking meta loads neither TypeBox nor Ajv and compiles no schema at run
// time. When the sources run (the tests), or those files are missing, the
// schemas are compiled here with the same options (src/meta/validatorsSource.ts):
// both give the same errors and the same fingerprint. (`npm run build` writes
// them after tsc; a bare `tsc` leaves the previous ones in place.)
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { fromSources, packageRoot } from '../paths.js'
import type { Kind } from './kinds.js'
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

/** The schemas meta is checked against: one per artifact kind, and cmc-repo.yaml's. */
export type SchemaName = Kind | 'repo'

/** The parts of a JSON schema the hints walk. */
export interface SchemaNode {
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  patternProperties?: Record<string, SchemaNode>
  additionalProperties?: boolean | SchemaNode
  anyOf?: SchemaNode[]
  description?: string
}

interface Validators {
  validator(name: SchemaName): ValidateFunction
  schema(name: SchemaName): SchemaNode
  fingerprint(): string
}

/** Where the build writes the validators; the sources have none. */
const generatedDir = pathToFileURL(path.join(packageRoot, 'dist/meta/validators') + path.sep)

async function compiledHere(): Promise<Validators> {
  const { compileValidators } = await import('./validatorsSource.js')
  return compileValidators()
}

/** The build's modules, each required on first use (the warm index validates nothing). */
function generated(): Validators {
  const require = createRequire(import.meta.url)
  const loaded = new Map<SchemaName, { validate: ValidateFunction; schema: SchemaNode }>()
  const get = (name: SchemaName) => {
    let m = loaded.get(name)
    if (!m) {
      m = require(fileURLToPath(new URL(`${name}.gen.cjs`, generatedDir))) as { validate: ValidateFunction; schema: SchemaNode }
      loaded.set(name, m)
    }
    return m
  }
  let fingerprint: string | undefined
  return {
    validator: (name) => get(name).validate,
    schema: (name) => get(name).schema,
    fingerprint: () => (fingerprint ??= readFileSync(new URL('fingerprint.txt', generatedDir), 'utf8').trim()),
  }
}

// (the fingerprint is written last, after the modules)
const validators: Validators = !fromSources && existsSync(new URL('fingerprint.txt', generatedDir)) ? generated() : await compiledHere()

/** Identifies the schemas meta is checked against: what is cached from a check is kept only under the same ones. */
export function schemaFingerprint(): string {
  return validators.fingerprint()
}

/** The value at a data path (keys and indexes). */
export function valueAt(data: unknown, p: Array<string | number>): unknown {
  let v = data
  for (const k of p) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined
  return v
}

function splitPointer(p: string): Array<string | number> {
  if (!p) return []
  return p
    .slice(1)
    .split('/')
    .map((s) => {
      const k = s.replace(/~1/g, '/').replace(/~0/g, '~')
      return /^\d+$/.test(k) ? Number(k) : k
    })
}

/** Walk the schema along a data path to list the keys allowed there. */
function allowedKeys(schema: SchemaNode, path: Array<string | number>): string[] {
  return [...new Set(nodesAt(schema, path).flatMap((n) => Object.keys(n.properties ?? {})))]
}

/** What the schema says the value at a data path is (for a hint beside "must match ..."). */
function descriptionAt(schema: SchemaNode, path: Array<string | number>): string | undefined {
  return nodesAt(schema, path).find((n) => n.description)?.description
}

/** The schema nodes a data path leads to. */
function nodesAt(schema: SchemaNode, path: Array<string | number>): SchemaNode[] {
  let nodes: SchemaNode[] = [schema]
  for (const seg of path) {
    const next: SchemaNode[] = []
    for (const n of expand(nodes)) {
      if (typeof seg === 'number' && n.items) next.push(n.items)
      else if (typeof seg === 'string' && n.properties?.[seg]) next.push(n.properties[seg])
      else if (typeof seg === 'string' && n.patternProperties) next.push(...Object.values(n.patternProperties))
      else if (typeof seg === 'string' && typeof n.additionalProperties === 'object') next.push(n.additionalProperties)
    }
    nodes = next
  }
  return expand(nodes)
}

function expand(nodes: SchemaNode[]): SchemaNode[] {
  return nodes.flatMap((n) => (n.anyOf ? expand(n.anyOf) : [n]))
}

const rank: Record<string, number> = { additionalProperties: 0, required: 1, const: 2, enum: 2, pattern: 3, minimum: 3, type: 4 }

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'type':
      return `must be ${e.params.type === 'integer' ? 'an integer' : `a${/^[aeiou]/.test(String(e.params.type)) ? 'n' : ''} ${e.params.type}`}`
    case 'const':
      return `must be ${JSON.stringify(e.params.allowedValue)}`
    case 'pattern':
      return `must match ${e.params.pattern}`
    case 'minimum':
      return `must be >= ${e.params.limit}`
    case 'enum':
      return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return e.message ?? 'is invalid'
  }
}

/**
 * A value of a union of values (format: json | loadgen | regex) fails once
 * per value: one problem that lists them all stands for those, and for the
 * values' "must be string" where it is not a string at all.
 */
function oneProblemPerUnionOfValues(errors: ErrorObject[]): ErrorObject[] {
  const values = new Map<string, unknown[]>()
  for (const e of errors) if (e.keyword === 'const') values.set(e.instancePath, [...(values.get(e.instancePath) ?? []), e.params.allowedValue])
  const listed = new Set<string>()
  return errors.flatMap((e) => {
    const allowed = values.get(e.instancePath)
    if (!allowed || allowed.length < 2 || (e.keyword !== 'const' && e.keyword !== 'type')) return [e]
    if (listed.has(e.instancePath)) return []
    listed.add(e.instancePath)
    return [{ ...e, keyword: 'enum', params: { allowedValues: allowed } }]
  })
}

/** Validate; returns the most useful problem first, or [] when valid. */
export function validateMeta(name: SchemaName, data: unknown): MetaProblem[] {
  const validate = validators.validator(name)
  if (validate(data)) return []
  const schema = validators.schema(name)
  const all = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf')
  // A union (e.g. a dep is a string or an object) fails in every branch; the
  // "must be string" of the branch the user did not mean is noise when another
  // branch got further, so drop type errors at or above a deeper error.
  const errors = oneProblemPerUnionOfValues(
    all.filter(
      (e) =>
        e.keyword !== 'type' ||
        !all.some((o) => o !== e && o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/'))),
    ),
  )
  // Deeper and more specific errors first: a typo'd key beats "must be string"
  // from the other branch of a union.
  errors.sort((a, b) => {
    const da = splitPointer(a.instancePath).length,
      db = splitPointer(b.instancePath).length
    return (rank[a.keyword] ?? 5) - (rank[b.keyword] ?? 5) || db - da
  })
  return errors.map((e): MetaProblem => {
    const path = splitPointer(e.instancePath)
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty)
      const near = nearest(key, allowedKeys(schema, path), 1)
      return {
        path: [...path, key],
        atKey: true,
        code: 'META_UNKNOWN_KEY',
        message: `unknown key "${key}"${path.length ? ` in ${path.join('.')}` : ''}`,
        hint: near.length ? `did you mean "${near[0]}"?` : `valid keys here: ${allowedKeys(schema, path).join(', ')}`,
      }
    }
    if (e.keyword === 'required') {
      return {
        path,
        atKey: false,
        code: 'META_MISSING_KEY',
        message: `missing required key "${e.params.missingProperty}"${path.length ? ` in ${path.join('.')}` : ''}`,
        hint: `add "${e.params.missingProperty}:"`,
      }
    }
    const what = e.keyword === 'pattern' ? descriptionAt(schema, path) : undefined
    const given = valueAt(data, path)
    const near = e.keyword === 'enum' && typeof given === 'string' ? nearest(given, (e.params.allowedValues as unknown[]).map(String), 1) : []
    return {
      path,
      atKey: false,
      code: 'META_INVALID',
      message: `${path.join('.') || 'meta'} ${describe(e)}`,
      ...(what ? { hint: `${path.at(-1)}: ${what}` } : near.length ? { hint: `did you mean "${path.at(-1)}: ${near[0]}"?` } : {}),
    }
  })
}
