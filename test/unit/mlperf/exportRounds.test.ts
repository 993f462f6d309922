// `exp export --format mlperf` lays the tree out as the round it is for
// wants it: v6.0's src/ with everything in the scenario folder, the older
// rounds' code/ with measurements/ and compliance/ beside results/ (and
// mlperf.conf up to v4.1). Published trees of each layout imported and
// exported again come back in their layout and re-import with nothing lost;
// a v5.0 tree exported for v6.0 is a v6.0 tree. Compliance folders hold what
// the records carry, and what a round wants that they do not carry is named,
// never made up.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exportTree } from '../../../src/mlperf/exportTree.js'
import { importMlperf } from '../../../src/mlperf/importMlperf.js'
import { layoutOf, NEWEST_ROUND } from '../../../src/mlperf/rounds.js'
import { listKeptFiles } from '../../../src/store/keptFiles.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
// @ts-expect-error: a plain ES module of the fixtures
import { summaryLog } from '../../fixtures/mlperf-tree/generate.mjs'
// @ts-expect-error: a plain ES module of the fixtures
import { BENCHMARK, SCENARIOS, SUBMITTER, SYSTEM, writeRoundTree } from '../../fixtures/mlperf/roundTree.mjs'
import { cmcErrorOf } from '../../helpers/errors.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { listTree, repoRoot, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-mlperf-rounds-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const files = (root: string) => listTree(root).filter((f) => !f.endsWith('/'))
const bytes = (root: string, rel: string) => readFileSync(path.join(root, rel))
/** The files an import keeps, and an export writes back as they were: a scenario's README.md is written anew (the import does not keep it) */
const kept = (f: string) => !f.endsWith('/README.md') && !f.startsWith(`${sub}/systems/`)
const sub = `closed/${SUBMITTER}`
const scenarioOf = (tree: string, scenario: string) => `${sub}/${tree}/${SYSTEM}/${BENCHMARK}/${scenario}`

/** A round's fixture tree imported into a store of its own. */
async function imported(round: string, name = round): Promise<{ tree: string; store: Store; records: ExperimentRecord[] }> {
  const tree = path.join(dir, `tree-${name}`)
  writeRoundTree(tree, round)
  const store = new Store(path.join(dir, `store-${name}`))
  const res = await importMlperf(store, tree, { round })
  expect(res.skipped).toEqual([])
  expect(res.added).toBe(SCENARIOS.length * 2)
  return { tree, store, records: selectRecords(store, 'source = mlperf') }
}

/** What a record holds, but the names its round gives it (its id, round, key and the folder it was read from). */
const content = (r: ExperimentRecord) => ({
  metrics: r.metrics,
  status: r.status,
  source: { ...r.source, from: undefined, round: undefined, key: undefined },
  loadgen: r.loadgen,
  host: r.host,
  kept: listKeptFiles(r)
    .map((o) => ({ path: o.path, sha256: o.sha256, size: o.size }))
    .sort((a, b) => a.path.localeCompare(b.path)),
})
const key = (r: ExperimentRecord) => `${r.source!.scenario}/${r.source!.mode}`
const contents = (records: ExperimentRecord[]) => records.map((r) => ({ key: key(r), ...content(r) })).sort((a, b) => a.key.localeCompare(b.key))

/** Import an exported tree for `round` and check every record came back with all it held. */
async function roundTrip(out: string, round: string, before: ExperimentRecord[], name: string): Promise<ExperimentRecord[]> {
  const again = new Store(path.join(dir, `store-${name}`))
  const res = await importMlperf(again, out, { round })
  expect(res.skipped).toEqual([])
  const after = selectRecords(again, 'source = mlperf')
  expect(after.map((r) => r.source!.round)).toEqual(after.map(() => round))
  expect(contents(after)).toEqual(contents(before))
  return after
}

describe('the layout of each round', () => {
  it('knows where each round wants the code, the measurements and the compliance folders', () => {
    expect(layoutOf('v6.0')).toEqual({ round: 'v6.0', code: 'src', besideResults: false, mlperfConf: false })
    expect(layoutOf('5.1')).toEqual({ round: 'v5.1', code: 'code', besideResults: true, mlperfConf: false })
    expect(layoutOf('V5.0')).toEqual({ round: 'v5.0', code: 'code', besideResults: true, mlperfConf: false })
    expect(layoutOf('v4.1')).toEqual({ round: 'v4.1', code: 'code', besideResults: true, mlperfConf: true })
    expect(layoutOf('v1.0')).toMatchObject({ code: 'code', besideResults: true, mlperfConf: true })
    expect(NEWEST_ROUND).toBe('v6.0')
    const e = cmcErrorOf(() => layoutOf('v0.5'))
    expect(e.code).toBe('FLAG_VALUE')
    expect(e.message).toBe('--round v0.5: not a round whose submission layout cmc knows (v1.0, v1.1, v2.0, v2.1, v3.0, v3.1, v4.0, v4.1, v5.0, v5.1, v6.0)')
  })
})

describe('published trees exported for their own round', () => {
  it('v6.0: the same files in the same places, the kept ones byte for byte', async () => {
    const { tree, store, records } = await imported('v6.0')
    const out = path.join(dir, 'out-v6.0')
    const res = exportTree(store, records, out)
    expect(res).toMatchObject({ round: 'v6.0', roundFrom: 'records', skipped: [], placeholders: [], incomplete: [], otherRounds: [] })
    expect(files(out)).toEqual(files(tree))
    expect(files(out)).toContain(`${scenarioOf('results', 'Offline')}/TEST01/performance/run_1/mlperf_log_detail.txt`)
    expect(files(out)).toContain(`${scenarioOf('results', 'Offline')}/TEST01/accuracy/mlperf_log_accuracy.json`)
    expect(files(out)).toContain(`${scenarioOf('results', 'Offline')}/TEST04/verify_performance.txt`)
    expect(files(out)).toContain(`${sub}/src/${BENCHMARK}/README.md`)
    for (const f of files(tree).filter(kept)) expect(bytes(out, f).equals(bytes(tree, f)), f).toBe(true)
    await roundTrip(out, 'v6.0', records, 'back-v6.0')
  })

  it('v5.0: code/, measurements/ and compliance/ beside results/, the same files in the same places', async () => {
    const { tree, store, records } = await imported('v5.0')
    const out = path.join(dir, 'out-v5.0')
    const res = exportTree(store, records, out)
    expect(res).toMatchObject({ round: 'v5.0', roundFrom: 'records', incomplete: [] })
    expect(files(out)).toEqual(files(tree))
    expect(files(out).some((f) => f.startsWith(scenarioOf('results', 'Offline')) && /\/(measurements\.json|user\.conf|README\.md)$/.test(f))).toBe(false)
    const m = scenarioOf('measurements', 'Offline')
    expect(files(out).filter((f) => f.startsWith(m))).toEqual([`${m}/README.md`, `${m}/${SYSTEM}_Offline.json`, `${m}/user.conf`])
    expect(files(out).filter((f) => f.startsWith(`${scenarioOf('compliance', 'Offline')}/TEST01/`))).toEqual(
      [
        'accuracy/accuracy.txt',
        'accuracy/mlperf_log_accuracy.json',
        'performance/run_1/mlperf_log_detail.txt',
        'performance/run_1/mlperf_log_summary.txt',
        'verify_accuracy.txt',
        'verify_performance.txt',
      ].map((f) => `${scenarioOf('compliance', 'Offline')}/TEST01/${f}`),
    )
    expect(files(out).some((f) => /\/results\/.*\/TEST0\d\//.test(f))).toBe(false)
    expect(files(out).some((f) => f.startsWith(`${sub}/src/`))).toBe(false)
    for (const f of files(tree).filter(kept)) expect(bytes(out, f).equals(bytes(tree, f)), f).toBe(true)
    await roundTrip(out, 'v5.0', records, 'back-v5.0')
  })

  it('v4.1: mlperf.conf in the measurements folder as the tree had it', async () => {
    const { tree, store, records } = await imported('v4.1')
    const out = path.join(dir, 'out-v4.1')
    expect(exportTree(store, records, out)).toMatchObject({ round: 'v4.1', incomplete: [] })
    const conf = `${scenarioOf('measurements', 'SingleStream')}/mlperf.conf`
    expect(bytes(out, conf).equals(bytes(tree, conf))).toBe(true)
    for (const f of files(tree)) expect(files(out), f).toContain(f)
    await roundTrip(out, 'v4.1', records, 'back-v4.1')
  })

  it('v1.1: TEST04 in its two parts, A judged by its verify file and B kept with it, the same files in the same places', async () => {
    const { tree, store, records } = await imported('v1.1')
    const perf = records.find((r) => r.source!.scenario === 'Offline' && r.source!.mode === 'PerformanceOnly')!
    expect(perf.source!.compliance).toEqual({ TEST01: 'passed', 'TEST04-A': 'passed' })
    const paths = listKeptFiles(perf).map((f) => f.path)
    expect(paths).toContain('TEST04-A/verify_performance.txt')
    expect(paths).toContain('TEST04-B/performance/run_1/mlperf_log_summary.txt')
    const out = path.join(dir, 'out-v1.1')
    expect(exportTree(store, records, out)).toMatchObject({ round: 'v1.1', incomplete: [] })
    expect(files(out)).toEqual(files(tree))
    for (const f of files(tree).filter(kept)) expect(bytes(out, f).equals(bytes(tree, f)), f).toBe(true)
    await roundTrip(out, 'v1.1', records, 'back-v1.1')
  })
})

describe('a tree of one round exported for another', () => {
  it('a v5.0 tree exported for v6.0 is laid out as the v6.0 tree is, and says its records are of v5.0', async () => {
    const { store, records } = await imported('v5.0', 'v5.0-for-v6.0')
    const v6 = path.join(dir, 'tree-v6.0-ref')
    writeRoundTree(v6, 'v6.0')
    const out = path.join(dir, 'out-v5.0-as-v6.0')
    const res = exportTree(store, records, out, { round: '6.0' })
    expect(res).toMatchObject({ round: 'v6.0', roundFrom: 'option', incomplete: [], otherRounds: [{ round: 'v5.0', records: SCENARIOS.length * 2 }] })
    expect(files(out)).toEqual(files(v6))
    for (const f of files(v6).filter(kept)) expect(bytes(out, f).equals(bytes(v6, f)), f).toBe(true)
    await roundTrip(out, 'v6.0', records, 'back-v5.0-as-v6.0')
  })

  it('a v6.0 tree exported for v4.1 names the mlperf.conf it cannot give', async () => {
    const { store, records } = await imported('v6.0', 'v6.0-for-v4.1')
    const out = path.join(dir, 'out-v6.0-as-v4.1')
    const res = exportTree(store, records, out, { round: 'v4.1' })
    expect(res.incomplete).toEqual(SCENARIOS.map((s: string) => ({ path: scenarioOf('measurements', s), missing: ['mlperf.conf'] })))
    expect(files(out).some((f) => f.endsWith('mlperf.conf'))).toBe(false)
    expect(files(out)).toContain(`${scenarioOf('compliance', 'MultiStream')}/TEST04/performance/run_1/mlperf_log_summary.txt`)
  })
})

describe('the folder a tree is written into', () => {
  it('is new or empty: a tree of another round, or files of the user, are refused and left as they were', async () => {
    const { store, records } = await imported('v5.0', 'v5.0-into-filled')
    const out = path.join(dir, 'out-filled')
    exportTree(store, records, out)
    const before = files(out)
    const again = cmcErrorOf(() => exportTree(store, records, out, { round: 'v6.0' }))
    expect(again.code).toBe('EXPORT_TARGET_NOT_EMPTY')
    expect(again.message).toBe(`${out} is not empty (1 entry, e.g. closed)`)
    expect(again.hint).toBe('give -o a new folder; nothing was written')
    expect(files(out)).toEqual(before)
    expect(files(out).some((f) => f.startsWith(`${sub}/src/`))).toBe(false)
    const file = path.join(dir, 'a-file')
    writeFileSync(file, 'mine\n')
    expect(cmcErrorOf(() => exportTree(store, records, file)).message).toBe(`${file} is a file, not a folder for the tree`)
    expect(readFileSync(file, 'utf8')).toBe('mine\n')
    // a folder that takes no new ones (procfs): refused at once, not a hang
    const proc = cmcErrorOf(() => exportTree(store, records, '/proc/cmc-no-tree/out'))
    expect(proc.code).toBe('OUTPUT_UNWRITABLE')
    expect(proc.message).toBe('cannot make /proc/cmc-no-tree/out (-o): /proc takes no new folders')
    const empty = path.join(dir, 'out-empty')
    mkdirSync(empty)
    expect(exportTree(store, records, empty).written).toHaveLength(records.length)
  })
})

describe('compliance folders the records cannot fill', () => {
  it('are written with what the records carry; what each round wants besides is named, not made up', async () => {
    const tree = path.join(dir, 'tree-partial')
    writeRoundTree(tree, 'v6.0')
    const offline = path.join(tree, scenarioOf('results', 'Offline'))
    rmSync(path.join(offline, 'TEST01', 'accuracy'), { recursive: true })
    rmSync(path.join(offline, 'TEST04', 'performance', 'run_1', 'mlperf_log_detail.txt'))
    rmSync(path.join(offline, 'TEST04', 'verify_performance.txt'))
    const store = new Store(path.join(dir, 'store-partial'))
    await importMlperf(store, tree, { round: 'v6.0' })
    const records = selectRecords(store, 'source = mlperf')

    // v6.0 wants TEST01's accuracy/ only when its deterministic check failed
    const v6 = exportTree(store, records, path.join(dir, 'out-partial-v6.0'))
    const test04 = `${scenarioOf('results', 'Offline')}/TEST04`
    expect(v6.incomplete).toEqual([{ path: test04, missing: ['verify_performance.txt', 'performance/run_1/mlperf_log_detail.txt'] }])
    expect(files(path.join(dir, 'out-partial-v6.0')).filter((f) => f.startsWith(`${test04}/`))).toEqual([`${test04}/performance/run_1/mlperf_log_summary.txt`])

    // v5.0 wants it always
    const v5 = exportTree(store, records, path.join(dir, 'out-partial-v5.0'), { round: 'v5.0' })
    expect(v5.incomplete).toEqual([
      { path: `${scenarioOf('compliance', 'Offline')}/TEST01`, missing: ['accuracy/mlperf_log_accuracy.json', 'accuracy/accuracy.txt'] },
      { path: `${scenarioOf('compliance', 'Offline')}/TEST04`, missing: ['verify_performance.txt', 'performance/run_1/mlperf_log_detail.txt'] },
    ])
    expect(listTree(path.join(dir, 'out-partial-v5.0')).some((f) => f.startsWith(`${scenarioOf('compliance', 'Offline')}/TEST01/accuracy`))).toBe(false)

    // a failed deterministic check asks for the comparison's files too
    writeFileSync(path.join(offline, 'TEST01', 'verify_accuracy.txt'), 'TEST FAIL\n')
    const failed = new Store(path.join(dir, 'store-partial-failed'))
    await importMlperf(failed, tree, { round: 'v6.0' })
    const again = exportTree(failed, selectRecords(failed, 'source = mlperf'), path.join(dir, 'out-partial-failed'))
    expect(again.incomplete[0]).toEqual({
      path: `${scenarioOf('results', 'Offline')}/TEST01`,
      missing: ['accuracy/mlperf_log_accuracy.json', 'accuracy/accuracy.txt', 'accuracy/baseline_accuracy.txt', 'accuracy/compliance_accuracy.txt'],
    })
  })
})

/** A local run whose outputs hold its LoadGen logs in r0/, and what of TEST01 a harness left beside them. */
async function localRun(store: Store): Promise<ExperimentRecord> {
  const summary = summaryLog({ scenario: 'Offline', sut: 'cmc', rate: 4321, latencyNs: 400000 }).text as string
  const outputs: Record<string, string> = {
    'r0/mlperf_log_summary.txt': summary,
    'r0/mlperf.conf': '*.Offline.min_duration = 600000\n',
    'r0/TEST01/verify_accuracy.txt': 'TEST PASS\n',
    'r0/TEST01/verify_performance.txt': 'TEST PASS\n',
    'r0/TEST01/performance/run_1/mlperf_log_summary.txt': summary,
    'r0/stdout.log': 'not a submission file\n',
  }
  const base = recordOf({ samples_per_second: [4321] })
  const [stored] = await putRecords(store, [
    {
      ...base,
      benchmark: { alias: 'resnet50-cpu', uid: 'u' },
      host: { ...base.host, hostname: 'lab box', gpus: [] },
      outputs: Object.keys(outputs).map((p) => ({ path: p, size: 1, sha256: 'x' })),
    },
  ])
  for (const [rel, text] of Object.entries(outputs)) {
    const file = path.join(store.recordDir(stored!.id), 'outputs', rel)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
  return stored!
}

describe('a local run', () => {
  it('goes into the newest round unless told, with its TEST0X folders and mlperf.conf as its outputs hold them', async () => {
    const store = new Store(path.join(dir, 'store-local'))
    const run = await localRun(store)
    const out = path.join(dir, 'out-local-v6.0')
    const res = exportTree(store, [run], out, { submitter: 'Me', benchmark: 'resnet50', systemId: 'box' })
    expect(res).toMatchObject({ round: 'v6.0', roundFrom: 'newest', otherRounds: [] })
    const at = 'closed/Me/results/box/resnet50/Offline'
    expect(files(out)).toEqual(
      [
        `${at}/README.md`,
        `${at}/TEST01/performance/run_1/mlperf_log_summary.txt`,
        `${at}/TEST01/verify_accuracy.txt`,
        `${at}/TEST01/verify_performance.txt`,
        `${at}/measurements.json`,
        `${at}/mlperf.conf`,
        `${at}/performance/run_1/mlperf_log_summary.txt`,
        `${at}/user.conf`,
        'closed/Me/src/resnet50/README.md',
        'closed/Me/systems/box.json',
      ].sort(),
    )
    expect(res.incomplete).toEqual([{ path: `${at}/TEST01`, missing: ['performance/run_1/mlperf_log_detail.txt'] }])
    expect(res.placeholders).toEqual([{ path: `${at}/measurements.json`, fields: expect.arrayContaining(['retraining']) as unknown }])

    const old = exportTree(store, [run], path.join(dir, 'out-local-v5.1'), { submitter: 'Me', benchmark: 'resnet50', systemId: 'box', round: 'v5.1' })
    const m = 'closed/Me/measurements/box/resnet50/Offline'
    expect(files(path.join(dir, 'out-local-v5.1'))).toEqual(
      expect.arrayContaining([`${m}/box_Offline.json`, `${m}/user.conf`, `${m}/README.md`, `${m}/mlperf.conf`, 'closed/Me/code/resnet50/README.md']) as unknown,
    )
    expect(old.placeholders).toEqual([{ path: `${m}/box_Offline.json`, fields: expect.arrayContaining(['retraining']) as unknown }])
    expect(old.incomplete).toEqual([
      {
        path: 'closed/Me/compliance/box/resnet50/Offline/TEST01',
        missing: ['performance/run_1/mlperf_log_detail.txt', 'accuracy/mlperf_log_accuracy.json', 'accuracy/accuracy.txt'],
      },
    ])
  })

  it('beside published records of one round: the newest round, and the published ones are named as of theirs', async () => {
    const { store } = await imported('v5.0', 'v5.0-mixed')
    const run = await localRun(store)
    const res = exportTree(store, [...selectRecords(store, 'source = mlperf and scenario = Offline'), run], path.join(dir, 'out-mixed'), {
      submitter: 'Me',
      benchmark: 'resnet50',
    })
    expect(res).toMatchObject({ round: 'v6.0', roundFrom: 'newest', otherRounds: [{ round: 'v5.0', records: 2 }] })
  })
})

describe('cmc exp export --format mlperf --round', () => {
  it('says which round it laid the tree out for, and what it could not fill', async () => {
    const tree = path.join(dir, 'tree-cli')
    writeRoundTree(tree, 'v5.0')
    rmSync(path.join(tree, scenarioOf('compliance', 'Offline'), 'TEST04', 'verify_performance.txt'))
    const store = path.join(dir, 'store-cli')
    const env = { ...process.env, CMC_HOME: path.join(dir, 'home'), CMC_STORE: store }
    const cmc = (...argv: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...argv], { env, encoding: 'utf8' })
    expect(cmc('exp', 'import', '--mlperf', tree, '--round', 'v5.0').status).toBe(0)

    const own = cmc('exp', 'export', '--format', 'mlperf', '-o', path.join(dir, 'cli-own'))
    expect(own.status, own.stderr).toBe(0)
    expect(own.stdout).toBe(`wrote ${SCENARIOS.length * 2} result(s) as an MLPerf v5.0 submission tree in ${path.join(dir, 'cli-own')}\n`)
    expect(own.stderr).toBe(
      `warning: 1 folder(s) lack what the v5.0 checker wants, which the records do not carry, so it is left out: ${scenarioOf('compliance', 'Offline')}/TEST04 (no verify_performance.txt). Add the files from the runs before you submit\n`,
    )

    const next = cmc('exp', 'export', '--format', 'mlperf', '--round', 'v6.0', '-o', path.join(dir, 'cli-next'))
    expect(next.status, next.stderr).toBe(0)
    expect(next.stderr).toContain(`warning: ${SCENARIOS.length * 2} published record(s) of v5.0 laid out for v6.0: its checker judges them by v6.0's rules\n`)
    expect(next.stderr).toContain(`${scenarioOf('results', 'Offline')}/TEST04 (no verify_performance.txt)`)
    const json = JSON.parse(cmc('exp', 'export', '--format', 'mlperf', '--round', 'v6.0', '-o', path.join(dir, 'cli-json'), '--json').stdout) as {
      round: string
      incomplete: unknown[]
    }
    expect(json).toMatchObject({ round: 'v6.0', incomplete: [{ path: `${scenarioOf('results', 'Offline')}/TEST04`, missing: ['verify_performance.txt'] }] })

    const bad = cmc('exp', 'export', '--format', 'mlperf', '--round', 'v0.5', '-o', path.join(dir, 'cli-bad'))
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--round v0.5: not a round whose submission layout cmc knows')

    // records of no round, beside none of another: the newest, said in a warning
    cpSync(path.join(dir, 'cli-own'), path.join(dir, 'tree-cli-unnamed'), { recursive: true })
    const unnamedStore = path.join(dir, 'store-cli-unnamed')
    expect(cmc('exp', 'import', '--mlperf', path.join(dir, 'tree-cli-unnamed'), '--store', unnamedStore).status).toBe(0)
    const newest = cmc('exp', 'export', '--format', 'mlperf', '--store', unnamedStore, '-o', path.join(dir, 'cli-newest'))
    expect(newest.stderr).toContain(
      'warning: no --round, and the records are not all published in one round: the tree is laid out for v6.0, the newest round cmc knows; give --round for another\n',
    )
  })
})
