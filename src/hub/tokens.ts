// Hub tokens: `cmc_` and 32 random bytes, shown once when made and kept only
// as their sha256, so a copy of the database gives no one a token. A token has
// a user, a scope (read < push < admin: each allows what the one before does)
// and optionally one project (none: every project).
import { createHash, randomBytes } from 'node:crypto'
import { CmcError } from '../errors.js'
import type { Db } from './db.js'

export type Scope = 'read' | 'push' | 'admin'
export const SCOPES: readonly Scope[] = ['read', 'push', 'admin']

export interface TokenInfo {
  id: number
  user: string
  scope: Scope
  project: string | null
  createdAt: string
  revokedAt: string | null
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/** Whether a token of `have` scope may do what `need` asks. */
export const scopeAllows = (have: Scope, need: Scope) => SCOPES.indexOf(have) >= SCOPES.indexOf(need)

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** A project or user name: letters, digits, . _ - (what goes in a URL path unescaped). */
export function checkName(kind: 'project' | 'user', name: string): string {
  if (!NAME.test(name))
    throw new CmcError('FLAG_VALUE', `${kind} name ${JSON.stringify(name)}: expected letters, digits, ".", "_" or "-" (at most 64)`, {
      hint: `e.g. --${kind} ${kind === 'project' ? 'team-a' : 'alice'}`,
    })
  return name
}

interface TokenRow {
  id: string
  user: string
  scope: Scope
  project: string | null
  created_at: Date
  revoked_at: Date | null
}

const info = (r: TokenRow): TokenInfo => ({
  id: Number(r.id),
  user: r.user,
  scope: r.scope,
  project: r.project,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
})

export async function createToken(db: Db, opts: { user: string; scope: Scope; project?: string }): Promise<TokenInfo & { token: string }> {
  checkName('user', opts.user)
  if (opts.project) checkName('project', opts.project)
  const token = `cmc_${randomBytes(32).toString('base64url')}`
  const [row] = await db.query<TokenRow>('insert into tokens (hash, "user", scope, project) values ($1, $2, $3, $4) returning *', [
    hashToken(token),
    opts.user,
    opts.scope,
    opts.project ?? null,
  ])
  return { ...info(row!), token }
}

/** Every token; with `project`, that project's only (what an admin of it manages over the API). */
export async function listTokens(db: Db, project?: string): Promise<TokenInfo[]> {
  const rows =
    project === undefined
      ? await db.query<TokenRow>('select * from tokens order by id')
      : await db.query<TokenRow>('select * from tokens where project = $1 order by id', [project])
  return rows.map(info)
}

/** Revokes a token (again: a no-op, said in `alreadyRevoked`); with `project`, only one of that project's. */
export async function revokeToken(db: Db, id: number, project?: string): Promise<TokenInfo & { alreadyRevoked: boolean }> {
  // the joined row is read before the update: it says whether the token was revoked already
  const [row] = await db.query<TokenRow & { revoked_before: Date | null }>(
    `update tokens t set revoked_at = coalesce(b.revoked_at, now()) from tokens b
      where t.id = $1 and b.id = t.id and ($2::text is null or t.project = $2) returning t.*, b.revoked_at as revoked_before`,
    [id, project ?? null],
  )
  if (!row)
    // the command's argument is wrong (FLAG_VALUE); over the API, the token asked for is not there (404)
    throw new CmcError(
      project === undefined ? 'FLAG_VALUE' : 'RECORD_NOT_FOUND',
      `no token has id ${id}${project === undefined ? '' : ` in project ${project}`}`,
      {
        hint: 'list them with `cmc hub token list`',
      },
    )
  return { ...info(row), alreadyRevoked: row.revoked_before !== null }
}

/** The live token with this text; undefined for an unknown or revoked one. */
export async function lookupToken(db: Db, token: string): Promise<TokenInfo | undefined> {
  const [row] = await db.query<TokenRow>('select * from tokens where hash = $1 and revoked_at is null', [hashToken(token)])
  return row ? info(row) : undefined
}

/**
 * Wrong tokens per client address: after `limit` within `windowMs` the address
 * is refused (429) until the window has passed, without a database look-up,
 * so guessing costs the guesser time and the hub nothing; other addresses are
 * served as before.
 */
export class BadTokenLimiter {
  /** misses by client, the client that missed last at the end (a Map keeps the order of insertion) */
  private readonly misses = new Map<string, number[]>()
  constructor(
    private readonly limit = 20,
    private readonly windowMs = 60_000,
    private readonly maxClients = 10_000,
  ) {}

  /** Milliseconds until this address may try again; 0 when it may now. */
  blockedFor(address: string, now = Date.now()): number {
    const recent = this.recent(limiterKey(address), now)
    return recent.length >= this.limit ? recent[0]! + this.windowMs - now : 0
  }

  miss(address: string, now = Date.now()): void {
    const key = limiterKey(address)
    const recent = this.recent(key, now)
    recent.push(now)
    this.misses.delete(key)
    this.misses.set(key, recent)
    // bounded: past maxClients, the clients that missed longest ago are forgotten first, one a miss
    for (const oldest of this.misses.keys()) {
      if (this.misses.size <= this.maxClients) break
      this.misses.delete(oldest)
    }
  }

  /** How many clients it remembers. */
  get clients(): number {
    return this.misses.size
  }

  private recent(key: string, now: number): number[] {
    return (this.misses.get(key) ?? []).filter((t) => now - t < this.windowMs)
  }
}

/**
 * The client a miss counts against: an IPv4 address (an IPv4-mapped IPv6 one
 * as its IPv4), or an IPv6 address's /64, which one host or site holds whole:
 * counted by address, it could try 2^64 tokens for each that another client tries.
 */
export function limiterKey(address: string): string {
  const plain = address.split('%')[0]!.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain)
  if (mapped) return mapped[1]!
  if (!plain.includes(':')) return plain
  const [head = '', tail] = plain.split('::')
  const front = head ? head.split(':') : []
  const back = tail ? tail.split(':') : []
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back]
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`
}
