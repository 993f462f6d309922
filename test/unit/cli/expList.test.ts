// `cmc exp list` as a user runs it, through the built binary, on the fast path
// and through oclif: queries that cannot mean what they say are errors (exit 2)
// or warnings on stderr, never a silent "every record" or "nothing".
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordSummary } from '../../../src/store/summary.js'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

const work = tmpDir('cmc-list-cli-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

// one run a day at 10:15 UTC, 2026-11-24 .. 2026-11-28
const rows: RecordSummary[] = Array.from({ length: 5 }, (_, i) => {
  const t = new Date(Date.UTC(2026, 10, 24, 10, 15) + i * 86_400_000)
  return {
    id: `${t
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.(\d{3})Z$/, '$1Z')}-0000000${i}`,
    createdAt: t.toISOString(),
    benchmark: 'stream',
    image: 'c-omp',
    digest: 'sha256:aa',
    platform: 'x86_64',
    status: 'ok',
    host: 'lab-1',
    params: { threads: i + 1 },
    metrics: { seconds: i + 0.5, triad_gbs: 10 * i },
    tags: [],
  }
})
const store = path.join(work, 'store')
mkdirSync(store)
writeFileSync(path.join(store, 'index.jsonl'), rows.map((s) => JSON.stringify(s) + '\n').join(''))

// a time zone far from UTC: a date without an offset must still mean UTC
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), TZ: 'America/Los_Angeles' }
const bin = path.join(repoRoot, 'bin/run.js')

/** `cmc exp list ARGS --store STORE` on both paths; they must agree, and the fast path's result is returned. */
function list(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const argv = [bin, 'exp', 'list', ...args, '--store', store]
  const fast = spawnSync(process.execPath, argv, { env, encoding: 'utf8' })
  const slow = spawnSync(process.execPath, argv, { env: { ...env, CMC_NO_FAST_PATH: '1' }, encoding: 'utf8' })
  expect({ status: slow.status, stdout: slow.stdout, stderr: slow.stderr }, args.join(' ')).toEqual({
    status: fast.status,
    stdout: fast.stdout,
    stderr: fast.stderr,
  })
  return fast
}

const idsOf = (stdout: string) => (JSON.parse(stdout) as RecordSummary[]).map((r) => r.id)

describe('cmc exp list', () => {
  it('refuses a date in any form but ISO 8601, with a caret under it and the forms it takes', () => {
    for (const [where, value] of [
      ['date >= 12/01/2026', '12/01/2026'],
      ['date >= 2026-12-1', '2026-12-1'],
      ['date >= yesterday', 'yesterday'],
    ]) {
      const r = list('--where', where!)
      expect(r.status, where).toBe(2)
      expect(r.stdout).toBe('')
      const col = where!.indexOf(value!)
      expect(r.stderr.split('\n')).toEqual([
        `error[QUERY_SYNTAX]: "${value}" is not a date at column ${col + 1}`,
        `  ${where}`,
        `  ${' '.repeat(col)}^`,
        expect.stringMatching(/^hint: .*2026-12-01T23:59.*UTC/),
        '',
      ])
    }
  })

  it('compares dates as instants, a date without an offset in UTC', () => {
    // a time in the future matches nothing; 23:59 UTC is after that day's run (as strings "T10:15" sorts after " 23:59")
    expect(idsOf(list('--where', "date >= '2026-12-01 23:59'", '--json').stdout)).toEqual([])
    expect(idsOf(list('--where', "date >= '2026-11-26 23:59'", '--json').stdout)).toEqual(rows.slice(3).map((r) => r.id))
    expect(idsOf(list('--where', "date >= '2026-11-26 10:00'", '--json').stdout)).toEqual(rows.slice(2).map((r) => r.id))
    // 11:15+01:00 is that day's run
    expect(idsOf(list('--where', 'date >= 2026-11-26T11:15+01:00', '--json').stdout)).toEqual(rows.slice(2).map((r) => r.id))
    expect(idsOf(list('--where', 'date > 2026-11-26T11:15+01:00', '--json').stdout)).toEqual(rows.slice(3).map((r) => r.id))
    expect(idsOf(list('--where', 'date = 2026-11-25', '--json').stdout)).toEqual([rows[1]!.id])
  })

  it('refuses --limit 0 and negative limits (exit 2, FLAG_VALUE), and keeps the first N otherwise', () => {
    for (const limit of ['0', '-1']) {
      const r = list('--limit', limit)
      expect(r.status, limit).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `error[FLAG_VALUE]: --limit ${limit}: expected a number of records, 1 or more\nhint: e.g. --limit 10; leave --limit out to list every match\n`,
      )
      expect(JSON.parse(list('--limit', limit, '--json').stdout)).toMatchObject({ error: 'FLAG_VALUE', exitCode: 2 })
    }
    expect(idsOf(list('-n', '2', '--json').stdout)).toEqual(rows.slice(0, 2).map((r) => r.id))
  })

  it('warns on stderr about a metric, param or sort field no record has, and still lists', () => {
    const m = list('--where', 'metrics.secnds < 1')
    expect(m.status).toBe(0)
    expect(m.stdout).toBe('no records match\n')
    expect(m.stderr).toMatch(/^warning: no record has metrics\.secnds; did you mean metrics\.seconds\?\n$/i)
    const p = list('--where', 'params.thread = 1 or metrics.seconds < 1')
    expect(p.status).toBe(0)
    expect(p.stdout).toContain(rows[0]!.id)
    expect(p.stderr).toMatch(/^warning: no record has params\.thread; did you mean params\.threads\?\n$/i)
    const s = list('--sort', 'metrics.nope', '--json')
    expect(s.status).toBe(0)
    expect(idsOf(s.stdout)).toEqual(rows.map((r) => r.id))
    expect(s.stderr).toContain('no record has metrics.nope')
    // fields records have: no warning
    expect(list('--where', 'metrics.seconds < 1 and params.threads = 1', '--sort', 'metrics.triad_gbs:desc').stderr).toBe('')
  })
})
