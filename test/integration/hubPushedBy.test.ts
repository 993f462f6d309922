// Who pushed a record is a query field of a hub (`pushedBy`), on a real
// PostgreSQL: a list and a compare of one project pick each user's runs, and a
// hub whose runs were pushed before the field existed has it filled in when it
// is opened. A local store has no pusher: the same query matches nothing there,
// with a warning that says why.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../../src/hub/db.js'
import { hubClient } from '../../src/hub/client.js'
import { MIGRATIONS } from '../../src/hub/schema.js'
import { pushRecords } from '../../src/hub/transfer.js'
import { parseHubAddress } from '../../src/store/location.js'
import type { RecordSummary } from '../../src/store/summary.js'
import { recordOf } from '../helpers/records.js'
import { tmpDir } from '../helpers/tmp.js'
import { bin, freshDatabase, startTestHub, storeOf, type TestHub } from '../unit/hub/harness.js'

const run = promisify(execFile)
let hub: TestHub
let drop: () => Promise<void>
const pushedBy: Record<string, string[]> = {}

beforeAll(async () => {
  const db = await freshDatabase('pushedby')
  drop = db.drop
  hub = await startTestHub(db.url)
  for (const [user, values] of [
    ['alice', [10, 11, 12]],
    ['bob', [20, 21]],
  ] as const) {
    const { store, records } = await storeOf(values.map((v) => recordOf({ throughput: [v, v + 1, v + 2] })))
    const client = hubClient({ address: parseHubAddress(hub.at('team')), token: await hub.token('push', 'team', user) })
    try {
      expect((await pushRecords(store, client)).sent).toBe(values.length)
    } finally {
      client.close()
    }
    pushedBy[user] = records.map((r) => r.id)
  }
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
})

async function cmc(args: string[], token: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { env: { ...process.env, CMC_HUB_TOKEN: token, CMC_HOME: tmpDir('cmc-pushedby-home-') } })
}

describe('pushedBy on a hub', () => {
  it('lists the runs each user pushed, and those anyone else did', async () => {
    const token = await hub.token('read', 'team', 'carol')
    const ids = async (where: string) =>
      (JSON.parse((await cmc(['exp', 'list', '--store', hub.at('team'), '--where', where, '--json'], token)).stdout) as RecordSummary[]).map((s) => s.id).sort()
    expect(await ids('pushedBy = alice')).toEqual([...pushedBy.alice!].sort())
    expect(await ids('pushedBy = bob and metrics.throughput > 21')).toEqual([pushedBy.bob![1]])
    expect(await ids('pushedBy != alice')).toEqual([...pushedBy.bob!].sort())
    expect(await ids('pushedBy ~ AL')).toEqual([...pushedBy.alice!].sort())
    expect(await ids('pushedBy = carol')).toEqual([])
    // the hub knows the field: no word of a local store's
    const { stderr } = await cmc(['exp', 'list', '--store', hub.at('team'), '--where', 'pushedBy = alice'], token)
    expect(stderr).not.toMatch(/known to a hub only/)
  })

  it('sorts by who pushed, each way, with --limit', async () => {
    const token = await hub.token('read', 'team', 'carol')
    const list = async (...args: string[]) => {
      const { stdout, stderr } = await cmc(['exp', 'list', '--store', hub.at('team'), ...args, '--json'], token)
      expect(stderr).not.toMatch(/known to a hub only/)
      return (JSON.parse(stdout) as RecordSummary[]).map((s) => s.id)
    }
    // ties (one user's runs) stay in push order
    expect(await list('--sort', 'pushedBy')).toEqual([...pushedBy.alice!, ...pushedBy.bob!])
    expect(await list('--sort', 'pushedBy:desc')).toEqual([...pushedBy.bob!, ...pushedBy.alice!])
    expect(await list('--sort', 'pushedBy:desc', '--limit', '3')).toEqual([...pushedBy.bob!, pushedBy.alice![0]])
    expect(await list('--where', 'metrics.throughput > 11', '--sort', 'pushedBy:desc')).toEqual([...pushedBy.bob!, ...pushedBy.alice!.slice(1)])
  })

  it("compares one user's runs with another's", async () => {
    const token = await hub.token('read', 'team', 'carol')
    const { stdout } = await cmc(['exp', 'compare', 'pushedBy = alice', 'pushedBy = bob', '--store', hub.at('team'), '--json'], token)
    const c = JSON.parse(stdout) as { a: { ids: string[] }; b: { ids: string[] }; metrics: Array<{ metric: string }> }
    expect(c.a.ids.sort()).toEqual([...pushedBy.alice!].sort())
    expect(c.b.ids.sort()).toEqual([...pushedBy.bob!].sort())
    expect(c.metrics.map((m) => m.metric)).toContain('throughput')
  })
})

describe('pushedBy in a local store', () => {
  it('matches no record, with a warning that only a hub knows who pushed', async () => {
    const { store } = await storeOf([recordOf({ throughput: [1, 2, 3] })])
    const { stdout, stderr } = await cmc(['exp', 'list', '--store', store.root, '--where', 'pushedBy = alice', '--json'], '')
    expect(JSON.parse(stdout)).toEqual([])
    expect(stderr).toMatch(/pushedBy is known to a hub only/)
    const sorted = await cmc(['exp', 'list', '--store', store.root, '--sort', 'pushedBy', '--json'], '')
    expect(JSON.parse(sorted.stdout)).toHaveLength(1)
    expect(sorted.stderr).toMatch(/--sort: pushedBy is known to a hub only/)
  })
})

describe('a hub whose runs were pushed before pushedBy was a field', () => {
  it('fills each run in from its record when it is opened', async () => {
    const { url, drop: dropOld } = await freshDatabase('pushedby_old')
    try {
      // the schema as it was, with one run pushed by dora
      const old = new pg.Client({ connectionString: url })
      await old.connect()
      try {
        await old.query('create table schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())')
        for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
          await old.query(m.sql)
          await old.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name])
        }
        await old.query("insert into projects (name) values ('p')")
        await old.query(
          `insert into records (project, id, hash, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, summary, record, pushed_by)
           values ('p', 'r1', 'h', '2026-11-24T10:00:00.000Z', 'bench', 'img', 'd', 'x86_64', 'ok', 'lab-1', 'none', '{}', '{}', '{}', '{}', '{}', 'dora')`,
        )
        await old.query(
          `insert into runs (seq, project, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags)
           select seq, project, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags from records`,
        )
      } finally {
        await old.end()
      }
      const db = await openDb(url)
      try {
        expect(await db.query<{ id: string; pushed_by: string }>('select id, pushed_by from runs')).toEqual([{ id: 'r1', pushed_by: 'dora' }])
      } finally {
        await db.close()
      }
    } finally {
      await dropOld()
    }
  })
})
