// The hub's connection to PostgreSQL: `pg` loaded on first use (commands that
// do not serve a hub never load it), a pool whose lost connections are
// reported rather than crashing the server, the migrations applied at start,
// and the one translation of the driver's errors into what a user can act on.
import { createRequire } from 'node:module'
import type { Pool, PoolClient } from 'pg'
import { CmcError } from '../errors.js'
import { MIGRATION_LOCK, MIGRATIONS } from './schema.js'

const require = createRequire(import.meta.url)
let pgModule: typeof import('pg') | undefined
const pg = () => (pgModule ??= require('pg') as typeof import('pg'))

/**
 * Where `cmc hub` takes its database from: --db, else CMC_HUB_DB. Neither is
 * a usage error (what is missing is input, not a server), and a URL of
 * another kind of database is refused before it is tried. `orElse` is another
 * way to do without one, for the hint.
 */
export function dbUrl(flag: string | undefined, orElse?: string): string {
  const url = flag ?? process.env.CMC_HUB_DB
  const source = flag !== undefined ? '--db' : 'CMC_HUB_DB'
  if (!url)
    throw new CmcError('USAGE', 'no PostgreSQL database for the hub: neither --db nor CMC_HUB_DB is given', {
      hint: `give --db postgres://USER:PASSWORD@HOST:PORT/DB or set CMC_HUB_DB${orElse ? `, or ${orElse}` : ''}; \`sudo bash scripts/setup-postgres.sh\` starts one and prints its URL`,
    })
  // what pg's connection strings are: a URL of postgres(ql)://, or a socket folder
  if (!/^(postgres(ql)?:\/\/|socket:|\/)/i.test(url))
    throw new CmcError('FLAG_VALUE', `${source} ${redactedUrl(url)}: the hub keeps its records in PostgreSQL, and this is not a PostgreSQL URL`, {
      hint: 'give postgres://USER:PASSWORD@HOST:PORT/DB; `sudo bash scripts/setup-postgres.sh` starts one and prints its URL',
    })
  return url
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(an unreadable URL)'
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
])

/** Whether an error means the database is away (down, restarting, unreachable), not that a statement was wrong. */
export function isDbUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string }
  return (
    (err?.code !== undefined && UNREACHABLE.has(err.code)) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
      err?.message ?? '',
    )
  )
}

/** A driver error as a CmcError: the database away, a bad login, or (a bug) anything else. */
export function dbError(e: unknown, url: string): CmcError {
  if (e instanceof CmcError) return e
  const err = e as { code?: string; message?: string }
  const at = redactedUrl(url)
  if (isDbUnavailable(e))
    return new CmcError('HUB_DB_UNREACHABLE', `PostgreSQL does not answer at ${at}: ${err.message}`, {
      hint: 'start it (`sudo bash scripts/setup-postgres.sh` starts the one the quick start uses), or check --db / CMC_HUB_DB',
      cause: e,
    })
  if (err.code === '28P01' || err.code === '28000' || err.code === '3D000')
    return new CmcError('HUB_DB_UNREACHABLE', `PostgreSQL at ${at} refused the login: ${err.message}`, {
      hint: 'check the user, password and database name in --db / CMC_HUB_DB',
      cause: e,
    })
  return new CmcError('INTERNAL', `database error: ${err.message}`, { cause: e })
}

export interface Db {
  pool: Pool
  url: string
  /** Runs fn in one transaction; the driver's errors become CmcErrors. */
  tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T>
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>
  close(): Promise<void>
}

/** Connects, applies the migrations it lacks, and returns the pool. */
export async function openDb(url: string, opts: { max?: number; onIdleError?: (e: Error) => void } = {}): Promise<Db> {
  // jit off: compiling a plan costs more than the hub's short queries take
  const pool = new (pg().Pool)({ connectionString: url, max: opts.max ?? 20, connectionTimeoutMillis: 5000, options: '-c jit=off' })
  // a connection lost while idle (PostgreSQL restarted) is dropped from the pool; the next query opens a new one
  pool.on('error', (e) => opts.onIdleError?.(e))
  const db: Db = {
    pool,
    url,
    async tx(fn) {
      let client: PoolClient | undefined
      // a checked-out client whose connection breaks (PostgreSQL restarted) also emits 'error',
      // which unheard would end the hub: heard here, and the client destroyed rather than pooled
      let lost: Error | undefined
      const onLost = (e: Error) => (lost ??= e)
      try {
        client = await pool.connect()
        client.on('error', onLost)
        await client.query('begin')
        const out = await fn(client)
        await client.query('commit')
        return out
      } catch (e) {
        if (!lost) await client?.query('rollback').catch(() => {})
        throw dbError(e, url)
      } finally {
        client?.off('error', onLost)
        client?.release(lost)
      }
    },
    async query(text, values) {
      try {
        return (await pool.query(text, values)).rows
      } catch (e) {
        throw dbError(e, url)
      }
    },
    close: () => pool.end(),
  }
  try {
    await migrate(db)
  } catch (e) {
    await pool.end().catch(() => {})
    throw e
  }
  return db
}

async function migrate(db: Db): Promise<void> {
  await db.tx(async (c) => {
    await c.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await c.query('create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())')
    const done = new Set((await c.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => r.version))
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      await c.query(m.sql)
      await c.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name])
    }
  })
}
