// `cmc run` against the real engine: records with digests, sweeps, secrets,
// read-only inputs, hostile outputs, failures, timeouts, Ctrl-C, device
// passthrough in the created container's HostConfig, and no leftovers.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { getEventListeners } from 'node:events'
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostConfigForDevices } from '../../src/engine/devices.js'
import { pingEngine } from '../../src/engine/docker.js'
import { collectOutputs } from '../../src/collect/collectOutputs.js'
import { containerCreateOptions, exitSeenByInspect, runContainer } from '../../src/engine/run.js'
import { CmcError } from '../../src/errors.js'
import { openStore } from '../../src/store/store.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { bin, cli, containersWithLabel, docker } from '../helpers/engine.js'
import { listTree, repoRoot, tmpDir } from '../helpers/tmp.js'
import { until } from '../helpers/poll.js'

const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const home = tmpDir('cmc-home-')
// The store sits alone in a folder, so a test can tell that nothing was written beside it.
const outer = tmpDir('cmc-run-outer-')
const storeDir = path.join(outer, 'store')
const env = { CMC_HOME: home, CMC_STORE: storeDir }
const run = (args: string[], extra: Record<string, string> = {}) => cli(['run', ...args, '--repo', repo, '--platform', 'x86_64'], { env: { ...env, ...extra } })

async function records(): Promise<ExperimentRecord[]> {
  const store = await openStore({ path: storeDir })
  const out: ExperimentRecord[] = []
  for (const s of store.summaries()) out.push(store.get(s.id))
  return out
}
/** `cmc run sleeper` as a child process, its output gathered as it comes. */
function startSleeper() {
  const p = spawn(process.execPath, [bin, 'run', 'sleeper', '--repo', repo, '--platform', 'x86_64'], { env: { ...process.env, ...env } })
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  p.stderr.on('data', (d) => (out += d))
  const code = new Promise<number | null>((r) => p.on('close', r))
  return { p, code, out: () => out }
}

/** A container of the echo-metrics image that writes its outputs under /cmc/out (engine-level tests). */
const outputsSpec = (test: string, command: string) => ({
  image: 'cmc/echo-metrics:x86_64',
  workdir: '/',
  env: {},
  inputs: [],
  outputsDir: '/cmc/out',
  labels: { 'cmc.test': test },
  command,
})

/** Runs fn with outputs read in place, then through the archive API (CMC_COLLECT=archive). */
async function bothWays(fn: (mode: 'volume' | 'archive') => Promise<void>): Promise<void> {
  for (const mode of ['volume', 'archive'] as const) {
    if (mode === 'archive') process.env.CMC_COLLECT = 'archive'
    try {
      await fn(mode)
    } finally {
      delete process.env.CMC_COLLECT
    }
  }
}

const recordDir = async (id: string) => (await openStore({ path: storeDir })).recordDir(id)
const byBenchmark = async (alias: string) => (await records()).filter((r) => r.benchmark.alias === alias)

const managedVolumes = async () => ((await docker.listVolumes({ filters: JSON.stringify({ label: ['cmc.managed=1'] }) })).Volumes ?? []).map((v) => v.Name)
// volumes an earlier, killed run left are not this run's leftovers
let volumesBefore: string[] = []

beforeAll(async () => {
  await pingEngine()
  volumesBefore = await managedVolumes()
})
afterAll(async () => {
  rmSync(home, { recursive: true, force: true })
  rmSync(outer, { recursive: true, force: true })
})

describe('cmc run', () => {
  it('runs the C example, and its metric lands in a record with the image digest', async () => {
    const r = await cli(['run', 'hello-c', '--repo', path.join(repoRoot, 'test/fixtures/build-repo'), '--platform', 'x86_64', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
    expect(rec.status).toBe('ok')
    expect(rec.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const inspected = await docker.getImage(rec.image.ref).inspect()
    expect([inspected.Id, ...(inspected.RepoDigests ?? []).map((d) => d.split('@')[1])]).toContain(rec.image.digest)
    expect(rec.metrics.answer?.median).toBe(42)
    expect(rec.host.docker.version).toBeTruthy()
    expect(rec.host.cpuModel).toBeTruthy()
    const stored = await openStore({ path: storeDir }).then((s) => s.get(rec.id))
    expect(stored.metrics.answer.median).toBe(42)
    expect(readFileSync(path.join(await recordDir(rec.id), 'stdout.log'), 'utf8')).toContain('"machine": "x86_64"')
  })

  it('a sweep of three values gives three records, secrets redacted, logs kept', async () => {
    const r = await run(['echo-metrics', '--set', 'n=3,5,8', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const recs = (JSON.parse(r.stdout) as ExperimentRecord[]).sort((a, b) => Number(a.params.n) - Number(b.params.n))
    expect(recs.map((x) => x.params.n)).toEqual([3, 5, 8])
    expect(recs.map((x) => x.metrics.double.median)).toEqual([6, 10, 16])
    expect(new Set(recs.map((x) => x.id)).size).toBe(3)
    for (const rec of recs) {
      expect(rec.repeats).toHaveLength(2)
      expect(rec.metrics.value.unit).toBe('things')
      expect(rec.env.API_TOKEN).not.toContain('s3cr3t')
      expect(rec.env.PLAIN).toBe('visible')
      expect(rec.outputs.some((o) => o.path.endsWith('metrics.json') && /^[0-9a-f]{64}$/.test(o.sha256))).toBe(true)
      expect(rec.command).toContain(`{{n}}`.replace('{{n}}', String(rec.params.n)))
    }
    expect((await byBenchmark('echo-metrics')).length).toBe(3)
  })

  it('inputs are mounted read-only', async () => {
    const r = await run(['reads-input', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
    expect(rec.metrics.n.median).toBe(42)
    const log = readFileSync(path.join(await recordDir(rec.id), 'stdout.log'), 'utf8')
    expect(log).toContain('readonly')
    expect(log).not.toContain('WRITABLE')
  })

  it.each(['volume', 'archive'])('hostile outputs are refused and reported, nothing lands outside the record (outputs read through the %s)', async (via) => {
    const before = readdirSync(outer).sort()
    const r = await run(['hostile-outputs', '--json'], via === 'archive' ? { CMC_COLLECT: 'archive' } : {})
    expect(r.code, r.stderr).toBe(0)
    const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
    const refused = Object.fromEntries(rec.refused.map((x) => [x.path, x.reason]))
    expect(refused['root-link']).toMatch(/link/)
    expect(refused['up-link']).toMatch(/link/)
    expect(refused['passwd-link']).toMatch(/link/)
    expect(refused['big.bin']).toMatch(/size|large|cap/)
    const kept = rec.outputs.map((o) => o.path).sort()
    expect(kept).toEqual(['good.txt', 'metrics.json', 'sub/inner.txt'])
    const dir = await recordDir(rec.id)
    expect(readFileSync(path.join(dir, 'outputs', 'good.txt'), 'utf8')).toBe('fine\n')
    expect(existsSync(path.join(dir, 'outputs', 'big.bin'))).toBe(false)
    expect(existsSync(path.join(dir, 'outputs', 'root-link'))).toBe(false)
    expect(readdirSync(outer).sort()).toEqual(before)
    expect(existsSync('/etc/x')).toBe(false)
    expect(r.stderr).toMatch(/refused output root-link/)
  })

  it('a failing benchmark is recorded as failed with its logs, exit 5', async () => {
    const r = await run(['fails'])
    expect(r.code).toBe(5)
    expect(r.stderr).toContain('fails failed: exit code 3')
    expect(r.stderr).toMatch(/cmc exp show /)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    const [rec] = await byBenchmark('fails')
    expect(rec.status).toBe('failed')
    expect(rec.exitCode).toBe(3)
    expect(readFileSync(path.join(await recordDir(rec.id), 'stderr.log'), 'utf8')).toContain('out of widgets')
    expect(await containersWithLabel('cmc.benchmark=fails')).toEqual([])
    // where the hint sends the user: the record, with what the benchmark said last
    const shown = await cli(['exp', 'show', rec.id], { env })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/last lines of stderr\.log:\n\s+out of widgets/)
  })

  it('bad values for run flags are usage errors (exit 2) and nothing is recorded', async () => {
    const before = (await byBenchmark('echo-metrics')).length
    const cases: Array<[string[], RegExp]> = [
      [['--cpus', 'abc'], /--cpus abc is not a number of CPUs/],
      [['--timeout', '-5'], /timeout/],
      [['--cpus', '999'], /CONTAINER_CREATE_FAILED.*CPUs/],
      [['--device', '/dev/null:/dev/x:zz'], /--device \/dev\/null:\/dev\/x:zz is not understood/],
      [['--set', 'n=abc'], /--set n=abc: n is a number/],
    ]
    for (const [flags, message] of cases) {
      const r = await run(['echo-metrics', '--repeat', '1', ...flags])
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/^\s+at /m)
    }
    expect((await byBenchmark('echo-metrics')).length).toBe(before)
    expect(await containersWithLabel('cmc.benchmark=echo-metrics')).toEqual([])
  })

  it('-q prints the results table and no benchmark output; the output is in the record', async () => {
    const r = await run(['echo-metrics', '--set', 'n=4', '--repeat', '1', '-q', '--env', 'API_TOKEN=quiet-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/double=8/)
    const rec = (await byBenchmark('echo-metrics')).find((x) => x.params.n === 4)!
    expect(readFileSync(path.join(await recordDir(rec.id), 'stdout.log'), 'utf8')).toContain('token=quiet-run')
  })

  it('exp reproduce runs with the recorded devices and env; a redacted value is named, and --env sets it', async () => {
    const first = await run([
      'echo-metrics',
      '--set',
      'n=6',
      '--repeat',
      '1',
      '--device',
      '/dev/null:/dev/cmc-null:r',
      '--env',
      'PLAIN=from-run',
      '--env',
      'API_TOKEN=run-secret',
      '--cpus',
      '1.5',
      '--memory',
      '256m',
      '--json',
    ])
    expect(first.code, first.stderr).toBe(0)
    const [orig] = JSON.parse(first.stdout) as ExperimentRecord[]
    expect(orig.devices.paths).toEqual(['/dev/null:/dev/cmc-null:r'])
    const again = await cli(['exp', 'reproduce', orig.id, '--repo', repo, '--env', 'API_TOKEN=given-again', '--json'], { env })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toMatch(/API_TOKEN was redacted/) // given with --env
    const rep = await openStore({ path: storeDir }).then((s) => s.get((JSON.parse(again.stdout) as { reproduction: string }).reproduction))
    expect(rep.devices.paths).toEqual(['/dev/null:/dev/cmc-null:r'])
    expect(orig.limits).toEqual({ cpus: 1.5, memoryBytes: 256 * 2 ** 20 })
    expect(rep.limits).toEqual(orig.limits)
    expect(rep.env.PLAIN).toBe('from-run')
    expect(readFileSync(path.join(await recordDir(rep.id), 'stdout.log'), 'utf8')).toContain('token=given-again')
    // a host without the recorded device: told how to go on, then --device none
    const missing = await run(['echo-metrics', '--set', 'n=6', '--repeat', '1', '--device', '/dev/null', '--json'])
    const [withDev] = JSON.parse(missing.stdout) as ExperimentRecord[]
    const store = await openStore({ path: storeDir })
    const recFile = path.join(store.recordDir(withDev.id), 'record.json')
    writeFileSync(recFile, readFileSync(recFile, 'utf8').replace('"/dev/null"', '"/dev/cmc-no-such-device"'))
    const refused = await cli(['exp', 'reproduce', withDev.id, '--repo', repo], { env })
    expect(refused.code).toBe(6)
    expect(refused.stderr).toMatch(/device \/dev\/cmc-no-such-device does not exist[\s\S]*--device none/)
    const without = await cli(['exp', 'reproduce', withDev.id, '--repo', repo, '--device', 'none', '--json'], { env })
    expect(without.code, without.stderr).toBe(0)
    const bare = await store.get((JSON.parse(without.stdout) as { reproduction: string }).reproduction)
    expect(bare.devices.paths).toEqual([])
    const unnamed = await cli(['exp', 'reproduce', orig.id, '--repo', repo], { env })
    expect(unnamed.code, unnamed.stderr).toBe(0)
    expect(unnamed.stderr.replace(/\s*›\s*/g, ' ')).toMatch(
      /API_TOKEN was redacted in \S+: the benchmark's own value is used where it declares one, else it is unset; set it with --env API_TOKEN=/,
    )
    // the table a compare prints, its sides before and now: the interval and p behind each verdict
    expect(unnamed.stdout).toMatch(/^METRIC +BEFORE GEOMEAN +NOW GEOMEAN +NOW\/BEFORE +CI95 +P +VERDICT$/m)
    expect(unnamed.stdout).toMatch(/^value \(things\) +6 +6 +1 +(n\/a|\S+ \.\. \S+) +\S+ +\S+/m)
  })

  it('a timeout stops and removes the container, records timeout, exit 124', async () => {
    const t0 = Date.now()
    const r = await run(['sleeper', '--timeout', '2'])
    expect(r.code).toBe(124)
    expect(Date.now() - t0).toBeLessThan(60_000)
    const [rec] = await byBenchmark('sleeper')
    expect(rec.status).toBe('timeout')
    expect(rec.reason).toMatch(/timed out after 2 s/)
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('Ctrl-C mid-run stops and removes the container, records aborted, exit 130', async () => {
    const { p, code, out } = startSleeper()
    await until(() => out().includes('sleeping'))
    expect(out()).toContain('sleeping')
    p.kill('SIGINT')
    expect(await code).toBe(130)
    const recs = (await byBenchmark('sleeper')).filter((x) => x.status === 'aborted')
    expect(recs).toHaveLength(1)
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('Ctrl-C while the container is being attached or started still stops it', async () => {
    for (const delayMs of [0, 30, 150]) {
      const ac = new AbortController()
      const t0 = Date.now()
      const running = runContainer(outputsSpec(`abort-early-${delayMs}`, 'sleep 30'), { signal: ac.signal })
      setTimeout(() => ac.abort(), delayMs)
      const res = await running
      expect(res.status, `abort after ${delayMs} ms`).toBe('aborted')
      expect(Date.now() - t0).toBeLessThan(15_000) // not the 30 s the command sleeps
      expect(await containersWithLabel(`cmc.test=abort-early-${delayMs}`)).toEqual([])
    }
  })

  it('a process whose run was aborted before it started exits (nothing is left open)', () => {
    for (const delayMs of [0, 20]) {
      const script = `const { runContainer } = await import(${JSON.stringify(path.join(repoRoot, 'dist/engine/run.js'))})
        const ac = new AbortController(); setTimeout(() => ac.abort(), ${delayMs})
        const r = await runContainer({ image: 'cmc/echo-metrics:x86_64', workdir: '/', env: {}, inputs: [], outputsDir: '/cmc/out', labels: { 'cmc.test': 'abort-exit' }, command: 'sleep 30' }, { signal: ac.signal })
        console.log(r.status)`
      const t0 = Date.now()
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
      expect(r.signal, `abort after ${delayMs} ms: the process had to be killed`).toBeNull()
      expect(r.stdout.trim()).toBe('aborted')
      expect(Date.now() - t0).toBeLessThan(20_000)
    }
  })

  it('--env reaches the container, not the image: no rebuild, no value baked into a layer', async () => {
    const once = await run(['echo-metrics', '--set', 'n=2', '--repeat', '1', '--env', 'API_TOKEN=from-cli-1', '--json'])
    const twice = await run(['echo-metrics', '--set', 'n=2', '--repeat', '1', '--env', 'API_TOKEN=from-cli-2', '--json'])
    expect(once.code, once.stderr).toBe(0)
    expect(twice.code, twice.stderr).toBe(0)
    const [a] = JSON.parse(once.stdout) as ExperimentRecord[]
    const [b] = JSON.parse(twice.stdout) as ExperimentRecord[]
    expect(b.image.id).toBe(a.image.id)
    expect(b.image.planHash).toBe(a.image.planHash)
    expect(twice.stderr).not.toMatch(/==> build /)
    expect(readFileSync(path.join(await recordDir(b.id), 'stdout.log'), 'utf8')).toContain('token=from-cli-2')
    expect(b.env.API_TOKEN).not.toContain('from-cli')
    const inspect = await docker.getImage(b.image.ref).inspect()
    expect(JSON.stringify(inspect.Config.Env)).not.toContain('from-cli')
  })

  it('cmc gc removes what a SIGKILLed run left, and keeps a run still going', async () => {
    const killed = startSleeper(),
      live = startSleeper()
    await until(() => killed.out().includes('sleeping') && live.out().includes('sleeping'))
    expect(killed.out()).toContain('sleeping')
    expect(live.out()).toContain('sleeping')
    killed.p.kill('SIGKILL')
    await killed.code
    const stray = await docker.createVolume({ Labels: { 'cmc.managed': '1', 'cmc.benchmark': 'stray' } })
    // made from a cmc image by someone else: it carries the image's cmc.managed label, and is not cmc's
    const theirs = await docker.createContainer({ Image: 'cmc/echo-metrics:x86_64', Cmd: ['true'] })
    try {
      expect((await theirs.inspect()).Config.Labels['cmc.managed']).toBe('1')
      const mine = async () =>
        (await docker.listContainers({ all: true, filters: JSON.stringify({ label: ['cmc.benchmark=sleeper'] }) })).map((c) => ({
          id: c.Id.slice(0, 12),
          owner: c.Labels['cmc.owner'],
        }))
      const before = await mine()
      expect(before).toHaveLength(2)
      const dead = before.find((c) => c.owner?.endsWith(`:${killed.p.pid}`))!
      const going = before.find((c) => c.owner?.endsWith(`:${live.p.pid}`))!
      expect(dead && going).toBeTruthy()
      const dry = await cli(['gc', '--dry-run', '--json'], { env })
      expect(dry.code, dry.stderr).toBe(0)
      expect(await mine()).toHaveLength(2)
      const r = await cli(['gc', '--json'], { env })
      expect(r.code, r.stderr).toBe(0)
      const items = JSON.parse(r.stdout) as Array<{ kind: string; id: string; action: string; why: string }>
      expect(items.find((i) => i.id === dead.id)).toMatchObject({ action: 'removed', why: expect.stringMatching(/gone/) })
      expect(items.find((i) => i.id === going.id)).toMatchObject({ action: 'kept', why: expect.stringMatching(/still running/) })
      expect(items.find((i) => i.kind === 'volume' && i.id === stray.name.slice(0, 12))).toMatchObject({ action: 'removed' })
      expect((await mine()).map((c) => c.id)).toEqual([going.id])
      expect(items.map((i) => i.id)).not.toContain(theirs.id.slice(0, 12))
      expect((await theirs.inspect()).State.Status).toBe('created')
    } finally {
      await docker
        .getVolume(stray.name)
        .remove()
        .catch(() => {})
      await theirs.remove({ force: true }).catch(() => {})
      live.p.kill('SIGINT')
      // a failed assertion must not leave the killed run's sleeper for the tests after this one
      for (const id of await containersWithLabel(`cmc.owner=${os.hostname()}:${killed.p.pid}`))
        await docker
          .getContainer(id)
          .remove({ force: true, v: true })
          .catch(() => {})
    }
    expect(await live.code).toBe(130)
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('a GPU benchmark on an engine without a GPU runtime says what to install, exit 6', async () => {
    // The benchmark asks for GPUs; the cuda platform passes them through, and the
    // daemon's /info is checked before anything is built.
    const r = await cli(['run', 'needs-gpu', '--repo', repo, '--platform', 'cuda'], { env })
    expect(r.code).toBe(6)
    expect(r.stderr).toMatch(/NVIDIA Container Toolkit|nvidia-ctk/)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    const r2 = await run(['echo-metrics', '--gpus', 'device=0'])
    expect(r2.code).toBe(6)
    expect(r2.stderr).toMatch(/nvidia-ctk/)
  })

  it('both ways of reading outputs give the same files, refusals and hashes', async () => {
    // Engine level, so the test knows which way was taken: the volume in place
    // (this process is root beside a local engine) and the archive API.
    const spec = outputsSpec(
      'collect',
      [
        'cd /cmc/out',
        'echo fine > good.txt',
        'mkdir -p sub/deep',
        'echo nested > sub/deep/inner.txt',
        'ln -s / root-link',
        'ln -s sub/deep ok-link',
        'ln good.txt hard.txt',
        'mkfifo pipe',
        'head -c 5000 /dev/zero > big.bin',
        ': > empty',
      ].join(' && '),
    )
    const got: Record<string, unknown> = {}
    await bothWays(async (mode) => {
      const dest = path.join(outer, `collect-${mode}`)
      try {
        const res = await runContainer(spec, {
          afterExit: async (outputs) => {
            const out = await collectOutputs(outputs, dest, { maxFileBytes: 1000, maxTotalBytes: 4000 })
            expect(out?.via).toBe(mode)
            got[mode] = { files: out?.files, refused: out?.refused, tree: listTree(dest) }
          },
        })
        expect(res.status, res.stderr).toBe('ok')
      } finally {
        rmSync(dest, { recursive: true, force: true })
      }
    })
    expect(got.volume).toEqual(got.archive)
    const v = got.volume as { files: Array<{ path: string }>; refused: Array<{ path: string; reason: string }>; tree: string[] }
    expect(v.files.map((f) => f.path)).toEqual(['empty', 'good.txt', 'sub/deep/inner.txt'])
    expect(Object.fromEntries(v.refused.map((x) => [x.path, x.reason]))).toMatchObject({
      'big.bin': expect.stringMatching(/cap/),
      'root-link': expect.stringMatching(/leaves/),
      pipe: expect.stringMatching(/fifo/),
      'hard.txt': expect.stringMatching(/hard link/),
    })
    expect(v.tree).toContain('ok-link -> sub/deep')
    expect(await containersWithLabel('cmc.test=collect')).toEqual([])
  })

  it('a record folder that cannot take the outputs (a full disk) is a clear store error, both ways', async () => {
    // a 64 KiB file system for the record, outputs of 200 KB (under the caps)
    const full = path.join(outer, 'full')
    mkdirSync(full)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full])
    try {
      const spec = outputsSpec('full', 'head -c 200000 /dev/zero > /cmc/out/big.bin')
      await bothWays(async (mode) => {
        let failure: unknown
        await runContainer(spec, {
          afterExit: async (outputs) => {
            // the volume way is the one taken when it is not the archive
            expect(await outputs.volumeDir(), mode).toEqual(mode === 'volume' ? expect.any(String) : undefined)
            await collectOutputs(outputs, path.join(full, mode), { maxFileBytes: 1e6, maxTotalBytes: 4e6 }).catch((e) => {
              failure = e
            })
          },
        })
        expect(failure, mode).toBeInstanceOf(CmcError)
        expect((failure as CmcError).code).toBe('OUTPUTS_NOT_WRITTEN')
        expect((failure as CmcError).message).toMatch(/big\.bin.*ENOSPC/)
        expect((failure as CmcError).hint).toMatch(/free space/)
      })
    } finally {
      execFileSync('umount', [full])
      rmSync(full, { recursive: true, force: true }) // not reached while still mounted
    }
    expect(await containersWithLabel('cmc.test=full')).toEqual([])
  })

  it('a wait the engine took after the container exited: the exit code comes from inspect', async () => {
    // what 50 runs at once can cause: next-exit asked of an exited container never answers
    const c = await docker.createContainer({ Image: 'cmc/echo-metrics:x86_64', Cmd: ['sh', '-c', 'exit 7'], Labels: { 'cmc.test': 'late-wait' } })
    try {
      await c.start()
      await c.wait() // not-running: answers once it has exited
      const late = c.wait({ condition: 'next-exit' }).then(
        () => 'answered',
        () => 'failed',
      )
      expect(await Promise.race([late, new Promise((r) => setTimeout(() => r('silent'), 1500))])).toBe('silent')
      const answered = new AbortController()
      const ctrlC = new AbortController()
      const t0 = Date.now()
      expect(await exitSeenByInspect(c, Promise.resolve(), answered.signal, { signal: ctrlC.signal })).toEqual({ StatusCode: 7 })
      expect(Date.now() - t0).toBeLessThan(5000)
      answered.abort()
      // the run's signal, shared by all its containers, keeps no listener of this one's
      expect(getEventListeners(ctrlC.signal, 'abort')).toHaveLength(0)
    } finally {
      await c.remove({ force: true })
    }
  })

  it('a run of more containers than a signal warns of listeners for: no leak, no warning', async () => {
    const r = await run(['echo-metrics', '--set', 'n=2', '--repeat', '12', '--warmup', '0', '-q'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/MaxListenersExceeded|memory leak/)
  })

  it('a reader that goes away (cmc run 2>&1 | head -1) does not stop cmc cleaning up', async () => {
    const p = spawn(process.execPath, [bin, 'run', 'sleeper', '--repo', repo, '--platform', 'x86_64', '--timeout', '3'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    await new Promise<void>((r) => p.stderr!.once('data', () => r()))
    p.stdout!.destroy() // both pipes closed: every later write fails with EPIPE
    p.stderr!.destroy()
    const code = await new Promise<number | null>((r) => p.on('close', r))
    expect(code).toBe(124) // the run went on to its timeout, as it would have with a reader
    expect(await containersWithLabel('cmc.benchmark=sleeper')).toEqual([])
  })

  it('leaves no container and no outputs volume behind', async () => {
    expect(await containersWithLabel('cmc.managed=1')).toEqual([])
    expect((await managedVolumes()).filter((v) => !volumesBefore.includes(v))).toEqual([])
  })
})

describe('device passthrough in the created container', () => {
  const created: string[] = []
  afterAll(async () => {
    for (const id of created)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => {})
  })
  const spec = (devices: ReturnType<typeof hostConfigForDevices>) => ({
    image: 'debian:bookworm',
    command: 'true',
    workdir: '/',
    env: {},
    labels: { 'cmc.test': 'devices' },
    inputs: [],
    devices,
  })
  async function createInspect(devices: ReturnType<typeof hostConfigForDevices>) {
    const c = await docker.createContainer(containerCreateOptions(spec(devices)))
    created.push(c.id)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine's HostConfig, read field by field as JSON
    return { c, hc: (await c.inspect()).HostConfig as unknown as Record<string, any> }
  }

  it('--gpus all: one request for every GPU with capabilities [["gpu"]]', async () => {
    const { hc } = await createInspect(hostConfigForDevices({ gpus: 'all' }))
    expect(hc.DeviceRequests).toEqual([{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }])
  })

  it('--gpus device=0,1: the chosen ids', async () => {
    const { hc } = await createInspect(hostConfigForDevices({ gpus: 'device=0,1' }))
    expect(hc.DeviceRequests).toEqual([{ Driver: '', Count: 0, DeviceIDs: ['0', '1'], Capabilities: [['gpu']], Options: {} }])
  })

  it('CDI names go in a cdi device request', async () => {
    const { hc } = await createInspect(hostConfigForDevices({ cdi: ['nvidia.com/gpu=all', 'amd.com/gpu=0'] }))
    expect(hc.DeviceRequests).toEqual([{ Driver: 'cdi', Count: 0, DeviceIDs: ['nvidia.com/gpu=all', 'amd.com/gpu=0'], Capabilities: [], Options: {} }])
  })

  it('ROCm: /dev/kfd, the chosen render node and their groups by gid', async () => {
    // A stand-in /dev tree with the gids a ROCm host has (video 44, render 109).
    const root = tmpDir('cmc-dev-')
    mkdirSync(path.join(root, 'dev/dri'), { recursive: true })
    for (const [f, gid] of [
      ['dev/kfd', 109],
      ['dev/dri/renderD128', 109],
      ['dev/dri/renderD129', 110],
      ['dev/dri/card0', 44],
    ] as const) {
      writeFileSync(path.join(root, f), '')
      chownSync(path.join(root, f), 0, gid)
    }
    try {
      const all = hostConfigForDevices({ rocm: {} }, { devRoot: root })
      const { hc } = await createInspect(all)
      expect(hc.Devices).toEqual([
        { PathOnHost: `${root}/dev/kfd`, PathInContainer: '/dev/kfd', CgroupPermissions: 'rwm' },
        { PathOnHost: `${root}/dev/dri`, PathInContainer: '/dev/dri', CgroupPermissions: 'rwm' },
      ])
      expect(hc.GroupAdd).toEqual(['109', '110'])
      const one = hostConfigForDevices({ rocm: { render: ['renderD129'] } }, { devRoot: root })
      const { c, hc: hc1 } = await createInspect(one)
      expect(hc1.Devices.map((d: { PathInContainer: string }) => d.PathInContainer)).toEqual(['/dev/kfd', '/dev/dri/renderD129'])
      expect(hc1.GroupAdd).toEqual(['109', '110'])
      // Starting it on this engine fails: the stand-ins are not device nodes. The user gets a fix-it.
      const err = await c.start().then(
        () => undefined,
        (e) => e as Error,
      )
      expect(err).toBeDefined()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('starting a GPU container on this GPU-less engine gives the fix-it message', async () => {
    const e = await runContainer(spec(hostConfigForDevices({ gpus: 'all' }))).then(
      () => undefined,
      (x) => x as CmcError,
    )
    expect(e).toBeInstanceOf(CmcError)
    expect(e!.category).toBe('device')
    expect(e!.exitCode).toBe(6)
    expect(e!.hint).toMatch(/nvidia-ctk/)
    const rocm = tmpDir('cmc-dev-')
    mkdirSync(path.join(rocm, 'dev/dri'), { recursive: true })
    writeFileSync(path.join(rocm, 'dev/kfd'), '')
    writeFileSync(path.join(rocm, 'dev/dri/renderD128'), '')
    try {
      const e2 = await runContainer(spec(hostConfigForDevices({ rocm: {} }, { devRoot: rocm }))).then(
        () => undefined,
        (x) => x as CmcError,
      )
      expect(e2?.code).toBe('DEVICE_UNUSABLE')
      expect(e2?.exitCode).toBe(6)
    } finally {
      rmSync(rocm, { recursive: true, force: true })
    }
    expect(await containersWithLabel('cmc.test=devices').then((ids) => ids.filter((id) => !created.includes(id)))).toEqual([])
  })

  it('ROCm on a host without /dev/kfd: what to do, exit 6', () => {
    const e = (() => {
      try {
        hostConfigForDevices({ rocm: {} }, { devRoot: '/nonexistent' })
        return undefined
      } catch (x) {
        return x as CmcError
      }
    })()
    expect(e?.code).toBe('NO_ROCM_GPU')
    expect(e?.exitCode).toBe(6)
    expect(e?.hint).toMatch(/amdgpu/)
  })
})

describe('many writers', () => {
  it('50 cmc run processes at once give 50 complete, valid records', async () => {
    const dir = tmpDir('cmc-store-50-')
    try {
      // Build once so the 50 runs measure the store, not 50 racing builds.
      const warm = await cli(['build', 'echo-metrics', '--repo', repo, '--platform', 'x86_64'], { env })
      expect(warm.code, warm.stderr).toBe(0)
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--set', `n=${i}`, '--repeat', '1', '--store', dir], { env: { CMC_HOME: home } }),
        ),
      )
      const failed = results.filter((r) => r.code !== 0)
      expect(failed.map((r) => r.stderr.slice(-500))).toEqual([])
      const store = await openStore({ path: dir })
      const warnings: string[] = []
      const summaries = store.summaries((e) => {
        if (e.type === 'log') warnings.push(e.message)
      })
      expect(warnings).toEqual([])
      expect(summaries).toHaveLength(50)
      expect(store.recordIds()).toHaveLength(50)
      const ns = new Set<number>()
      for (const s of summaries) {
        const rec = store.get(s.id)
        expect(rec.status).toBe('ok')
        expect(rec.metrics.double.median).toBe(Number(rec.params.n) * 2)
        ns.add(Number(rec.params.n))
      }
      expect(ns.size).toBe(50)
      expect(await containersWithLabel('cmc.managed=1')).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
