// The hub under load and faults, on a real PostgreSQL: 50 pushers at once
// (overlapping) give exactly their records, none twice; a hub killed in the
// middle of a push is retried by the client and the result is complete; a
// PostgreSQL restarted under load gives clear errors, then serves again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collector } from '../../src/events.js'
import { hubClient } from '../../src/hub/client.js'
import { openDb } from '../../src/hub/db.js'
import { pushRecords } from '../../src/hub/transfer.js'
import { createToken } from '../../src/hub/tokens.js'
import { parseHubAddress } from '../../src/store/location.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { Store } from '../../src/store/store.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'
import { freePort, freshDatabase, spawnHub, startTestHub, variedRecords } from '../unit/hub/harness.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

/** A store holding exactly these records under their own ids. */
async function storeWith(records: ExperimentRecord[]): Promise<Store> {
  const dir = tmpDir('cmc-hub-load-')
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const store = new Store(path.join(dir, 'store'))
  for (const r of records) await (await store.begin(r.id)).commit(r)
  return store
}

/** Records with ids of their own (recordOf's counter), `n` of them from `offset`. */
function uniqueRecords(n: number, seed: number): ExperimentRecord[] {
  return variedRecords(n, seed).map((r, i) => ({ ...r, id: `20261124T100000000Z-${(seed * 100_000 + i).toString(16).padStart(8, '0')}` }))
}

const counts = async (db: { query<R extends object>(t: string, v?: unknown[]): Promise<R[]> }, project: string) => {
  const [row] = await db.query<{ n: string; ids: string; runs: string }>(
    // each record with its one narrow row (runs), which compares read
    `select count(*) as n, count(distinct r.id) as ids, count(distinct u.seq) as runs
     from records r left join runs u on u.seq = r.seq and u.id = r.id and u.project = r.project where r.project = $1`,
    [project],
  )
  expect(Number(row!.runs)).toBe(Number(row!.n))
  return { n: Number(row!.n), distinct: Number(row!.ids) }
}

describe('the hub under load', () => {
  it('50 concurrent pushers x 200 records: exactly 10,000 records, none twice', async () => {
    const db = await freshDatabase('load')
    cleanups.push(db.drop)
    const hub = await startTestHub(db.url)
    cleanups.push(hub.close)
    const token = await hub.token('push', 'crowd')
    const own = Array.from({ length: 50 }, (_, p) => uniqueRecords(200, p + 1))
    // each pusher also holds 20 of its neighbour's records: the same ids race in two pushes
    const stores = await Promise.all(own.map((mine, p) => storeWith([...mine, ...own[(p + 1) % 50]!.slice(0, 20)])))
    const address = parseHubAddress(hub.at('crowd'))
    const results = await Promise.all(
      stores.map(async (store) => {
        const client = hubClient({ address, token })
        try {
          return await pushRecords(store, client, { batch: 40 })
        } finally {
          client.close()
        }
      }),
    )
    expect(await counts(hub.db, 'crowd')).toEqual({ n: 10_000, distinct: 10_000 })
    // every record was sent by exactly one pusher; the others found it held, before or during their push
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(10_000)
    for (const r of results) expect(r.conflicts).toEqual([])
  })

  it('the hub killed in the middle of a push: the client retries, and the result is complete with nothing twice', async () => {
    const db = await freshDatabase('kill')
    cleanups.push(db.drop)
    const admin = await openDb(db.url)
    cleanups.push(() => admin.close())
    const { token } = await createToken(admin, { user: 'ci', scope: 'push', project: 'k' })
    const port = await freePort()
    let child: ChildProcess = await spawnHub(db.url, port)
    cleanups.push(() => void child.kill('SIGKILL'))
    const store = await storeWith(uniqueRecords(3000, 77))
    const { events, sink } = collector()
    const client = hubClient({ address: parseHubAddress(`http://127.0.0.1:${port}/k`), token }, { retryForMs: 60_000, events: sink })
    let killed = false
    const pushing = pushRecords(store, client, {
      batch: 100,
      events: (e) => {
        sink(e)
        // once some batches are in: kill the hub outright, and start it again a moment later
        if (!killed && e.type === 'progress' && e.current >= 500) {
          killed = true
          child.kill('SIGKILL')
          setTimeout(() => {
            void spawnHub(db.url, port).then((c) => (child = c))
          }, 1500)
        }
      },
    })
    const result = await pushing
    client.close()
    expect(killed).toBe(true)
    expect(events.some((e) => e.type === 'log' && e.level === 'warn' && /does not answer/.test(e.message))).toBe(true)
    expect(await counts(admin, 'k')).toEqual({ n: 3000, distinct: 3000 })
    expect(result.sent + result.held).toBeLessThanOrEqual(3000)
    // the same command again: everything is held, nothing is sent
    const again = hubClient({ address: parseHubAddress(`http://127.0.0.1:${port}/k`), token })
    expect(await pushRecords(store, again)).toMatchObject({ selected: 3000, held: 3000, sent: 0 })
    again.close()
  })

  it('PostgreSQL restarted under load: clear errors, then the hub serves again', async () => {
    // a server of its own, made by the project's script, so that restarting it disturbs no one
    const dir = tmpDir('cmc-pg-')
    const port = await freePort()
    const env = { ...process.env, CMC_PG_DIR: dir, CMC_PG_PORT: String(port), CMC_PG_SHARED_BUFFERS: '128MB' }
    const url = execFileSync('bash', [path.join(repoRoot, 'scripts/setup-postgres.sh')], { env, encoding: 'utf8' }).trim()
    const pgCtl = (...args: string[]) =>
      execFileSync(
        'runuser',
        ['-u', 'postgres', '--', 'bash', '-c', `$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl -D ${dir}/data ${args.join(' ')}`],
        { stdio: 'ignore' },
      )
    // the restarted server inherits no pipe of ours (stdio ignored), and its exit is pg_ctl's, not the server's
    const pgCtlAsync = (...args: string[]) =>
      new Promise<void>((resolve, reject) =>
        spawn(
          'runuser',
          ['-u', 'postgres', '--', 'bash', '-c', `$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl -D ${dir}/data ${args.join(' ')}`],
          { stdio: 'ignore' },
        ).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args.join(' ')} exited ${code}`)))),
      )
    cleanups.push(() => {
      try {
        pgCtl('stop', '-m', 'immediate')
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    })
    const hub = await startTestHub(url)
    cleanups.push(hub.close)
    const token = await hub.token('push', 'r')
    const headers = { authorization: `Bearer ${token}` }
    const store = await storeWith(uniqueRecords(1500, 91))
    const client = hubClient({ address: parseHubAddress(hub.at('r')), token }, { retryForMs: 60_000 })
    const seen: Array<{ status: number; error?: string; message?: string }> = []
    let stop = false
    // readers while it happens: what each answer was
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          const res = await fetch(`${hub.at('r').replace('/r', '')}/api/v1/projects/r/records?where=${encodeURIComponent('status = ok')}&limit=5`, { headers })
          const body = (await res.json()) as { error?: string; message?: string }
          seen.push({ status: res.status, error: body.error, message: body.message })
        } catch (e) {
          seen.push({ status: 0, message: (e as Error).message })
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    })
    let restarted = false
    let restart: Promise<void> | undefined
    const pushing = pushRecords(store, client, {
      batch: 50,
      events: (e) => {
        if (!restarted && e.type === 'progress' && e.current >= 300) {
          restarted = true
          // not waited on here: the hub (in this process) goes on serving while PostgreSQL is down
          restart = pgCtlAsync('restart', '-m', 'fast', '-w')
        }
      },
    })
    const result = await pushing
    await restart
    await new Promise((r) => setTimeout(r, 500))
    stop = true
    await Promise.all(readers)
    client.close()
    expect(restarted).toBe(true)
    const failures = seen.filter((s) => s.status !== 200)
    // while it was away, the answers said so plainly
    expect(failures.length).toBeGreaterThan(0)
    for (const f of failures) {
      expect(f.status, JSON.stringify(f)).toBe(503)
      expect(f.error).toBe('HUB_DB_UNREACHABLE')
    }
    // and then it served again
    expect(seen.at(-1)!.status).toBe(200)
    expect(result.conflicts).toEqual([])
    expect(await counts(hub.db, 'r')).toEqual({ n: 1500, distinct: 1500 })
  })
})
