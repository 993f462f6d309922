// Collecting results from a run: LoadGen logs, regex and JSON metrics,
// per-repeat summaries, env redaction, and safe extraction of the container's
// outputs from a tar stream (hostile entries refused and reported, nothing
// written outside the destination).
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pack, type Header } from 'tar-stream'
import { afterAll, describe, expect, it } from 'vitest'
import { parseJsonMetrics } from '../../../src/collect/parseJsonMetrics.js'
import { parseLoadgenDetail, parseLoadgenSummary } from '../../../src/collect/parseLoadgen.js'
import { parseRegexMetrics } from '../../../src/collect/parseRegexMetrics.js'
import { redactEnv } from '../../../src/collect/redactEnv.js'
import { safeCopy, safeExtract } from '../../../src/collect/safeExtract.js'
import { summarize } from '../../../src/collect/summarize.js'
import { median, tQuantile95 } from '../../../src/stats.js'
import { listTree, repoRoot, tmpDir } from '../../helpers/tmp.js'
import { cmcErrorOf as err } from '../../helpers/errors.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const fixture = (rel: string) => readFileSync(path.join(repoRoot, 'test', 'fixtures', 'loadgen', rel), 'utf8')

describe('parseLoadgenSummary (mlperf_log_summary.txt)', () => {
  it('reads an Offline VALID run: scenario, mode, throughput, latencies, no reasons', () => {
    const r = parseLoadgenSummary(fixture('offline-valid/mlperf_log_summary.txt'))
    expect(r.scenario).toBe('Offline')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.valid).toBe(true)
    expect(r.invalidReasons).toEqual([])
    expect(r.metrics).toMatchObject({
      samples_per_second: 2486.81,
      min_latency_ns: 19528347,
      max_latency_ns: 617414232411,
      mean_latency_ns: 309124117586,
      '50_00_percentile_latency_ns': 309416233270,
      '90_00_percentile_latency_ns': 555813409958,
      '99_90_percentile_latency_ns': 616818025212,
    })
    // test settings are the run's settings, not metrics
    expect(r.settings).toMatchObject({ target_qps: 2326.32, min_duration_ms: 600000, target_latency_ns: 0 })
    expect(Object.keys(r.metrics)).not.toContain('target_qps')
    // words are not metrics, and the verdict lines are not metrics either
    expect(Object.keys(r.metrics)).not.toContain('sut_name')
    expect(Object.keys(r.metrics)).not.toContain('result_is')
    expect(Object.keys(r.metrics)).not.toContain('mode')
    expect(Object.keys(r.metrics).filter((k) => k.includes('satisfied'))).toEqual([])
  })

  it('reads a Server INVALID run with the reasons LoadGen states', () => {
    const r = parseLoadgenSummary(fixture('server-invalid/mlperf_log_summary.txt'))
    expect(r.scenario).toBe('Server')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.valid).toBe(false)
    // the failed constraints, then the recommendation and early-stopping bullet lines
    expect(r.invalidReasons.slice(0, 4)).toEqual([
      'Performance constraints satisfied: NO',
      'Min duration satisfied: NO',
      'Min queries satisfied: NO',
      'Early stopping satisfied: NO',
    ])
    expect(r.invalidReasons).toContain('Reduce target QPS to improve latency.')
    // a reason that wraps onto an indented line is kept whole
    expect(r.invalidReasons).toContain('The test exited early, before enough queries were issued. See the detailed log for why this may have occurred.')
    expect(r.invalidReasons).toContain('Run unsuccessful.')
    expect(r.metrics).toMatchObject({
      scheduled_samples_per_second: 100.19,
      completed_samples_per_second: 98.45,
      '99_00_percentile_latency_ns': 548802311,
    })
    expect(r.settings).toMatchObject({ target_latency_ns: 100000000, min_query_count: 100 })
  })

  it('does not count "Yes" or "Skipped" as reasons, and lists only the failed ones', () => {
    const r = parseLoadgenSummary(
      [
        'Scenario : SingleStream',
        'Result is : INVALID',
        '  Min duration satisfied : Yes',
        '  Min queries satisfied : Skipped',
        '  Early stopping satisfied: NO',
        'Early Stopping Result:',
        ' * Only processed 20 queries.',
        '90th percentile latency (ns) : 1234',
      ].join('\n'),
    )
    expect(r.valid).toBe(false)
    expect(r.invalidReasons).toEqual(['Early stopping satisfied: NO', 'Only processed 20 queries.'])
    expect(r.metrics).toEqual({ '90_00_percentile_latency_ns': 1234 })
  })

  it('leaves validity unknown for text that is not a LoadGen summary', () => {
    const r = parseLoadgenSummary('hello world\nno colons here\n')
    expect(r).toEqual({ invalidReasons: [], metrics: {}, settings: {}, earlyStopping: [] })
  })
})

describe('parseLoadgenDetail (:::MLLOG lines)', () => {
  it('reads an Offline VALID detail log: result_* numbers only', () => {
    const r = parseLoadgenDetail(fixture('offline-valid/mlperf_log_detail.txt'))
    expect(r.scenario).toBe('Offline')
    expect(r.mode).toBe('PerformanceOnly')
    expect(r.valid).toBe(true)
    expect(r.invalidReasons).toEqual([])
    expect(r.metrics).toEqual({
      query_count: 1,
      samples_per_second: 2486.81,
      min_latency_ns: 19528347,
      max_latency_ns: 617414232411,
      mean_latency_ns: 309124117586,
      // the summary's names, so both files agree on one name per value
      '50_00_percentile_latency_ns': 309416233270,
      '90_00_percentile_latency_ns': 555813409958,
      '99_00_percentile_latency_ns': 611299462880,
    })
  })

  it('reads a Server INVALID detail log: errors as reasons, a torn last line skipped', () => {
    const r = parseLoadgenDetail(fixture('server-invalid/mlperf_log_detail.txt'))
    expect(r.scenario).toBe('Server')
    expect(r.valid).toBe(false)
    expect(r.invalidReasons).toContain(
      'error_invalid_test_duration: Test duration less than min duration. Increase the target QPS so the loadgen pre-generates more queries.',
    )
    expect(r.invalidReasons.join()).not.toMatch(/warning_generic_message/)
    expect(r.metrics).toMatchObject({
      completed_samples_per_second: 98.45,
      scheduled_samples_per_second: 100.19,
      overlatency_query_count: 1688,
      '99_00_percentile_latency_ns': 548802311,
    })
    // the torn line held the 99.90 percentile
    expect(Object.keys(r.metrics)).not.toContain('99.90_percentile_latency_ns')
    expect(Object.keys(r.metrics)).not.toContain('99_90_percentile_latency_ns')
    // LoadGen's own statement of why, and each unmet criterion
    expect(r.invalidReasons).toContain(
      'Reduce target QPS to improve latency. Increase the target QPS so the loadgen pre-generates more queries. The test exited early, before enough queries were issued.',
    )
    expect(r.invalidReasons).toEqual(expect.arrayContaining(['perf_constraints_met: false', 'min_duration_met: false', 'min_queries_met: false']))
    // booleans are not metrics
    expect(Object.keys(r.metrics)).not.toContain('min_duration_met')
  })

  it('takes the first scenario it sees and ignores lines without :::MLLOG', () => {
    const r = parseLoadgenDetail(
      [
        'some banner',
        ':::MLLOG {"key": "effective_scenario", "value": "MultiStream"}',
        ':::MLLOG {"key": "requested_scenario", "value": "Offline"}',
        'prefix :::MLLOG {"key": "result_qps_with_loadgen_overhead", "value": 12.5}',
        ':::MLLOG {"value": 3}',
        ':::MLLOG not json',
      ].join('\n'),
    )
    expect(r.scenario).toBe('MultiStream')
    expect(r.valid).toBeUndefined()
    expect(r.metrics).toEqual({ qps_with_loadgen_overhead: 12.5 })
  })
})

describe('parseRegexMetrics', () => {
  const out = [
    'warmup: throughput = 10.5 img/s',
    'step 1 throughput = 95.25 img/s',
    'final throughput = 101.75 img/s',
    'latency p50: 3.2 ms',
    'loss: nan',
    'tokens=1.5e3',
  ].join('\n')

  it('takes the capture group of the last match', () => {
    expect(
      parseRegexMetrics(out, {
        throughput: 'throughput = ([0-9.]+)',
        p50: 'p50: ([0-9.]+) ms',
        tokens: 'tokens=(\\S+)',
      }),
    ).toEqual({ throughput: 101.75, p50: 3.2, tokens: 1500 })
  })

  it('takes no value from a pattern without a group, and omits missing or non-numeric values', () => {
    expect(parseRegexMetrics('value 42\n7\n', { whole: '^\\d+$' })).toEqual({})
    expect(parseRegexMetrics(out, { loss: 'loss: (\\S+)', absent: 'nothing (\\d+)' })).toEqual({})
  })

  it('anchors per line (multiline)', () => {
    expect(parseRegexMetrics('a 1\nb 2\nc 3', { b: '^b (\\d)$' })).toEqual({ b: 2 })
  })

  it('rejects an invalid regex with the metric name', () => {
    const e = err(() => parseRegexMetrics(out, { broken: 'throughput = ([0-9.]+' }))
    expect(e.code).toBe('METRICS_REGEX')
    expect(e.category).toBe('input')
    expect(e.message).toContain('metric broken')
  })
})

describe('parseJsonMetrics', () => {
  it('flattens nested objects with dots and keeps only finite numbers', () => {
    const text = JSON.stringify({
      throughput: 12.5,
      lat: { p50: 3, p99: 9.5, unit: 'ms' },
      ok: true,
      list: [1, 2],
      deep: { a: { b: { c: -1 } } },
      nothing: null,
    })
    expect(parseJsonMetrics(text, 'metrics.json').metrics).toEqual({ throughput: 12.5, 'lat.p50': 3, 'lat.p99': 9.5, 'deep.a.b.c': -1 })
  })

  it('gives a clear error for bad JSON naming the file', () => {
    const e = err(() => parseJsonMetrics('{"throughput": 12.5,', 'out/metrics.json'))
    expect(e.code).toBe('METRICS_JSON')
    expect(e.category).toBe('run')
    expect(e.message).toMatch(/^out\/metrics\.json is not valid JSON: /)
    expect(e.hint).toContain('JSON object of numbers')
  })

  it('returns no metrics for JSON that holds no numbers, and refuses JSON that is not an object', () => {
    expect(err(() => parseJsonMetrics('[1, 2, 3]', 'm.json')).message).toBe('m.json holds an array, not an object of numbers')
    expect(parseJsonMetrics('{"a": "1"}', 'm.json').metrics).toEqual({})
  })
})

describe('summarize', () => {
  it('gives median, mean, min, max and sample stdev of unsorted values', () => {
    const s = summarize([9, 1, 5, 3, 7])
    expect(s).toMatchObject({ n: 5, median: 5, mean: 5, min: 1, max: 9 })
    // sum of squares 16+16+4+4+0 = 40, / (n-1) = 10
    expect(s.stdev).toBeCloseTo(Math.sqrt(10), 12)
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5)
    expect(median([1, 2, 3, 10])).toBe(2.5)
  })

  it('uses the t interval of the mean below 6 samples', () => {
    // [1, 2, 3]: mean 2, sd 1, t(0.975, 2) = 0.95 / sqrt(2 * 0.975 * 0.025) = 4.3026527 (closed form):
    // 2 +- 4.3026527 / sqrt(3) = [-0.4841377, 4.4841377]
    const t2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025)
    const s = summarize([3, 1, 2])
    expect(s.ci95[0]).toBeCloseTo(2 - t2 / Math.sqrt(3), 7)
    expect(s.ci95[1]).toBeCloseTo(2 + t2 / Math.sqrt(3), 7)
    // [10, 12]: mean 11, sd sqrt(2), t(0.975, 1) = tan(0.475 pi) = 12.7062047 (Cauchy): 11 +- 12.7062047
    const t = summarize([10, 12])
    expect(t.ci95[0]).toBeCloseTo(11 - Math.tan(0.475 * Math.PI), 7)
    expect(t.ci95[1]).toBeCloseTo(11 + Math.tan(0.475 * Math.PI), 7)
  })

  it('uses order statistics for the median from 6 samples on (n = 100 -> ranks 40 and 61)', () => {
    // textbook: for n = 100 the 95% interval of the median is (x(40), x(61))
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1, unsorted
    const s = summarize(xs)
    expect(s.median).toBe(50.5)
    expect(s.ci95).toEqual([40, 61])
    // n = 6 and n = 10: the ranks reach the ends
    expect(summarize([6, 1, 5, 2, 4, 3]).ci95).toEqual([1, 6])
    expect(summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).ci95).toEqual([1, 10])
    // n = 30: j = floor(15 - 5.37) = 9, k = ceil(15 + 5.37 + 1) = 22
    expect(summarize(Array.from({ length: 30 }, (_, i) => i + 1)).ci95).toEqual([9, 22])
  })

  it('handles one value and carries unit and direction', () => {
    expect(summarize([42], { unit: 'ms', higherIsBetter: false })).toEqual({
      n: 1,
      median: 42,
      mean: 42,
      min: 42,
      max: 42,
      stdev: 0,
      ci95: [42, 42],
      unit: 'ms',
      higherIsBetter: false,
    })
  })

  it('has the usual t quantiles and tends to 1.96', () => {
    // scipy.stats.t.ppf(0.975, df); the tables' 12.706, 2.228, 2.042 are these rounded
    expect(tQuantile95(1)).toBeCloseTo(12.706204736, 6)
    expect(tQuantile95(10)).toBeCloseTo(2.228138852, 6)
    expect(tQuantile95(30)).toBeCloseTo(2.042272456, 6)
    expect(tQuantile95(120)).toBeCloseTo(1.979930405, 6)
    expect(tQuantile95(1e6)).toBeCloseTo(1.959966357, 6)
    // and the normal's Phi^-1(0.975) = 1.959963985 in the limit
    expect(tQuantile95(1e12)).toBeCloseTo(1.959963985, 5) // taken at 1e6 df, within 3e-6 of the normal
  })
})

describe('redactEnv', () => {
  it('redacts secret-looking names and declared secrets, keeps the rest', () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/root',
      BATCH_SIZE: '8',
      HF_TOKEN: 'hf_abc',
      github_token: 'ghp_x',
      DB_PASSWORD: 'pw',
      MYSQL_PASSWD: 'pw2',
      AWS_SECRET_ACCESS_KEY: 'aws',
      API_KEY: 'k',
      GOOGLE_APPLICATION_CREDENTIALS: '/creds.json',
      BASIC_AUTH: 'u:p',
      WANDB_PROJECT: 'proj',
      LICENSE_SERVER: 'lic.example:27000',
    }
    const out = redactEnv(env, ['LICENSE_SERVER'])
    expect(out).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      BATCH_SIZE: '8',
      HF_TOKEN: '***',
      github_token: '***',
      DB_PASSWORD: '***',
      MYSQL_PASSWD: '***',
      AWS_SECRET_ACCESS_KEY: '***',
      API_KEY: '***',
      GOOGLE_APPLICATION_CREDENTIALS: '***',
      BASIC_AUTH: '***',
      WANDB_PROJECT: 'proj',
      LICENSE_SERVER: '***',
    })
    // the input is not modified, and nothing is redacted without a reason
    expect(env.HF_TOKEN).toBe('hf_abc')
    expect(redactEnv({ LICENSE_SERVER: 'x' })).toEqual({ LICENSE_SERVER: 'x' })
  })
})

// ------------------------------------------------------------ safeExtract --

type Entry = Partial<Header> & { name: string; data?: string | Buffer }

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer))
    p.on('end', () => resolve())
    p.on('error', reject)
  })
  for (const { data, ...h } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve())
      if (h.type === 'file' || h.type === undefined) p.entry(h, data ?? '', cb)
      else p.entry(h, cb)
    })
  }
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

const walk = listTree

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')

function sandbox(): { parent: string; dest: string; outside: () => string[] } {
  const parent = tmpDir('cmc-extract-')
  dirs.push(parent)
  writeFileSync(path.join(parent, 'keep.txt'), 'keep')
  mkdirSync(path.join(parent, 'sibling'))
  const dest = path.join(parent, 'dest')
  return { parent, dest, outside: () => walk(parent).filter((f) => f !== 'dest/' && !f.startsWith('dest/')) }
}

describe('safeExtract', () => {
  it('extracts plain files and refuses every hostile entry, writing nothing outside', async () => {
    const { parent, dest, outside } = sandbox()
    const before = outside()
    expect(before).toEqual(['keep.txt', 'sibling/'])
    expect(existsSync('/etc/x')).toBe(false)
    const big = Buffer.alloc(2000, 1)
    const tar = await tarOf([
      { name: 'out/', type: 'directory' },
      { name: 'out/ok.txt', data: 'hello' },
      { name: 'out/sub/data.bin', data: Buffer.from([0, 1, 2, 255]) },
      { name: '../escape', data: 'x' },
      { name: 'out/../../escape2', data: 'x' },
      { name: '/etc/x', data: 'x' },
      { name: path.join(parent, 'abs-escape'), data: 'x' },
      { name: 'C:/win.txt', data: 'x' },
      { name: 'out\\..\\..\\bs.txt', data: 'x' },
      { name: 'out/rootlink', type: 'symlink', linkname: '/' },
      { name: 'out/sub/up', type: 'symlink', linkname: '../..' },
      { name: 'out/sibling-link', type: 'symlink', linkname: '../../sibling' },
      { name: 'out/big.bin', data: big },
      { name: 'out/hard', type: 'link', linkname: 'out/ok.txt' },
      { name: 'out/fifo', type: 'fifo' },
      { name: 'out/inlink', type: 'symlink', linkname: 'sub' },
      { name: 'out/inlink/through.txt', data: 'x' },
      { name: 'out/last.txt', data: 'end' },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 1024, maxTotalBytes: 1 << 20, stripFirst: true })

    expect(res.files).toEqual([
      { path: 'last.txt', size: 3, sha256: sha('end') },
      { path: 'ok.txt', size: 5, sha256: sha('hello') },
      { path: 'sub/data.bin', size: 4, sha256: sha(Buffer.from([0, 1, 2, 255])) },
    ])
    // refusals name the entry as the record would: without the top folder once it is stripped;
    // entries refused before stripping (absolute, ..) keep their raw name
    const reasons = Object.fromEntries(res.refused.map((r) => [r.path, r.reason]))
    expect(reasons).toEqual({
      '../escape': 'path contains ..',
      'out/../../escape2': 'path contains ..',
      '/etc/x': 'absolute path',
      [path.join(parent, 'abs-escape')]: 'absolute path',
      'C:/win.txt': 'absolute path',
      'out\\..\\..\\bs.txt': 'path contains ..',
      rootlink: 'symlink to / leaves the output folder',
      'sub/up': 'symlink to ../.. leaves the output folder',
      'sibling-link': 'symlink to ../../sibling leaves the output folder',
      'big.bin': 'file of 2000 bytes exceeds the cap of 1024',
      hard: 'hard links are not extracted',
      fifo: 'fifo entries are not extracted',
      'inlink/through.txt': 'a parent folder is a symlink',
    })
    expect(res.refused).toHaveLength(13)

    // what is in dest: exactly the accepted entries, with their bytes
    expect(walk(dest)).toEqual(['inlink -> sub', 'last.txt', 'ok.txt', 'sub/', 'sub/data.bin'])
    expect(readFileSync(path.join(dest, 'ok.txt'), 'utf8')).toBe('hello')
    // and nothing appeared outside it
    expect(outside()).toEqual(before)
    expect(readdirSync(path.join(parent, 'sibling'))).toEqual([])
    expect(existsSync('/etc/x')).toBe(false)
    expect(existsSync(path.join(path.dirname(parent), 'escape'))).toBe(false)
  })

  it('enforces the total cap across files', async () => {
    const { dest, outside } = sandbox()
    const before = outside()
    const tar = await tarOf([
      { name: 'a.txt', data: 'a'.repeat(60) },
      { name: 'b.txt', data: 'b'.repeat(60) },
      { name: 'c.txt', data: 'c'.repeat(40) },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 100, maxTotalBytes: 100 })
    expect(res.files.map((f) => f.path)).toEqual(['a.txt', 'c.txt'])
    expect(res.refused).toEqual([{ path: 'b.txt', reason: 'total output would exceed 100 bytes' }])
    expect(walk(dest)).toEqual(['a.txt', 'c.txt'])
    expect(outside()).toEqual(before)
  })

  it('never writes through a symlink it created, even when the name repeats', async () => {
    const { dest, outside } = sandbox()
    const before = outside()
    const tar = await tarOf([
      { name: 'target.txt', data: 'original' },
      { name: 'alias', type: 'symlink', linkname: 'target.txt' },
      { name: 'alias', data: 'overwrite via link' },
      { name: 'after.txt', data: 'still extracting' },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 1024, maxTotalBytes: 4096 })
    expect(readFileSync(path.join(dest, 'target.txt'), 'utf8')).toBe('original')
    expect(lstatSync(path.join(dest, 'alias')).isSymbolicLink()).toBe(true)
    expect(res.refused).toHaveLength(1)
    expect(res.refused[0].path).toBe('alias')
    expect(res.refused[0].reason).toMatch(/same name came first/)
    expect(res.files.map((f) => f.path)).toEqual(['after.txt', 'target.txt'])
    expect(outside()).toEqual(before)
  })

  it('refuses entries below a file and a folder over a file (a crafted archive), and goes on', async () => {
    const { dest, outside } = sandbox()
    const before = outside()
    const tar = await tarOf([
      { name: 'a', data: 'a file' },
      { name: 'a/b', data: 'below a file' },
      { name: 'a', type: 'directory' },
      { name: 'a/c', type: 'symlink', linkname: '../a' },
      { name: 'z.txt', data: 'last' },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 1024, maxTotalBytes: 4096 })
    expect(Object.fromEntries(res.refused.map((r) => [r.path, r.reason]))).toEqual({
      'a/b': 'a parent of it is not a folder',
      a: 'a file of the same name came first',
      'a/c': 'a parent of it is not a folder',
    })
    expect(res.files.map((f) => f.path)).toEqual(['a', 'z.txt'])
    expect(readFileSync(path.join(dest, 'a'), 'utf8')).toBe('a file')
    expect(outside()).toEqual(before)
  })

  it('refuses to write below a symlinked folder whose target leaves via a chain', async () => {
    const { dest, outside } = sandbox()
    const before = outside()
    const tar = await tarOf([
      { name: 'self', type: 'symlink', linkname: '.' },
      { name: 'up', type: 'symlink', linkname: 'self/..' },
      { name: 'up/planted.txt', data: 'x' },
      { name: 'self/planted.txt', data: 'x' },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 1024, maxTotalBytes: 4096 })
    expect(res.files).toEqual([])
    expect(res.refused).toEqual(
      expect.arrayContaining([
        { path: 'up/planted.txt', reason: 'a parent folder is a symlink' },
        { path: 'self/planted.txt', reason: 'a parent folder is a symlink' },
      ]),
    )
    expect(outside()).toEqual(before)
    // the chain itself is refused and removed: no link in the record leads out
    expect(res.refused).toEqual(expect.arrayContaining([{ path: 'up', reason: 'symlink to self/.. leaves the output folder through other links' }]))
    expect(existsSync(path.join(dest, 'up'))).toBe(false)
    expect(readlinkSync(path.join(dest, 'self'))).toBe('.')
  })

  it('refuses a chain whose parts arrive in the harmless order first', async () => {
    const { dest, outside } = sandbox()
    const before = outside()
    // `up` is checked while `deep` does not exist yet; `deep` then turns it outward.
    const tar = await tarOf([
      { name: 'up', type: 'symlink', linkname: 'deep/../..' },
      { name: 'deep', type: 'symlink', linkname: '.' },
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
    ])
    const res = await safeExtract(Readable.from([tar]), dest, { maxFileBytes: 1024, maxTotalBytes: 4096 })
    const reasons = Object.fromEntries(res.refused.map((r) => [r.path, r.reason]))
    expect(reasons.up).toMatch(/leaves the output folder/)
    expect(reasons.loop1).toBe('symlink loop')
    expect(existsSync(path.join(dest, 'up'))).toBe(false)
    expect(lstatSync(path.join(dest, 'deep')).isSymbolicLink()).toBe(true)
    expect(outside()).toEqual(before)
  })

  it('keeps names as they are without stripFirst, and skips the bare top folder with it', async () => {
    const tar = await tarOf([
      { name: 'out/', type: 'directory' },
      { name: 'out/r.txt', data: 'r' },
    ])
    const a = sandbox()
    const ra = await safeExtract(Readable.from([tar]), a.dest, { maxFileBytes: 10, maxTotalBytes: 10 })
    expect(ra.files.map((f) => f.path)).toEqual(['out/r.txt'])
    expect(walk(a.dest)).toEqual(['out/', 'out/r.txt'])
    const b = sandbox()
    const rb = await safeExtract(Readable.from([tar]), b.dest, { maxFileBytes: 10, maxTotalBytes: 10, stripFirst: true })
    expect(rb.files.map((f) => f.path)).toEqual(['r.txt'])
    expect(rb.refused).toEqual([])
    expect(walk(b.dest)).toEqual(['r.txt'])
  })
})

// ------------------------------------------------------- safeCopy (volume) --

describe('safeCopy (an outputs volume read in place)', () => {
  /** A folder as a hostile container leaves it: odd names, links of every kind, a fifo, a socket, a big file. */
  async function hostileFolder(): Promise<{ parent: string; out: string }> {
    const parent = tmpDir('cmc-volume-')
    dirs.push(parent)
    const out = path.join(parent, 'out')
    mkdirSync(path.join(out, 'sub', 'deep'), { recursive: true })
    writeFileSync(path.join(out, 'good.txt'), 'fine\n')
    writeFileSync(path.join(out, 'sub', 'deep', 'inner.txt'), 'nested\n')
    writeFileSync(path.join(out, 'empty'), '')
    writeFileSync(path.join(out, 'big.bin'), Buffer.alloc(5000))
    linkSync(path.join(out, 'good.txt'), path.join(out, 'hard.txt'))
    symlinkSync('/', path.join(out, 'root-link'))
    symlinkSync('../../../../etc', path.join(out, 'up-link'))
    symlinkSync('sub/deep', path.join(out, 'ok-link'))
    symlinkSync('/etc', path.join(out, 'sub', 'etc-dir'))
    execFileSync('mkfifo', [path.join(out, 'pipe')])
    // a name that is not UTF-8, and names whose UTF-16 and byte orders differ
    writeFileSync(Buffer.concat([Buffer.from(out + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'bytes\n')
    writeFileSync(path.join(out, '\u{1F600}.txt'), 'emoji\n')
    writeFileSync(path.join(out, '\uFF21.txt'), 'fullwidth A\n')
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(path.join(out, 'sock'), resolve))
    server.close()
    if (!existsSync(path.join(out, 'sock')))
      await new Promise<void>((resolve) => {
        const s = net.createServer()
        s.listen(path.join(out, 'sock'), () => resolve())
      })
    return { parent, out }
  }

  it('gives what the same folder gives as an archive (GNU tar here, the archive API on an engine)', async () => {
    const { parent, out } = await hostileFolder()
    const limits = { maxFileBytes: 1000, maxTotalBytes: 4000 }
    const fromDir = sandbox()
    const viaDir = await safeCopy(out, fromDir.dest, limits)
    const fromTar = sandbox()
    // --sort=name: the byte order Go's tar writer walks in; sockets are left out by both
    const tar = execFileSync('tar', ['-C', parent, '--sort=name', '-cf', '-', 'out'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const viaTar = await safeExtract(Readable.from([tar]), fromTar.dest, { ...limits, stripFirst: true })
    expect(viaDir).toEqual(viaTar)
    expect(walk(fromDir.dest)).toEqual(walk(fromTar.dest))
    expect(viaDir.files.map((f) => f.path)).toEqual(
      ['bad-\uFFFD\uFFFD.txt', 'empty', 'good.txt', 'sub/deep/inner.txt', '\uFF21.txt', '\u{1F600}.txt'].sort(), // code-unit order, the same in every locale
    )
    const reasons = Object.fromEntries(viaDir.refused.map((r) => [r.path, r.reason]))
    expect(reasons).toMatchObject({
      'big.bin': expect.stringMatching(/cap/),
      'root-link': expect.stringMatching(/leaves/),
      'up-link': expect.stringMatching(/leaves/),
      'sub/etc-dir': expect.stringMatching(/leaves/),
      'hard.txt': expect.stringMatching(/hard link/),
      pipe: expect.stringMatching(/fifo/),
    })
    expect(Object.keys(reasons)).not.toContain('sock')
    expect(walk(fromDir.dest)).toContain('ok-link -> sub/deep')
    expect(readFileSync(path.join(fromDir.dest, 'good.txt'), 'utf8')).toBe('fine\n')
    expect(fromDir.outside()).toEqual(fromTar.outside())
  })

  it('never follows a symlinked folder while reading', async () => {
    const { out } = await hostileFolder()
    const secret = tmpDir('cmc-secret-')
    dirs.push(secret)
    writeFileSync(path.join(secret, 'private.txt'), 'do not copy')
    symlinkSync(secret, path.join(out, 'sub', 'secret-dir'))
    const s = sandbox()
    const res = await safeCopy(out, s.dest, { maxFileBytes: 1000, maxTotalBytes: 4000 })
    expect(res.files.map((f) => f.path).join()).not.toContain('private')
    expect(res.refused.find((r) => r.path === 'sub/secret-dir')?.reason).toMatch(/leaves/)
    expect(walk(s.dest).join()).not.toContain('private')
  })
})
