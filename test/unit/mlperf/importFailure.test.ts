// An MLPerf import that cannot write one of its record folders (here a file
// stands where the folder goes) stops there with RECORDS_NOT_WRITTEN, and
// leaves the store as a reader expects it: the records written before it, each
// with its index line, nothing staged, no line without its record. Importing
// again once the way is clear adds the rest, as if nothing had happened.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-fail-')
const tree = path.join(dir, 'inference_results_v4.1')
/** the ids a clean import gives, in the tree's order */
let ids: string[]

beforeAll(async () => {
  writeTestTree(tree)
  ids = (await importMlperf(new Store(path.join(dir, 'clean')), tree)).ids
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const indexIds = (store: Store) =>
  readFileSync(store.indexFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id)

describe('an MLPerf import that cannot write a record', () => {
  it('stops with RECORDS_NOT_WRITTEN, keeping and indexing the records written before it', async () => {
    expect(ids.length).toBeGreaterThan(10)
    const store = new Store(path.join(dir, 'blocked'))
    const blocked = store.recordDir(ids[5]!)
    // a file where the sixth record's folder goes: its rename into place fails (not a folder there: not "exists already")
    mkdirSync(path.dirname(blocked), { recursive: true })
    writeFileSync(blocked, 'in the way\n')

    const err = await importMlperf(store, tree).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(CmcError)
    const e = err as CmcError
    expect(e.code).toBe('RECORDS_NOT_WRITTEN')
    expect(e.message).toContain(store.root)
    expect(e.hint).toMatch(/5 records written before it/)

    // the index lists exactly the records in place, and each reads back
    expect(indexIds(store)).toEqual(ids.slice(0, 5))
    expect(
      store
        .recordIds()
        .filter((id) => id !== ids[5])
        .sort(),
    ).toEqual(ids.slice(0, 5).sort())
    for (const id of ids.slice(0, 5)) expect(store.get(id).source?.kind).toBe('mlperf')
    expect(readFileSync(blocked, 'utf8')).toBe('in the way\n')
    // nothing staged is left behind
    expect(readdirSync(store.stagingDir)).toEqual([])

    // the way cleared, a second import adds the rest and counts the five as present
    rmSync(blocked)
    const again = await importMlperf(store, tree)
    expect(again.present).toBe(5)
    expect(again.ids).toEqual(ids.slice(5))
    expect(indexIds(store)).toEqual(ids)
    expect(store.recordIds().sort()).toEqual([...ids].sort())
  })
})
