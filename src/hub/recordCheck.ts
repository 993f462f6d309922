// What the hub accepts in a push, checked before anything is written: each
// record has the shape the store's queries and compare read (a stricter
// validateRecord: the id's form, a canonical createdAt, scalar params, numeric
// medians), and each file a safe name it declares (its logs, or outputs/ plus
// a path its record lists), a size under the limit and the sha256 it claims.
import { createHash } from 'node:crypto'
import { validateRecord } from '../store/store.js'
import type { ExperimentRecord } from '../store/record.js'
import { isRecord } from '../values.js'

export const RECORD_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const STATUSES = new Set(['ok', 'failed', 'timeout', 'aborted'])

/** One file of a pushed record, as the push body carries it. */
export interface PushedFile {
  name: string
  sha256: string
  /** base64 */
  data: string
}

export interface PushedItem {
  record: ExperimentRecord
  files?: PushedFile[]
}

/** A file checked and decoded. */
export interface CheckedFile {
  name: string
  sha256: string
  content: Buffer
}

const isString = (v: unknown): v is string => typeof v === 'string'

/** Why a record is refused, or undefined when it is accepted. */
export function recordProblem(r: unknown): string | undefined {
  if (!isRecord(r)) return 'expected a record object'
  if (!validateRecord(r)) return 'not a complete record (format 1, id, benchmark, status and metrics are required)'
  const x = r as unknown as ExperimentRecord
  if (!RECORD_ID.test(x.id)) return `id ${JSON.stringify(x.id)} is not a record id (yyyymmddThhmmssmmmZ-8 hex digits)`
  if (!isString(x.createdAt) || !CANONICAL_TIME.test(x.createdAt)) return 'createdAt: expected a UTC time as toISOString writes it (2026-12-01T10:00:00.000Z)'
  if (!STATUSES.has(x.status)) return `status ${JSON.stringify(x.status)}: expected ok, failed, timeout or aborted`
  if (!isString(x.benchmark.alias) || !isRecord(x.image) || !isString(x.image.alias) || !isString(x.image.digest))
    return 'benchmark.alias, image.alias and image.digest must be text'
  if (!isString(x.platform)) return 'platform: expected text'
  if (!isRecord(x.host) || !isString(x.host.hostname)) return 'host.hostname: expected text'
  if (!isRecord(x.params)) return 'params: expected an object'
  for (const [k, v] of Object.entries(x.params))
    if (!['string', 'number', 'boolean'].includes(typeof v)) return `params.${k}: expected text, a number or true/false`
  for (const [k, s] of Object.entries(x.metrics)) {
    if (!isRecord(s) || typeof s.median !== 'number' || !Number.isFinite(s.median)) return `metrics.${k}.median: expected a finite number`
  }
  if (!Array.isArray(x.tags) || !x.tags.every(isString)) return 'tags: expected a list of text'
  if (!Array.isArray(x.repeats)) return 'repeats: expected a list'
  if (!isRecord(x.logs) || !isString(x.logs.stdout) || !isString(x.logs.stderr)) return 'logs.stdout and logs.stderr: expected file names'
  if (!Array.isArray(x.outputs) || !x.outputs.every((o) => isRecord(o) && isString(o.path) && isString(o.sha256)))
    return 'outputs: expected a list of { path, size, sha256 }'
  return undefined
}

/** Why a file name is unsafe (absolute, `..`, backslashes, control characters), or undefined. */
export function unsafeName(name: unknown): string | undefined {
  if (!isString(name) || name === '') return 'a file needs a name'
  if (name.length > 512) return 'a file name longer than 512 characters'
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return `${JSON.stringify(name)} holds a backslash or a control character`
  if (name.startsWith('/')) return `${JSON.stringify(name)} is an absolute path`
  if (name.split('/').some((part) => part === '..' || part === '.' || part === '')) return `${JSON.stringify(name)} has an empty, "." or ".." part`
  return undefined
}

/** The files a record may carry: its two logs and outputs/PATH for each output it lists. */
export function declaredFiles(r: ExperimentRecord): Map<string, { sha256?: string }> {
  const out = new Map<string, { sha256?: string }>()
  out.set(r.logs.stdout, {})
  out.set(r.logs.stderr, {})
  for (const o of r.outputs) out.set(`outputs/${o.path}`, { sha256: o.sha256 })
  return out
}

/** The files checked against the record and the limit; the first problem throws as a message. */
export function checkFiles(r: ExperimentRecord, files: unknown, maxFileBytes: number): CheckedFile[] | string {
  if (files === undefined) return []
  if (!Array.isArray(files)) return 'files: expected a list'
  const declared = declaredFiles(r)
  const out: CheckedFile[] = []
  for (const f of files as PushedFile[]) {
    const unsafe = unsafeName(f?.name)
    if (unsafe) return unsafe
    const want = declared.get(f.name)
    if (!want) return `${JSON.stringify(f.name)} is not a log or an output the record lists`
    if (!isString(f.data) || !isString(f.sha256)) return `${f.name}: expected data (base64) and sha256`
    // base64 decodes to 3/4 of its length: refuse a file over the limit before decoding it
    if (f.data.length > Math.ceil(maxFileBytes / 3) * 4 + 4) return `${f.name} is over the hub's limit of ${maxFileBytes} bytes a file`
    const content = Buffer.from(f.data, 'base64')
    if (content.length > maxFileBytes) return `${f.name} is over the hub's limit of ${maxFileBytes} bytes a file`
    const sha256 = createHash('sha256').update(content).digest('hex')
    if (sha256 !== f.sha256 || (want.sha256 && want.sha256 !== sha256)) return `${f.name}: its content does not have the sha256 it claims`
    out.push({ name: f.name, sha256, content })
  }
  return out
}

/** JSON with keys sorted at every level: two serializations of one record hash alike. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (isRecord(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

/** The content hash a record is kept under: a re-push of it is a no-op, another record under its id a conflict. */
export const recordHash = (r: ExperimentRecord) => createHash('sha256').update(canonicalJson(r)).digest('hex')
