// `cmc exp push` as a user meets it against a hub on a real PostgreSQL: a
// record edited after it was pushed is a conflict the user is told about (the
// hub keeps the first), while the rest of the selection is pushed; a re-push
// compares the hashes the first push kept, and an edit that keeps the file's
// size and mtime is still seen; a push
// with no token is refused before it asks the hub anything, while a public
// project is still pulled without one.
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { heldHashes, recordsById, setProjectPublic } from '../../src/hub/hubRecords.js'
import { KeptHashes } from '../../src/hub/keptHashes.js'
import { pullRecords, pushRecords } from '../../src/hub/transfer.js'
import type { CmcEvent } from '../../src/events.js'
import { parseHubAddress } from '../../src/store/location.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import type { Store } from '../../src/store/store.js'
import { recordOf } from '../helpers/records.js'
import { tmpDir } from '../helpers/tmp.js'
import { bin, freshDatabase, startTestHub, storeOf, type TestHub } from '../unit/hub/harness.js'

const run = promisify(execFile)
let hub: TestHub
let drop: () => Promise<void>
/** the requests the hub served, as its debug lines name them */
const served: string[] = []

beforeAll(async () => {
  const db = await freshDatabase('push')
  drop = db.drop
  hub = await startTestHub(db.url, { events: (e: CmcEvent) => void (e.type === 'log' && e.level === 'debug' && served.push(e.message)) })
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
})

async function push(store: Store, project: string, token: string | undefined) {
  const client = hubClient({ address: parseHubAddress(hub.at(project)), token }, { retryForMs: 2000 })
  try {
    return await pushRecords(store, client)
  } finally {
    client.close()
  }
}

/** What a user does with an editor: record.json changed in place. */
function editRecord(store: Store, id: string, change: (r: ExperimentRecord) => void): void {
  const file = path.join(store.recordDir(id), 'record.json')
  const r = JSON.parse(readFileSync(file, 'utf8')) as ExperimentRecord
  change(r)
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n')
}

describe('a record edited after it was pushed', () => {
  it('is reported as HUB_RECORD_CONFLICT with its id; the others are pushed and the hub keeps the first', async () => {
    const token = await hub.token('push', 'edits')
    const c = recordOf({ throughput: [3, 4, 5] })
    const {
      store,
      records: [a],
    } = await storeOf([1, 2].map((v) => recordOf({ throughput: [v, v + 1, v + 2] })))
    expect(await push(store, 'edits', token)).toMatchObject({ selected: 2, sent: 2, held: 0, conflicts: [] })

    editRecord(store, a!.id, (r) => (r.metrics.throughput!.median = 999))
    await store.begin(c.id).then((w) => w.commit(c))
    const err = await push(store, 'edits', token).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toMatchObject({
      code: 'HUB_RECORD_CONFLICT',
      exitCode: 2,
      details: [a!.id],
      hint: expect.stringMatching(/immutable.*new id/),
      data: expect.objectContaining({ selected: 3, held: 1, sent: 1, conflicts: [expect.objectContaining({ id: a!.id })] }),
    })
    const kept = await recordsById(hub.db, 'edits', [a!.id, c.id])
    expect(kept.get(a!.id)!.record.metrics.throughput!.median).toBe(a!.metrics.throughput!.median)
    expect(kept.has(c.id)).toBe(true)
  })

  it('makes `cmc exp push` exit 2 naming the record, not print "held already"', async () => {
    const token = await hub.token('push', 'edits-cli')
    const {
      store,
      records: [r],
    } = await storeOf([recordOf({ throughput: [5, 6, 7] })])
    await push(store, 'edits-cli', token)
    editRecord(store, r!.id, (x) => (x.tags = ['edited']))
    const env = { ...process.env, CMC_HUB_TOKEN: token, CMC_HOME: tmpDir('cmc-push-home-') }
    const out = await run(process.execPath, [bin, 'exp', 'push', '--to', hub.at('edits-cli'), '--store', store.root], { env }).then(
      (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
    expect(out.code).toBe(2)
    expect(out.stdout).not.toMatch(/held already/)
    expect(out.stderr).toMatch(/HUB_RECORD_CONFLICT/)
    expect(out.stderr).toContain(r!.id)
    expect(out.stderr).toMatch(/hint: .*new id/)
  })
})

describe('a re-push reads kept hashes, not records', () => {
  const keptLines = (store: Store) => readFileSync(new KeptHashes(store).file, 'utf8').split('\n').filter(Boolean)

  it('a push keeps the hash the hub holds for each record it sent', async () => {
    const token = await hub.token('push', 'kept')
    const { store, records } = await storeOf([1, 2, 3].map((v) => recordOf({ throughput: [v, v + 1, v + 2] })))
    expect(await push(store, 'kept', token)).toMatchObject({ sent: 3, held: 0 })
    const onHub = await heldHashes(
      hub.db,
      'kept',
      records.map((r) => r.id),
    )
    const kept = Object.fromEntries(keptLines(store).map((l) => [l.split('\t')[0], l.split('\t').at(-1)]))
    expect(kept).toEqual(onHub)
    expect(await push(store, 'kept', token)).toMatchObject({ selected: 3, held: 3, sent: 0, conflicts: [] })
    expect(keptLines(store)).toHaveLength(3)
  })

  it('a store from an older cmc, with no kept hashes, re-pushes as held and keeps them', async () => {
    const token = await hub.token('push', 'older')
    const { store } = await storeOf([1, 2].map((v) => recordOf({ throughput: [v, v * 2, v * 3] })))
    await push(store, 'older', token)
    rmSync(new KeptHashes(store).file)
    expect(await push(store, 'older', token)).toMatchObject({ selected: 2, held: 2, sent: 0, conflicts: [] })
    expect(keptLines(store)).toHaveLength(2)
  })

  it('a hand edit that keeps the size and mtime of record.json is still a conflict', async () => {
    const token = await hub.token('push', 'same-size')
    const {
      store,
      records: [r],
    } = await storeOf([recordOf({ throughput: [7, 8, 9] })])
    const file = path.join(store.recordDir(r!.id), 'record.json')
    const pinned = new Date('2026-11-24T10:00:00Z')
    utimesSync(file, pinned, pinned)
    await push(store, 'same-size', token)
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.replace('"cmcVersion": "0.1.0"', '"cmcVersion": "0.1.9"'))
    utimesSync(file, pinned, pinned)
    expect(statSync(file)).toMatchObject({ size: text.length, mtimeMs: pinned.getTime() })
    await expect(push(store, 'same-size', token)).rejects.toMatchObject({ code: 'HUB_RECORD_CONFLICT', details: [r!.id] })
  })
})

describe('without a token', () => {
  it('a push is refused with HUB_TOKEN_MISSING before any request, its hint naming where a token goes', async () => {
    const { store } = await storeOf([recordOf({ throughput: [1, 2, 3] })])
    served.length = 0
    const err = await push(store, 'no-token', undefined).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'HUB_TOKEN_MISSING', exitCode: 2, hint: expect.stringMatching(/CMC_HUB_TOKEN.*config\.yaml.*cmc hub token create/) })
    expect(served).toEqual([])
    expect(await hub.db.query('select 1 from records where project = $1', ['no-token'])).toEqual([])
  })

  it('`cmc exp push` exits 2 with that code, the hub asked nothing', async () => {
    const { store } = await storeOf([recordOf({ throughput: [1, 2, 3] })])
    const env = { ...process.env, CMC_HOME: tmpDir('cmc-push-home-'), CMC_HUB_TOKEN: '' }
    served.length = 0
    const out = await run(process.execPath, [bin, 'exp', 'push', '--to', hub.at('no-token'), '--store', store.root], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    )
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/HUB_TOKEN_MISSING/)
    expect(out.stderr).toMatch(/hint: set CMC_HUB_TOKEN/)
    expect(served).toEqual([])
  })

  it('a public project is still pulled without one', async () => {
    const pushed = recordOf({ throughput: [4, 5, 6] })
    const { store: source } = await storeOf([pushed])
    await push(source, 'open', await hub.token('push', 'open'))
    await setProjectPublic(hub.db, 'open', true)
    const { store } = await storeOf([])
    const client = hubClient({ address: parseHubAddress(hub.at('open')) }, { retryForMs: 2000 })
    try {
      expect(await pullRecords(store, client)).toMatchObject({ matched: 1, added: 1 })
    } finally {
      client.close()
    }
  })
})
