// `cmc run` against the real engine says when a benchmark did not give what
// its meta declares: metrics not produced make the record `failed` with the
// reason, values that are not metrics are named in a warning, and meta that
// could only fail later (a regex without a group, an input folder that does
// not exist) is refused before anything is built or mounted.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { CmcEvent } from '../../src/events.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { openStore } from '../../src/store/store.js'
import { cli, containersWithLabel, copyRepo, docker, type CliResult } from '../helpers/engine.js'
import { repoRoot, tmpDir, writeTree } from '../helpers/tmp.js'

// a copy, so that nothing an engine might create lands in the checkout
const repo = copyRepo(path.join(repoRoot, 'test/fixtures/honest-repo'))
const home = tmpDir('cmc-home-')
const storeDir = path.join(tmpDir('cmc-honest-'), 'store')
const env = { CMC_HOME: home, CMC_STORE: storeDir }
const run = (args: string[]) => cli(['run', ...args, '--repo', repo, '--platform', 'x86_64'], { env })
// every image the fixture builds carries its image's alias
const imageLabel = 'cmc.image=honest-sh'
const BENCHMARKS = ['regex-miss', 'regex-nogroup', 'json-strings', 'json-none', 'missing-input']
const NO_GROUP = [
  'kind: benchmark',
  'alias: regex-nogroup',
  'image: honest-sh',
  `command: 'echo "GFLOP/s: 12.5"'`,
  'outputs:',
  '  metrics:',
  '    format: regex',
  '    patterns:',
  "      gflops: 'GFLOP/s: [0-9.]+'",
  '',
].join('\n')

async function removeImages(): Promise<void> {
  for (const image of await docker.listImages({ filters: JSON.stringify({ label: [imageLabel] }) }))
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => {})
}
const builtImages = async () => (await docker.listImages({ filters: JSON.stringify({ label: [imageLabel] }) })).length
const recordsOf = async (alias: string): Promise<ExperimentRecord[]> => {
  const store = await openStore({ path: storeDir })
  return store
    .summaries()
    .map((s) => store.get(s.id))
    .filter((r) => r.benchmark.alias === alias)
}
const jsonEvents = (stderr: string): CmcEvent[] =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as CmcEvent)

beforeAll(async () => {
  await pingEngine()
  await removeImages()
})
afterAll(async () => {
  await removeImages()
  for (const alias of BENCHMARKS) expect(await containersWithLabel(`cmc.benchmark=${alias}`)).toEqual([])
  for (const dir of [home, repo, path.dirname(storeDir)]) rmSync(dir, { recursive: true, force: true })
})

describe('refused before anything is built', () => {
  it('a regex metric without a capture group is a meta error at its file:line:col', async () => {
    // written here, not in the fixture: the other benchmarks' runs would warn that it was skipped
    const file = path.join(writeTree(repo, { 'regex-nogroup/cmc.yaml': NO_GROUP }), 'regex-nogroup', 'cmc.yaml')
    let r: CliResult
    try {
      r = await run(['regex-nogroup'])
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true })
    }
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`error[META_INVALID]: ${file}:9:`)
    expect(r.stderr).toContain('has no capture group')
    expect(r.stderr).toMatch(/hint: put the number in parentheses/)
    expect(await builtImages()).toBe(0)
    expect(await recordsOf('regex-nogroup')).toEqual([])
  })

  it('an input folder that does not exist names the path and the meta key, and no folder appears in the repo', async () => {
    const r = await run(['missing-input'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('error[INPUT_MISSING]')
    expect(r.stderr).toContain('inputs.data.path')
    expect(r.stderr).toContain(path.join(repo, 'missing-input', 'data'))
    expect(existsSync(path.join(repo, 'missing-input', 'data'))).toBe(false)
    expect(await builtImages()).toBe(0)
  })
})

describe('declared metrics that are not produced fail the run', () => {
  it('a regex that stdout never matches: failed, exit 5, the reason names the metric and the pattern', async () => {
    const r = await run(['regex-miss'])
    expect(r.code, r.stderr).toBe(5)
    expect(r.stderr).toContain('error[BENCHMARK_FAILED]')
    expect(r.stderr).toContain("metric gflops: pattern 'GFLOP/s: ([0-9.]+)' matched nothing in stdout")
    const [rec, ...more] = await recordsOf('regex-miss')
    expect(more).toEqual([])
    expect(rec.status).toBe('failed')
    expect(rec.reason).toBe("metric gflops: pattern 'GFLOP/s: ([0-9.]+)' matched nothing in stdout")
    expect(rec.metrics).toEqual({})
    // the first repeat that gives nothing ends the point, as a failed exit does
    expect(rec.repeats).toHaveLength(1)
    const log = readFileSync(path.join((await openStore({ path: storeDir })).recordDir(rec.id), 'stdout.log'), 'utf8')
    expect(log).toContain('GFLOP/s: n/a')
  })

  it('a JSON file whose only metric is a string: failed, exit 5, naming the file and the string', async () => {
    const r = await run(['json-none'])
    expect(r.code, r.stderr).toBe(5)
    const [rec] = await recordsOf('json-none')
    expect(rec.status).toBe('failed')
    expect(rec.reason).toBe('metrics file metrics.json holds no numbers (not numbers: gflops (string))')
  })
})

describe('values that are not metrics are named', () => {
  it('a string and an array beside a number: ok, exit 0, and one warn event naming both', async () => {
    const r = await run(['json-strings', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
    expect(rec.status).toBe('ok')
    expect(rec.metrics.gflops.median).toBe(12.5)
    const warnings = jsonEvents(r.stderr).filter((e) => e.type === 'log' && e.level === 'warn')
    expect(warnings).toEqual([
      { type: 'log', level: 'warn', message: 'metrics.json: 2 values are not numbers, so not metrics: version (string), hist (array)' },
    ])
  })
})
