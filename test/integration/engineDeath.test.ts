// The engine dies while a benchmark runs (dockerd killed with SIGKILL): cmc
// says within seconds that it stopped answering and that it waits (Ctrl-C
// stops); when the engine comes back in time the run completes and is
// recorded ok with no container left; when it does not, the point is recorded
// failed with the lost engine as its reason and cmc exits 3.
//
// The dockerd killed is a private one on its own socket, data root and bridge
// (as in engineFaults.test.ts): the engine every other test uses keeps running.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { buildImage, type BuiltImage } from '../../src/pipeline/buildImage.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { repoRoot, tmpDir, useTmpHome } from '../helpers/tmp.js'

const home = useTmpHome()
const repo = path.join(repoRoot, 'test/fixtures/platform-repo')
const d = tmpDir('cmc-dockerd-death-')
const sock = path.join(d, 'docker.sock')
const bridge = 'cmcdeath0'
const store = path.join(d, 'store')
const env = { CMC_HOME: home.home, CMC_STORE: store, DOCKER_HOST: `unix://${sock}` }
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe', timeout: 120_000 })
let daemon: ChildProcess | undefined
let built: BuiltImage

function startDaemon(): ChildProcess {
  const args = ['--data-root', path.join(d, 'data'), '--exec-root', path.join(d, 'exec'), '--pidfile', path.join(d, 'pid'), '-H', `unix://${sock}`]
  return spawn('dockerd', [...args, `--bridge=${bridge}`, '--iptables=false', '--ip-masq=false', '--ip-forward=false'], { stdio: 'ignore' })
}

async function daemonUp(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      execFileSync('docker', ['-H', `unix://${sock}`, 'version'], { stdio: 'ignore', timeout: 5000 })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 300))
    }
  }
  throw new Error('the private dockerd did not start')
}

function exited(p: ChildProcess): Promise<void> {
  return new Promise((r) => (p.exitCode !== null || p.signalCode ? r() : p.on('close', () => r())))
}

async function killDaemon(): Promise<void> {
  if (!daemon) return
  daemon.kill('SIGKILL')
  await exited(daemon)
  daemon = undefined
}

/** cmc run against the private engine, with its output gathered as it comes. */
function cmcRun(args: string[]) {
  const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'run', 'sleep-metric', '--repo', repo, '--platform', 'x86_64', ...args], {
    env: { ...process.env, ...env },
  })
  const out = { stdout: '', stderr: '' }
  p.stdout!.on('data', (b) => (out.stdout += b))
  p.stderr!.on('data', (b) => (out.stderr += b))
  const code = new Promise<number | null>((r) => p.on('close', r))
  const saw = async (re: RegExp, ms: number) => {
    const until = Date.now() + ms
    while (!re.test(out.stderr + out.stdout)) {
      if (Date.now() > until) throw new Error(`no ${re} within ${ms} ms; saw:\n${(out.stderr + out.stdout).slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    return Date.now()
  }
  return { p, out, code, saw }
}

function containersLeft(): string {
  return execFileSync('docker', ['-H', `unix://${sock}`, 'ps', '-aq', '--filter', 'label=cmc.benchmark=sleep-metric'])
    .toString()
    .trim()
}

beforeAll(async () => {
  await pingEngine()
  built = await buildImage({ target: 'sleep-metric', platform: 'x86_64', extraRepos: [repo] })
  mkdirSync(path.join(d, 'data'))
  sh(`ip link del ${bridge} 2>/dev/null; ip link add ${bridge} type bridge && ip addr add 172.31.253.1/24 dev ${bridge} && ip link set ${bridge} up`)
  daemon = startDaemon()
  await daemonUp()
  // the image and its base, ids kept: the private engine finds the content tag and builds nothing
  sh(`docker save ${built.ref} ${built.bases.runtime} | docker -H unix://${sock} load -q`)
}, 300_000)

afterAll(async () => {
  if (!daemon) daemon = startDaemon()
  await daemonUp().catch(() => {})
  daemon.kill('SIGTERM')
  await exited(daemon)
  sh(
    `pkill -f '[c]ontainerd.*${path.basename(d)}' 2>/dev/null; mount | awk '{print $3}' | grep '^${d}' | sort -r | xargs -r -n1 umount -l; ip link del ${bridge} 2>/dev/null; true`,
  )
  rmSync(d, { recursive: true, force: true })
  home.cleanup()
  // the engine the other tests use still answers
  await pingEngine()
  expect(execFileSync('docker', ['version', '--format', '{{.Server.Version}}']).toString().trim()).not.toBe('')
}, 120_000)

describe('the engine dies mid-run', () => {
  it('says so within seconds, and completes the run when the engine comes back in time', async () => {
    const run = cmcRun(['--set', 'secs=4', '--engine-wait', '60', '--json'])
    await run.saw(/run sleep-metric/, 60_000)
    await new Promise((r) => setTimeout(r, 1500)) // the container sleeps
    const killed = Date.now()
    await killDaemon()
    const said = await run.saw(/the engine stopped answering .*waiting up to 60 s for it to come back \(Ctrl-C stops\)/, 10_000)
    expect(said - killed).toBeLessThan(5000)
    // gone for longer than the benchmark sleeps: it finishes while no engine answers
    await new Promise((r) => setTimeout(r, 6000))
    daemon = startDaemon()
    await daemonUp()
    expect(await run.code, run.out.stderr.slice(-2000)).toBe(0)
    expect(run.out.stderr).toMatch(/the engine answers again after \d+ s; the run goes on/)
    const [record] = JSON.parse(run.out.stdout) as ExperimentRecord[]
    expect(record!.status).toBe('ok')
    expect(record!.metrics.slept_s!.median).toBe(4)
    expect(containersLeft()).toBe('')
  }, 180_000)

  it('gives up after --engine-wait with a failed record naming the lost engine, exit 3', async () => {
    const run = cmcRun(['--set', 'secs=30', '--engine-wait', '5', '--json'])
    await run.saw(/run sleep-metric/, 60_000)
    await new Promise((r) => setTimeout(r, 1500))
    const killed = Date.now()
    await killDaemon()
    await run.saw(/the engine stopped answering .*waiting up to 5 s/, 10_000)
    const code = await run.code
    expect(code, run.out.stderr.slice(-2000)).toBe(3)
    expect(Date.now() - killed).toBeLessThan(20_000)
    const err = JSON.parse(run.out.stdout) as { error: string; message: string; hint: string; data: { records: ExperimentRecord[] } }
    expect(err.error).toBe('DAEMON_LOST')
    expect(err.message).toMatch(/stopped answering during the run and did not come back within \d+ s/)
    expect(err.hint).toContain('--engine-wait')
    const [record] = err.data.records
    expect(record!.status).toBe('failed')
    expect(record!.reason).toMatch(/the engine stopped answering/)
    // recorded in the store, found by a query
    const list = JSON.parse(
      execFileSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'exp', 'list', '--where', 'status = failed', '--json'], {
        env: { ...process.env, ...env },
      }).toString(),
    ) as Array<{ id: string }>
    expect(list.map((r) => r.id)).toContain(record!.id)
  }, 180_000)
})
