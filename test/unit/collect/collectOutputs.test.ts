// Which way a container's outputs come into the record, and a repeat's metrics
// from them: the volume in place when this process can read it, else the
// archive, over folders on disk (GNU tar makes the archive an engine would send).
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { repeatMetrics, summarizeRepeats } from '../../../src/collect/benchmarkMetrics.js'
import { collectOutputs } from '../../../src/collect/collectOutputs.js'
import type { ContainerOutputs } from '../../../src/engine/run.js'
import { listTree, repoRoot, tmpDir } from '../../helpers/tmp.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const scratch = () => {
  const d = tmpDir('cmc-collect-')
  dirs.push(d)
  return d
}
const limits = { maxFileBytes: 1000, maxTotalBytes: 4000 }

/** An outputs folder `out` holding what a benchmark wrote. */
function outputsFolder(files: Record<string, string>): { parent: string; out: string } {
  const parent = scratch()
  const out = path.join(parent, 'out')
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(out, name)), { recursive: true })
    writeFileSync(path.join(out, name), text)
  }
  return { parent, out }
}

/** The folder as the engine hands it over: its volume at `volume` (or none), its archive from GNU tar. */
function handedOver(folder: { parent: string; out: string } | undefined, volume: string | undefined): ContainerOutputs {
  return {
    volumeDir: async () => volume,
    archive: async () => folder && Readable.from([execFileSync('tar', ['-C', folder.parent, '--sort=name', '-cf', '-', 'out'])]),
  }
}

describe('collectOutputs', () => {
  it('reads the volume in place when it can, and gives what the archive gives', async () => {
    const folder = outputsFolder({ 'metrics.json': '{"x": 1}', 'sub/a.txt': 'a\n' })
    const inPlace = path.join(scratch(), 'dest')
    const viaVolume = await collectOutputs(handedOver(folder, folder.out), inPlace, limits)
    const fromArchive = path.join(scratch(), 'dest')
    const viaArchive = await collectOutputs(handedOver(folder, undefined), fromArchive, limits)
    expect(viaVolume?.via).toBe('volume')
    expect(viaArchive?.via).toBe('archive')
    expect(viaVolume?.files).toEqual(viaArchive?.files)
    expect(viaVolume?.files.map((f) => f.path)).toEqual(['metrics.json', 'sub/a.txt'])
    expect(listTree(inPlace)).toEqual(listTree(fromArchive))
  })

  it('a volume this process cannot read: the archive is read instead, into an emptied folder', async () => {
    const folder = outputsFolder({ 'good.txt': 'fine\n' })
    const dest = path.join(scratch(), 'dest')
    const got = await collectOutputs(handedOver(folder, path.join(folder.parent, 'gone')), dest, limits)
    expect(got?.via).toBe('archive')
    expect(got?.files.map((f) => f.path)).toEqual(['good.txt'])
    expect(listTree(dest)).toEqual(['good.txt'])
  })

  it('no outputs folder either way: nothing collected', async () => {
    expect(await collectOutputs(handedOver(undefined, undefined), path.join(scratch(), 'dest'), limits)).toBeUndefined()
  })
})

describe('repeatMetrics and summarizeRepeats', () => {
  const loadgen = (dir: string) => path.join(repoRoot, 'test', 'fixtures', 'loadgen', dir)

  it('a JSON metrics file the benchmark did not write fails the repeat, naming the file and folder', () => {
    const got = repeatMetrics({ dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'json', file: 'm.json' } }, scratch(), '')
    expect(got).toEqual({ metrics: {}, problem: 'metrics file m.json was not written to /cmc/out' })
  })

  it("LoadGen logs: VALID is a metric of 1, INVALID fails the repeat with LoadGen's reasons", () => {
    const spec = { dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'loadgen' as const } }
    const valid = repeatMetrics(spec, loadgen('offline-valid'), '')
    expect(valid.problem).toBeUndefined()
    expect(valid.metrics).toMatchObject({ valid: 1, samples_per_second: 2486.81 })
    const invalid = repeatMetrics(spec, loadgen('server-invalid'), '')
    expect(invalid.metrics.valid).toBe(0)
    expect(invalid.problem).toMatch(/^LoadGen result INVALID: \S/)
  })

  it('LoadGen metrics are summarized with the units and direction their names say, as published results are, unless the meta says otherwise', () => {
    const spec = { dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'loadgen' as const, units: { mean_latency_ns: 'nanoseconds' } } }
    const repeats = [0, 1].map((index) => ({ index, metrics: repeatMetrics(spec, loadgen('offline-valid'), '').metrics, exitCode: 0, durationMs: 1 }))
    const summary = summarizeRepeats(repeats, spec)
    expect(summary.samples_per_second).toMatchObject({ unit: 'samples/s', higherIsBetter: true })
    expect(summary.max_latency_ns).toMatchObject({ unit: 'ns', higherIsBetter: false })
    expect(summary.mean_latency_ns).toMatchObject({ unit: 'nanoseconds' })
    expect(summary.valid.unit).toBeUndefined()
  })

  it('regexes read stdout; each metric is summarized over the repeats that reported it, with its unit', () => {
    const spec = { dir: '/cmc/out', maxBytes: 1000, metrics: { format: 'regex' as const, patterns: { ms: 'took (\\d+) ms' }, units: { ms: 'ms' } } }
    expect(repeatMetrics(spec, scratch(), 'took 12 ms\n').metrics).toEqual({ ms: 12 })
    const perRepeat: Array<Record<string, number>> = [{ ms: 10, other: 1 }, { ms: 14 }]
    const repeats = perRepeat.map((metrics, index) => ({ index, metrics, exitCode: 0, durationMs: 1 }))
    const summary = summarizeRepeats(repeats, spec)
    expect(Object.keys(summary)).toEqual(['ms', 'other'])
    expect(summary.ms).toMatchObject({ median: 12, n: 2, unit: 'ms' })
    expect(summary.other).toMatchObject({ median: 1, n: 1 })
  })
})
