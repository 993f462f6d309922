// compareSelections: the two sides of a compare picked from a real store, as
// `cmc exp compare` and the dashboard pick them. A query side of several runs
// is read from the index, setups (benchmark, params, limits) included; index
// lines written before the index kept limits are completed from the records,
// so a side mixing limited and unlimited runs is refused either way. Two sides
// with no metric in common are an error, not an empty table.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import compareCommand from '../../../src/commands/exp/compare.js'
import { compareGroups } from '../../../src/store/compare.js'
import { compareSelections } from '../../../src/store/compareSelections.js'
import type { ExperimentRecord } from '../../../src/store/record.js'
import { selectRecords } from '../../../src/store/select.js'
import { Store } from '../../../src/store/store.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { tmpDir } from '../../helpers/tmp.js'
import { cmcErrorOf as err } from '../../helpers/errors.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function newStore(): Store {
  const d = tmpDir('cmc-compare-store-')
  dirs.push(d)
  return new Store(path.join(d, 'store'))
}

const mib = 1024 ** 2
const base = [100, 101, 99]

describe('compareSelections', () => {
  it('reads the setups of a query side from the index: no record file but the first is opened', async () => {
    const store = newStore()
    const [first, ...rest] = await putRecords(store, [
      recordOf({ throughput: base }, { tags: ['a'], limits: { cpus: 1, memoryBytes: 256 * mib } }),
      recordOf({ throughput: base }, { tags: ['a'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
    ])
    // only the first run of each side is read (for units); the others' files are gone
    for (const r of rest) if (r.id !== first!.id) rmSync(path.join(store.recordDir(r.id), 'record.json'))
    writeFileSync(path.join(store.recordDir(rest[1]!.id), 'record.json'), readFileSync(path.join(store.recordDir(first!.id), 'record.json')))
    const e = err(() => compareSelections(store, 'tags = a', 'tags = b'))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.details).toEqual(['limits: A cpus=1 memory=256m, none; B none'])
  })

  it('completes the setups of index lines written before the index kept limits from the records', async () => {
    const store = newStore()
    await putRecords(store, [
      recordOf({ throughput: base }, { tags: ['a'], limits: { cpus: 1, memoryBytes: 256 * mib } }),
      recordOf({ throughput: base }, { tags: ['a'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
    ])
    const lines = readFileSync(store.indexFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    writeFileSync(store.indexFile, lines.map(({ limits: _limits, ...old }) => JSON.stringify(old) + '\n').join(''))
    rmSync(path.join(store.root, 'index.snapshot'), { force: true })
    const e = err(() => compareSelections(store, 'tags = a', 'tags = b'))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.details).toEqual(['limits: A cpus=1 memory=256m, none; B none'])
  })

  it('a query side mixing limited and unlimited runs is refused', async () => {
    const store = newStore()
    await putRecords(store, [
      recordOf({ throughput: base }, { tags: ['a'], limits: { cpus: 1, memoryBytes: 256 * mib } }),
      recordOf({ throughput: base }, { tags: ['a'] }),
      recordOf({ throughput: base }, { tags: ['a'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
      recordOf({ throughput: [110, 111, 109] }, { tags: ['b'] }),
    ])
    const e = err(() => compareSelections(store, 'tags = a', 'tags = b'))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.message).toBe('side A mixes runs that are not alike: limits (cpus=1 memory=256m, none)')
    expect(e.details).toEqual(['limits: A cpus=1 memory=256m, none; B none'])
    const pooled = compareSelections(store, 'tags = a', 'tags = b', { allowMixed: true })
    expect(pooled.warnings).toContain('side A mixes limits (cpus=1 memory=256m, none) (allowed)')
    expect(pooled.metrics[0].a.n).toBe(3)
  })

  it('a query side mixing params is refused, naming the values on each side', async () => {
    const store = newStore()
    await putRecords(store, [
      ...[1, 2, 1].map((threads) => recordOf({ throughput: base }, { tags: ['a'], params: { threads } })),
      ...[1, 1].map((threads) => recordOf({ throughput: base }, { tags: ['b'], params: { threads } })),
    ])
    const e = err(() => compareSelections(store, 'tags = a', 'tags = b'))
    expect(e.code).toBe('COMPARE_MIXED')
    expect(e.details).toEqual(['params.threads: A 1, 2; B 1'])
    // the hint's way out works
    expect(compareSelections(store, 'tags = a and params.threads = 1', 'tags = b').metrics).toHaveLength(1)
  })

  it('gives what compareGroups gives on the full records, with the sides described', async () => {
    const store = newStore()
    await putRecords(store, [
      ...[100, 102, 98, 101].map((v) => recordOf({ throughput: [v, v + 1, v - 1] }, { tags: ['a'], params: { threads: 1 } })),
      ...[150, 149, 152].map((v) => recordOf({ throughput: [v, v + 1, v - 1] }, { tags: ['b'], params: { threads: 4 }, limits: { cpus: 4 } })),
    ])
    const light = compareSelections(store, 'tags = a', 'tags = b')
    const full = compareGroups(selectRecords(store, 'tags = a'), selectRecords(store, 'tags = b'))
    expect(light.metrics).toEqual(full.metrics)
    expect(light.metrics[0].verdict).toBe('improved')
    expect(light.differences).toEqual([
      { field: 'limits', a: ['none'], b: ['cpus=4'] },
      { field: 'params.threads', a: ['1'], b: ['4'] },
    ])
  })

  it('a query side of emulated runs against native ones is refused from the index, and queryable', async () => {
    const store = newStore()
    const emulated = { emulated: true, emulation: { hostArch: 'x86_64', imageArch: 'arm64', interpreter: 'qemu-aarch64' } }
    await putRecords(store, [
      recordOf({ throughput: base }, { tags: ['native'] }),
      recordOf({ throughput: base }, { tags: ['native'] }),
      { ...recordOf({ throughput: [20, 21, 19] }, { tags: ['qemu'] }), ...emulated },
      { ...recordOf({ throughput: [20, 21, 19] }, { tags: ['qemu'] }), ...emulated },
    ])
    const e = err(() => compareSelections(store, 'tags = native', 'tags = qemu'))
    expect(e.code).toBe('COMPARE_EMULATED')
    const allowed = compareSelections(store, 'tags = native', 'tags = qemu', { allowEmulated: true })
    expect(allowed.metrics[0].b.n).toBe(2)
    expect(allowed.warnings.join('\n')).toMatch(/emulator/)
    expect(selectRecords(store, 'emulated = true').map((r) => r.tags)).toEqual([['qemu'], ['qemu']])
  })

  it('two sides with no metric in common are an error naming each side’s metrics', async () => {
    const store = newStore()
    const [, , failed] = await putRecords(store, [
      recordOf({ seconds: base, triad_gbs: base }, { tags: ['a'] }),
      recordOf({ throughput: base }, { tags: ['b'] }),
      recordOf({}, { tags: ['c'], status: 'failed', exitCode: 1 }),
    ])
    const e = err(() => compareSelections(store, 'tags = a', 'tags = b'))
    expect(e.code).toBe('COMPARE_NO_COMMON_METRIC')
    expect(e.category).toBe('input')
    expect(e.message).toBe('the sides have no metric in common: A has seconds, triad_gbs; B has throughput')
    expect(err(() => compareSelections(store, 'tags = a', failed!.id)).message).toBe('the sides have no metric in common: A has seconds, triad_gbs; B has none')
  })

  describe('published results', () => {
    const offline = { scenario: 'Offline', mode: 'PerformanceOnly', headline: { metric: 'samples_per_second' } } as ExperimentRecord['loadgen']
    const local = (v: number[]) => {
      const r = recordOf({ samples_per_second: v }, { hib: { samples_per_second: true }, loadgen: offline, tags: ['local'] })
      r.benchmark = { alias: 'resnet50', uid: 'u-resnet50' }
      r.host.gpus = [{ vendor: 'nvidia', model: 'H100' }]
      return r
    }
    const published = (submitter: string, system: string, round: string, value: number) => {
      const r = recordOf({ samples_per_second: [value] }, { hib: { samples_per_second: true }, hostname: `mlperf:${submitter}/${system}`, digest: 'mlperf' })
      r.benchmark = { alias: 'resnet50', uid: 'u-resnet50' }
      r.source = {
        kind: 'mlperf',
        round,
        submitter,
        division: 'closed',
        system,
        benchmark: 'resnet50',
        scenario: 'Offline',
        mode: 'PerformanceOnly',
        accelerators: 8,
        headline: { metric: 'samples_per_second', value, unit: 'samples/s', higherIsBetter: true },
        valid: true,
        from: `closed/${submitter}/results/${system}/resnet50/Offline`,
        key: `${round}/${submitter}/${system}`,
      }
      return r
    }
    const publishedStore = async () => {
      const store = newStore()
      await putRecords(store, [
        local([900, 1000, 1100]),
        // one system over three rounds, and another system: four results, no repeats
        published('Acme', 'sys1', 'v4.0', 700),
        published('Acme', 'sys1', 'v4.1', 1300),
        published('Acme', 'sys1', 'v5.0', 2100),
        published('Other', 'sys2', 'v5.0', 5000),
      ])
      return store
    }
    const side = 'source = mlperf and benchmark = resnet50 and scenario = Offline'

    it('a side pooling several systems or rounds is refused, with a hint that narrows it to one', async () => {
      const store = await publishedStore()
      const e = err(() => compareSelections(store, 'tags = local', side))
      expect(e.code).toBe('COMPARE_PUBLISHED_MIXED')
      expect(e.message).toBe(
        'side B pools results of different published systems or rounds: B Acme/sys1 closed v4.0, Acme/sys1 closed v4.1, Acme/sys1 closed v5.0, Other/sys2 closed v5.0',
      )
      expect(e.hint).toBe(
        "compare one published result at a time: add `and submitter = Acme and system = sys1 and division = closed and round = v4.0` to side B's query, compare them --per accelerator, or add --allow-mixed to pool them",
      )
      const flags = Object.keys(compareCommand.flags ?? {})
      for (const [, flag] of e.hint!.matchAll(/--([a-z][a-z-]+)/g)) expect(flags).toContain(flag)
      // the same system over rounds is no repeat either
      expect(err(() => compareSelections(store, 'tags = local', `${side} and system = sys1`)).code).toBe('COMPARE_PUBLISHED_MIXED')
      // the hint's narrowing: one result against the run, per accelerator too
      const one = compareSelections(store, 'tags = local', `${side} and system = sys1 and round = v5.0`, { per: 'accelerator' })
      expect(one.metrics[0]).toMatchObject({
        metric: 'samples_per_second_per_accelerator',
        a: { n: 3 },
        b: { n: 1, median: 2100 / 8 },
        verdict: 'inconclusive',
      })
      expect(one.warnings.join('\n')).not.toMatch(/repeat/)
    })

    it('--allow-mixed pools them, and says so; a published side is never told to add repeats', async () => {
      const store = await publishedStore()
      const c = compareSelections(store, 'tags = local', side, { allowMixed: true })
      expect(c.metrics[0]!.b.n).toBe(4)
      expect(c.warnings).toContain(
        'side B pools 4 published results (Acme/sys1 closed v4.0, Acme/sys1 closed v4.1, Acme/sys1 closed v5.0, Other/sys2 closed v5.0) (allowed)',
      )
      expect(c.warnings).toContain('samples_per_second: noisy samples (coefficient of variation A 10%, B 84%)')
      expect(c.warnings.join('\n')).not.toMatch(/repeat/)
    })

    it('a side of another scenario is refused with a hint that works for a record id too', async () => {
      const store = await publishedStore()
      const server = published('Acme', 'sys1', 'v5.0', 900)
      server.source!.scenario = 'Server'
      const [srv] = await putRecords(store, [server])
      const run = selectRecords(store, 'tags = local')[0]!
      const serverSide = 'source = mlperf and scenario = Server'
      // an id takes no `and ...`: the query side is narrowed to the id's scenario
      const idVsQuery = err(() => compareSelections(store, run.id, serverSide))
      expect(idVsQuery.code).toBe('COMPARE_RESULTS_DIFFER')
      expect(idVsQuery.message).toBe('the results differ in scenario: A Offline; B Server')
      expect(idVsQuery.hint).toBe(
        "MLPerf results compare within one scenario, mode and metric: side A is one record, of scenario Offline: add `and scenario = Offline` to side B's query",
      )
      expect(err(() => compareSelections(store, serverSide, run.id)).hint).toBe(
        "MLPerf results compare within one scenario, mode and metric: side B is one record, of scenario Offline: add `and scenario = Offline` to side A's query",
      )
      // two ids: no query to narrow, so where to find a record like A
      expect(err(() => compareSelections(store, run.id, srv!.id)).hint).toBe(
        'MLPerf results compare within one scenario, mode and metric: both sides are records, of scenario Offline and Server; find one like A with `cmc exp list --where "scenario = Offline"`',
      )
      // two queries of no scenario in common: narrowing both to B's would leave A empty
      expect(err(() => compareSelections(store, 'tags = local', serverSide)).hint).toBe(
        'MLPerf results compare within one scenario, mode and metric, and the sides have no scenario in common (A Offline; B Server): select sides of one scenario',
      )
      // two queries that share one: both narrowed to it
      expect(err(() => compareSelections(store, 'source = mlperf', serverSide)).hint).toBe(
        'MLPerf results compare within one scenario, mode and metric: add `and scenario = Server` to both sides',
      )
    })

    it('a side mixing published results and local runs is refused too', async () => {
      const store = await publishedStore()
      const e = err(() => compareSelections(store, 'tags = local', 'benchmark = resnet50 and (tags = local or round = v5.0 and system = sys1)'))
      expect(e.code).toBe('COMPARE_PUBLISHED_MIXED')
      expect(e.data).toEqual({ b: ['Acme/sys1 closed v5.0', 'local runs'] })
    })
  })

  it('refuses a noise band that is no fraction', async () => {
    const store = newStore()
    await putRecords(store, [recordOf({ t: base }), recordOf({ t: base })])
    expect(err(() => compareSelections(store, 'status = ok', 'status = ok', { noiseBand: -1 })).code).toBe('FLAG_VALUE')
  })
})
