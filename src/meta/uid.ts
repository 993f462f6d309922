// Artifact uids: 16 hex digits. New ones are random; folders without a uid get
// one derived from stable parts (repo uid + relative path) so it never changes.
import { createHash, randomBytes } from 'node:crypto'

export function newUid(): string {
  return randomBytes(8).toString('hex')
}

export function derivedUid(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16)
}
