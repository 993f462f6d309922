// The plan hash: sha256 of canonical JSON (sorted keys) with absolute folders
// removed, so the same plan hashes the same on every machine.
import { createHash } from 'node:crypto'

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`
  }
  return JSON.stringify(v)
}

export function planHash(plan: object): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip)
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([k]) => k !== 'dir' && k !== 'hash')
          .map(([k, x]) => [k, strip(x)]),
      )
    }
    return v
  }
  return createHash('sha256')
    .update(canonicalJson(strip(plan)))
    .digest('hex')
}
