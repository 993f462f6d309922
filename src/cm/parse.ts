// CM/MLC meta text read as CM reads it: YAML with PyYAML's safe_load rules
// (YAML 1.1: `yes`/`no`/`on`/`off` are booleans, `2.9` is a number) and JSON
// with Python's json rules. Both accept a mapping that repeats a key, the last
// one winning; cmc does the same and says where the first repeat is, once,
// when the file is indexed.
import { CmcError } from '../errors.js'
import { jsYaml } from '../lazy.js'

export interface CmParsed {
  data: unknown
  /** The first repeated key, where a mapping repeats one (the last value is kept). */
  duplicate?: { key: string; line: number }
}

const isJson = (file: string) => file.endsWith('.json')

export function parseCmText(text: string, file: string): CmParsed {
  return isJson(file) ? parseJson(text, file) : parseYaml(text, file)
}

function parseYaml(text: string, file: string): CmParsed {
  const y = jsYaml()
  const options = { schema: y.YAML11_SCHEMA, filename: file }
  try {
    return { data: plain(y.load(text, options)) }
  } catch (e) {
    const dup = duplicateOf(e, text)
    if (!dup) throw yamlError(e, file)
    try {
      return { data: plain(y.load(text, { ...options, json: true })), duplicate: dup }
    } catch (again) {
      throw yamlError(again, file)
    }
  }
}

function parseJson(text: string, file: string): CmParsed {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)
    const pos = at ? lineCol(text, Number(at[1])) : undefined
    throw new CmcError('META_YAML', `malformed JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, {
      where: { file, ...pos },
      hint: 'check the commas, quotes and brackets on that line',
    })
  }
  // JSON.parse keeps the last of a repeated key, as Python's json does; the
  // YAML reader (JSON is YAML) finds where the first repeat is.
  let duplicate: CmParsed['duplicate']
  try {
    jsYaml().load(text)
  } catch (e) {
    duplicate = duplicateOf(e, text)
  }
  return { data, duplicate }
}

function duplicateOf(e: unknown, text: string): CmParsed['duplicate'] {
  const err = e as { reason?: string; mark?: { line?: number; column?: number } }
  if (typeof err?.reason !== 'string' || !err.reason.includes('duplicated mapping key')) return undefined
  const line = (err.mark?.line ?? 0) + 1
  const from = (text.split('\n')[line - 1] ?? '').slice(err.mark?.column ?? 0)
  const key = /^\s*-?\s*["']?([^"':,{}]+?)["']?\s*:/.exec(from)?.[1] ?? from.trim()
  return { key, line }
}

function yamlError(e: unknown, file: string): CmcError {
  const err = e as { reason?: string; message?: string; mark?: { line?: number; column?: number } }
  return new CmcError('META_YAML', `malformed ${isJson(file) ? 'JSON' : 'YAML'}: ${err.reason ?? err.message ?? String(e)}`, {
    where: { file, ...(err.mark?.line !== undefined ? { line: err.mark.line + 1, col: (err.mark.column ?? 0) + 1 } : {}) },
    hint: 'check indentation (spaces, not tabs), quotes and the `key: value` form on that line',
  })
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, col: before[before.length - 1].length + 1 }
}

/**
 * Values JSON can hold, as Python would print them: a YAML date becomes its
 * ISO text (PyYAML gives a date object, which CM only ever turns into text).
 */
function plain(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString().replace(/T00:00:00\.000Z$/, '')
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  // in place: the parser's own objects, most of which hold nothing to change
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = plain(v[i])
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = plain((v as Record<string, unknown>)[k])
  return v
}
