// Published records through a hub: a record keeping its files in kept.tar is
// pushed with every kept file and pulled back whole, each file byte for byte.
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubClient } from '../../src/hub/client.js'
import { pullRecords, pushRecords } from '../../src/hub/transfer.js'
import { importMlperf } from '../../src/mlperf/importMlperf.js'
import { listKeptFiles, readKeptFile } from '../../src/store/keptFiles.js'
import { parseHubAddress } from '../../src/store/location.js'
import { selectRecords } from '../../src/store/select.js'
import { Store } from '../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../fixtures/mlperf-tree/generate.mjs'
import { tmpDir } from '../helpers/tmp.js'
import { freshDatabase, startTestHub, type TestHub } from '../unit/hub/harness.js'

const dir = tmpDir('cmc-mlperf-hub-')
let hub: TestHub
let drop: () => Promise<void>

beforeAll(async () => {
  const db = await freshDatabase('mlperf')
  drop = db.drop
  hub = await startTestHub(db.url)
})
afterAll(async () => {
  await hub?.close()
  await drop?.()
  rmSync(dir, { recursive: true, force: true })
})

describe('published records through a hub', () => {
  it('pushes every kept file of a tar record and pulls the record back whole', async () => {
    const tree = path.join(dir, 'inference_results_v4.1')
    writeTestTree(tree)
    const store = new Store(path.join(dir, 'store'))
    await importMlperf(store, tree)
    const client = hubClient({ address: parseHubAddress(hub.at('mlperf')), token: await hub.token('push', 'mlperf') })
    const pushed = await pushRecords(store, client, { where: 'source = mlperf' })
    expect(pushed.skippedFiles).toEqual([])
    expect(pushed.sent).toBe(pushed.selected)
    const other = new Store(path.join(dir, 'pulled'))
    mkdirSync(other.recordsDir, { recursive: true })
    const pulled = await pullRecords(other, client)
    client.close()
    expect(pulled.missingFiles).toEqual([])
    expect(pushed.selected).toBeGreaterThan(0)
    expect(pulled.added).toBe(pushed.selected)
    expect(other.recordIds()).toHaveLength(pushed.selected)
    for (const r of selectRecords(store, 'source = mlperf')) {
      const back = other.get(r.id)
      for (const o of listKeptFiles(r)) expect(readKeptFile(other, back, o.path).equals(readKeptFile(store, r, o.path)), o.path).toBe(true)
    }
  })
})
