// `cmc exp compare` as a user runs it (the built binary, through the fast path
// and through oclif) on a store written here: a skewed timing gets a positive
// ratio interval, a mixed side is refused and the flag its hint names works,
// no metric in common and a bad --noise-band exit 2.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../../src/store/store.js'
import { putRecords, recordOf } from '../../helpers/records.js'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const dir = tmpDir('cmc-compare-cli-')
const store = path.join(dir, 'store')
const bin = path.join(repoRoot, 'bin/run.js')
const mib = 1024 ** 2

beforeAll(async () => {
  const s = new Store(store)
  await putRecords(s, [
    recordOf({ seconds: [1.0, 1.05, 0.98, 1.02, 4.1] }, { tags: ['slow'] }),
    recordOf({ seconds: [0.11, 0.12, 0.1, 0.115, 0.45] }, { tags: ['fast'] }),
    recordOf({ seconds: [1, 1.1, 0.9] }, { tags: ['limited'], limits: { cpus: 1, memoryBytes: 256 * mib } }),
    recordOf({ seconds: [1, 1.1, 0.9] }, { tags: ['limited'] }),
    recordOf({ throughput: [5, 6, 7] }, { tags: ['rate'] }),
    // the medians (15 vs 14) say B is lower; the geometric means (13.4 vs 14.0) and so the ratio say higher
    recordOf({ add_gbs: [10, 15, 16] }, { tags: ['spread'] }),
    recordOf({ add_gbs: [14, 14, 14.1] }, { tags: ['steady'] }),
    recordOf({ samples_per_second: [1000] }, { tags: ['once-a'] }),
    recordOf({ samples_per_second: [1200] }, { tags: ['once-b'] }),
  ])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cmc(...argv: string[]) {
  const env = { ...process.env, CMC_STORE: store, CMC_HOME: path.join(dir, 'home') }
  const fast = spawnSync(process.execPath, [bin, 'exp', 'compare', ...argv], { env, encoding: 'utf8' })
  const slow = spawnSync(process.execPath, [bin, 'exp', 'compare', ...argv], { env: { ...env, CMC_NO_FAST_PATH: '1' }, encoding: 'utf8' })
  expect(slow.status, argv.join(' ')).toBe(fast.status)
  expect(slow.stderr, argv.join(' ')).toBe(fast.stderr)
  return fast
}

describe('cmc exp compare', () => {
  it('prints a positive ratio interval for a skewed timing', () => {
    const r = cmc('tags = slow', 'tags = fast')
    expect(r.status, r.stderr).toBe(0)
    const row = r.stdout.split('\n').find((l) => l.startsWith('seconds'))!
    expect(row).toMatch(/0\.110\s+0\.0429 \.\. 0\.281\s+0\.00053\s+improved/)
    expect(row).not.toMatch(/-\d/)
  })

  it('prints as A and B the geometric means the ratio is of, so the centres and B/A agree', () => {
    const r = cmc('tags = spread', 'tags = steady')
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines.find((l) => l.startsWith('METRIC'))).toMatch(/^METRIC\s+A GEOMEAN\s+B GEOMEAN\s+B\/A\s/)
    const [a, b, ratio] = lines
      .find((l) => l.startsWith('add_gbs'))!
      .split(/\s+/)
      .slice(1, 4)
      .map(Number)
    expect([a, b]).toEqual([13.39, 14.03])
    expect(ratio).toBeGreaterThan(1)
    expect(ratio).toBeCloseTo(b! / a!, 2)
    // --json keeps the medians beside the geometric means
    const m = (JSON.parse(cmc('tags = spread', 'tags = steady', '--json').stdout) as { metrics: Array<Record<string, Record<string, number>>> }).metrics[0]!
    expect(m.a).toMatchObject({ n: 3, median: 15 })
    expect(m.a!.geomean).toBeCloseTo(Math.cbrt(10 * 15 * 16), 10)
    expect(m.b).toMatchObject({ n: 3, median: 14 })
  })

  it('gives no p-value, n/a and null in --json, when each side has one sample', () => {
    const r = cmc('tags = once-a', 'tags = once-b')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.split('\n').find((l) => l.startsWith('samples_per_second'))).toMatch(/1\.20\s+n\/a\s+n\/a\s+inconclusive$/)
    const m = (JSON.parse(cmc('tags = once-a', 'tags = once-b', '--json').stdout) as { metrics: Array<Record<string, unknown>> }).metrics[0]!
    expect(m).toMatchObject({ ratioCi95: null, p: null, verdict: 'inconclusive' })
    expect(m.ratio).toBeCloseTo(1.2, 12)
  })

  it('refuses a side mixing limited and unlimited runs; --allow-mixed, which the hint names, pools them', () => {
    const r = cmc('tags = limited', 'tags = slow')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('error[COMPARE_MIXED]: side A mixes runs that are not alike: limits (cpus=1 memory=256m, none)')
    expect(r.stderr).toContain('limits: A cpus=1 memory=256m, none; B none')
    const flag = /--allow-mixed/.exec(r.stderr)?.[0]
    expect(flag).toBe('--allow-mixed')
    const ok = cmc('tags = limited', 'tags = slow', flag!)
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stderr).toContain('side A mixes limits (cpus=1 memory=256m, none) (allowed)')
  })

  it('exits 2 when the sides have no metric in common', () => {
    const r = cmc('tags = slow', 'tags = rate', '--json')
    expect(r.status).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: 'COMPARE_NO_COMMON_METRIC',
      message: 'the sides have no metric in common: A has seconds; B has throughput',
    })
  })

  it('refuses a --noise-band that is not a fraction of at least 0 and below 1', () => {
    for (const band of ['-1', 'abc', '1', '2']) {
      const r = cmc('tags = slow', 'tags = fast', `--noise-band=${band}`)
      expect(r.status, band).toBe(2)
      expect(r.stderr).toContain(
        `error[FLAG_VALUE]: --noise-band ${band}: expected a fraction of at least 0 and below 1 (0.02 is ±2%; at 1 no fall could be told from noise)`,
      )
    }
    expect(cmc('tags = slow', 'tags = fast', '--noise-band', '0.9').stdout).toMatch(/no change/)
  })
})
