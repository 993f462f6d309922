// What the hub tests share: the real PostgreSQL that scripts/setup-postgres.sh
// starts (its URL in /var/lib/cmc-postgres/url, or CMC_TEST_PG_URL), a fresh
// database per test file, a hub served in-process or as a `cmc hub serve`
// process, tokens, and local stores of constructed records.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import pg from 'pg'
import { openDb, type Db } from '../../../src/hub/db.js'
import { startHub, type Hub, type HubOptions } from '../../../src/hub/server.js'
import { createToken, type Scope } from '../../../src/hub/tokens.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { Store } from '../../../src/store/store.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const URL_FILE = '/var/lib/cmc-postgres/url'

/** The PostgreSQL the suite uses; a clear failure (never a skip) when there is none. */
export function serverUrl(): string {
  const url = process.env.CMC_TEST_PG_URL ?? (existsSync(URL_FILE) ? readFileSync(URL_FILE, 'utf8').trim() : '')
  if (!url) throw new Error(`no PostgreSQL for the hub tests: run \`sudo bash scripts/setup-postgres.sh\` (it writes ${URL_FILE}) or set CMC_TEST_PG_URL`)
  return url
}

/** A new, empty database on that server, for one test file; drop() removes it. */
export async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = serverUrl()
  const db = `cmc_test_${name}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`drop database if exists ${db} with (force)`)
  await client.query(`create database ${db}`)
  await client.end()
  const u = new URL(admin)
  u.pathname = `/${db}`
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`drop database if exists ${db} with (force)`)
      await c.end()
    },
  }
}

export interface TestHub {
  db: Db
  hub: Hub
  /** the hub's address for a project */
  at(project: string): string
  token(scope: Scope, project?: string, user?: string): Promise<string>
  close(): Promise<void>
}

export async function startTestHub(url: string, opts: Partial<HubOptions> = {}): Promise<TestHub> {
  const db = await openDb(url)
  const hub = await startHub(db, { host: '127.0.0.1', port: 0, ...opts })
  return {
    db,
    hub,
    at: (project) => `${hub.url}/${project}`,
    token: async (scope, project, user = 'tester') => (await createToken(db, { user, scope, project })).token,
    close: async () => {
      await hub.close()
      await db.close()
    },
  }
}

export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

export const bin = path.join(repoRoot, 'bin/run.js')

/** `cmc hub serve` as its own process, answering once it has printed its address. */
export async function spawnHub(dbUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'hub', 'serve', '--db', dbUrl, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      if (out.includes('cmc hub at')) resolve()
    })
    child.stderr!.on('data', (d: Buffer) => (out += d))
    child.once('exit', (code) => reject(new Error(`cmc hub serve exited ${code}: ${out}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

/** A local store of records: `count` runs over a few benchmarks, platforms, hosts and params. */
export async function storeOf(records: ExperimentRecord[]): Promise<{ store: Store; records: ExperimentRecord[] }> {
  const store = new Store(path.join(tmpDir('cmc-hub-store-'), 'store'))
  return { store, records: await putRecords(store, records) }
}

/** Varied records: what the differential and load tests push. */
export function variedRecords(count: number, seed = 1): ExperimentRecord[] {
  let x = seed
  const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const out: ExperimentRecord[] = []
  for (let i = 0; i < count; i++) {
    const base = 100 + (i % 7) * 10
    const values = [0, 1, 2].map(() => base * (0.95 + rand() * 0.1))
    const r = recordOf(
      { throughput: values, latency_ms: values.map((v) => 1000 / v) },
      {
        digest: `sha256:img${i % 2}`,
        hostname: `lab-${i % 3}`,
        platform: i % 4 === 0 ? 'arm64' : 'x86_64',
        params: { threads: 1 + (i % 4), batch: i % 5 === 0 ? '8' : 16, mode: i % 6 === 0 ? 'fast' : 'Slow mode', exact: i % 2 === 0 },
        tags: i % 3 === 0 ? ['nightly'] : i % 3 === 1 ? ['nightly', 'ci'] : [],
        status: i % 11 === 5 ? 'failed' : 'ok',
        createdAt: new Date(Date.UTC(2026, 10, 20 + (i % 10), i % 24, i % 60, 0, i % 1000)).toISOString(),
      },
    )
    r.benchmark = { alias: i % 5 === 1 ? 'stream' : 'bench', uid: 'u-bench' }
    out.push(r)
  }
  return out
}
