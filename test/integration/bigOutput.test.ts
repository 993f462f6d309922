// A benchmark that prints far more than its logs keep, against the real engine:
// the record is complete, each log holds its head and tail with the cut marked
// in the file and in the record, a regex metric printed in the part cut away is
// still found, live output shows everything intact, and cmc's memory stays flat.
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { openStore } from '../../src/store/store.js'
import { bin, containersWithLabel } from '../helpers/engine.js'
import { listTree, repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const home = tmpDir('cmc-home-')
const storeDir = tmpDir('cmc-big-output-store-')
const env = { ...process.env, CMC_HOME: home, CMC_STORE: storeDir }
const MAX_LOG = 1048576 // the fixture's outputs.maxLogBytes

/**
 * `cmc run big-output`: its exit code, stdout and stderr decoded once whole
 * (a character split between two pipe reads stays whole), and the highest
 * resident set size its process reached (VmHWM), in bytes.
 */
function runBig(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; peak: number }> {
  const p = spawn(process.execPath, [bin, 'run', 'big-output', '--repo', repo, '--platform', 'x86_64', ...args], { env: { ...env, ...extra } })
  const out: Buffer[] = []
  const err: Buffer[] = []
  p.stdout.on('data', (d: Buffer) => out.push(d))
  p.stderr.on('data', (d: Buffer) => err.push(d))
  let peak = 0
  const sampler = setInterval(() => {
    try {
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0)
      peak = Math.max(peak, kb * 1024)
    } catch {
      // the process has exited
    }
  }, 20)
  return new Promise((resolve) =>
    p.on('close', (code) => {
      clearInterval(sampler)
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), peak })
    }),
  )
}

/** The bytes the fixture's command prints on stdout for `bytes`, after cmc's repeat header. */
function printed(bytes: number): Buffer {
  return Buffer.concat([
    Buffer.from('=== repeat 1/1 ===\nrate: 1.5 ops/s (warming up)\n'),
    Buffer.alloc(bytes, 'a chatty benchmark line\n'),
    Buffer.from('\nrate: 42.25 ops/s\n'),
    Buffer.alloc(bytes, '€€\n'),
    Buffer.from('\ndone in 7.5 s\n'),
  ])
}

beforeAll(async () => {
  await pingEngine()
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(storeDir, { recursive: true, force: true })
})

describe('a run that prints more than its logs keep', () => {
  it('records the run with each log cut to its head and tail, the cut said, the metrics from everything printed, in flat memory', async () => {
    const bytes = 100_000_000
    // -q: the results only (with --json every piece of output would be an event on stderr)
    const r = await runBig(['--set', `bytes=${bytes}`, '-q'])
    expect(r.code, r.stderr.slice(-2000)).toBe(0)
    expect(r.stderr).toBe('')
    const store = await openStore({ path: storeDir })
    const [rec] = store.summaries().map((s) => store.get(s.id)) as ExperimentRecord[]
    expect(rec.status).toBe('ok')
    // the middle rate is in the part cut away, the last metric in the tail
    expect(rec.metrics.rate?.median).toBe(42.25)
    expect(rec.metrics.seconds?.median).toBe(7.5)

    // bytes as latin1 text: one character a byte, so offsets are byte offsets
    const all = printed(bytes).toString('latin1')
    const half = MAX_LOG / 2
    expect(rec.logs.cut?.stdout).toEqual({ at: half, dropped: all.length - MAX_LOG, total: all.length })
    expect(rec.logs.cut?.stderr).toBeUndefined()

    const dir = store.recordDir(rec.id)
    const log = readFileSync(path.join(dir, 'stdout.log'), 'latin1')
    const marker = `=== cmc: ${all.length - MAX_LOG} bytes cut here; the first ${half} and the last ${half} bytes are kept (outputs.maxLogBytes) ===\n`
    // the head ends mid-line: the marker starts a line of its own
    expect(log).toBe(`${all.slice(0, half)}\n${marker}${all.slice(-half)}`)
    expect(log).not.toContain('rate: 42.25')
    expect(readFileSync(path.join(dir, 'stderr.log'), 'utf8')).toBe('=== repeat 1/1 ===\non stderr\n')
    expect(readdirSync(dir).sort()).toEqual(['outputs', 'record.json', 'stderr.log', 'stdout.log'])
    expect(statSync(path.join(dir, 'stdout.log')).size).toBeLessThan(MAX_LOG + 200)

    // 200 MB printed; what cmc holds does not grow with it
    expect(r.peak).toBeGreaterThan(0)
    expect(r.peak, `peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(150 * 2 ** 20)
    expect(await containersWithLabel('cmc.benchmark=big-output')).toEqual([])
  })

  it('a store that cannot take the logs (a full disk) is a clear store error, exit 9, and nothing half-written is left', async () => {
    const full = tmpDir('cmc-big-output-full-')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full])
    try {
      const r = await runBig(['--set', 'bytes=2000000', '-q'], { CMC_STORE: full })
      expect(r.code, r.stderr.slice(-2000)).toBe(9)
      expect(r.stderr).toMatch(/OUTPUTS_NOT_WRITTEN|logs could not be written/)
      expect(r.stderr).toMatch(/ENOSPC/)
      expect(r.stderr).not.toMatch(/^\s+at /m)
      expect(readdirSync(path.join(full, 'staging'))).toEqual([])
      expect(listTree(path.join(full, 'records')).filter((f) => !f.endsWith('/'))).toEqual([])
      expect(await containersWithLabel('cmc.benchmark=big-output')).toEqual([])
    } finally {
      execFileSync('umount', [full])
      rmSync(full, { recursive: true, force: true })
    }
  })

  it('shows all of the output live, in order, its characters whole, the part the log cuts included', async () => {
    // whole lines of €€ (three bytes a character): pipe reads end inside characters, never the output
    const bytes = 7 * 700_000
    const r = await runBig(['--set', `bytes=${bytes}`])
    expect(r.code, r.stderr.slice(-2000)).toBe(0)
    expect(r.stderr).toContain('rate: 42.25 ops/s')
    expect(r.stderr).not.toContain('\ufffd')
    // the container's two streams reach the engine through two pipes, so its one
    // line of stderr may land anywhere in stdout's output (as with docker run);
    // taken out, what is left holds stdout's output whole and in order
    const live = r.stderr.split('on stderr\n')
    expect(live).toHaveLength(2)
    expect(live.join('')).toContain(printed(bytes).toString().replace('=== repeat 1/1 ===\n', ''))
    expect(r.stdout).toMatch(/rate/)
  })
})
