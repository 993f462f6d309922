// The round of an imported tree is part of each result's key: an archive
// of the tree names it as the tree's folder does (inference_results_v4.1.tar.gz,
// and GitHub's inference_results_v4.1-main.zip of a results repository), so
// importing the tree and its archive gives one record per result; a --round
// other than the one the tree's own name gives is taken, with a warning, as
// it keys every result a second time.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CmcEvent } from '../../../src/events.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { roundNamed, roundOf } from '../../../src/mlperf/readTree.js'
import { selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures, shared with bench/mlperf.mjs
import { writeTestTree } from '../../fixtures/mlperf-tree/generate.mjs'
import { listTree, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-round-')
const tree = path.join(dir, 'inference_results_v4.1')
let found: number

beforeAll(() => {
  writeTestTree(tree)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the round a name gives', () => {
  it.each([
    ['inference_results_v4.1', 'v4.1'],
    ['v5.0', 'v5.0'],
    ['inference_results_v4.1.tar.gz', 'v4.1'],
    ['inference_results_v3.1.tgz', 'v3.1'],
    ['inference_results_v4.0.zip', 'v4.0'],
    ['inference_results_v4.1-main.zip', 'v4.1'],
    ['inference_results_v4.1-main', 'v4.1'],
    ['inference_results_v2.1-master.tar.gz', 'v2.1'],
    ['results', undefined],
    ['project-v1.0-work', undefined],
    ['inference_results_v4.1-main.csv', undefined],
  ])('%s: %s', (name, round) => {
    expect(roundNamed(name)).toBe(round)
  })

  it('the nearest folder that names one, for a path', () => {
    expect(roundOf('/data/inference_results_v4.1-main/closed/NVIDIA')).toBe('v4.1')
    expect(roundOf('/data/inference_results_v5.0/closed/inference_results_v4.1.tar.gz')).toBe('v4.1')
  })
})

describe('a tree and its archives, one record per result', () => {
  const store = () => new Store(path.join(dir, 'store'))

  it('the tree', async () => {
    const r = await importMlperf(store(), tree)
    found = r.found
    expect(r.added).toBe(found)
    expect(selectRecords(store(), 'source = mlperf and round = v4.1').length).toBe(found)
  })

  it('a .tar.gz named for the round adds nothing', async () => {
    const tgz = path.join(dir, 'inference_results_v4.1.tar.gz')
    execFileSync('tar', ['-czf', tgz, '-C', tree, '.'])
    expect(await importMlperf(store(), tgz)).toMatchObject({ found, added: 0, present: found })
  })

  it("GitHub's .zip of a results repository adds nothing", async () => {
    const files: Record<string, Uint8Array> = {}
    for (const rel of listTree(tree).filter((f) => !f.endsWith('/'))) files[`inference_results_v4.1-main/${rel}`] = readFileSync(path.join(tree, rel))
    const zip = path.join(dir, 'inference_results_v4.1-main.zip')
    writeFileSync(zip, zipSync(files))
    expect(await importMlperf(store(), zip)).toMatchObject({ found, added: 0, present: found })
    expect(selectRecords(store(), 'source = mlperf').length).toBe(found)
  })

  it('--round of the same round reads the same', async () => {
    expect(await importMlperf(store(), tree, { round: '4.1' })).toMatchObject({ added: 0, present: found })
  })

  it('--round of another round is what the user asked for, and says what the name gave', async () => {
    const events: CmcEvent[] = []
    const other = new Store(path.join(dir, 'store-other'))
    const r = await importMlperf(other, tree, { round: '5.0', events: (e) => events.push(e) })
    expect(r.added).toBe(found)
    expect(selectRecords(other, 'round = v5.0').length).toBe(found)
    expect(events.filter((e) => e.type === 'log')).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: `--round v5.0, though ${tree} names round v4.1: its results are keyed as v5.0, beside any import of them as v4.1`,
      },
    ])
  })
})
