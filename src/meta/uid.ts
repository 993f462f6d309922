// Artifact uids: 16 hex digits. New ones are random; folders without a uid get
// one derived from stable parts (repo uid + relative path) so it never changes.
import { createRequire } from 'node:module'

// node:crypto is loaded on first use: it costs several ms at start and most
// commands read uids from the index cache.
let cryptoModule: typeof import('node:crypto') | undefined
const crypto = () => (cryptoModule ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'))

export function newUid(): string {
  return crypto().randomBytes(8).toString('hex')
}

export function derivedUid(...parts: string[]): string {
  return crypto().createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16)
}
