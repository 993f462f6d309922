// What users see when the engine is missing, dies mid-build, or they press
// Ctrl-C: a fix-it message and a meaningful exit code, quickly, and nothing tagged.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { cli, copyRepo } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const home = tmpDir('cmc-home-')
let repo: string
beforeAll(async () => {
  await pingEngine()
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/build-repo'))
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(repo, { recursive: true, force: true })
})

async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

function waitFor(p: ChildProcess, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; saw:\n${buf.slice(-2000)}`)), timeoutMs)
    const on = (d: Buffer) => {
      buf += d
      if (re.test(buf)) {
        clearTimeout(t)
        resolve()
      }
    }
    p.stderr!.on('data', on)
    p.stdout!.on('data', on)
  })
}

describe('engine faults', () => {
  it('no daemon behind a missing socket: how to start one, exit 3, within 2 s', async () => {
    const r = await cli(['build', 'hello-c', '--repo', repo], { env: { CMC_HOME: home, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('cannot reach a Docker engine at unix:///nonexistent/docker.sock')
    expect(r.stderr).toMatch(/hint: .*start/)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    expect(r.ms).toBeLessThan(2000 + 1500) // 2 s budget for the engine check plus Node start-up
  })

  it('cmc run, no daemon behind a missing socket: the same message and exit code', async () => {
    const r = await cli(['run', 'hello-c', '--repo', repo], { env: { CMC_HOME: home, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('cannot reach a Docker engine at unix:///nonexistent/docker.sock')
    expect(r.stderr).not.toMatch(/^\s+at /m)
  })

  it('no daemon behind a closed TCP port: same', async () => {
    const port = await closedPort()
    const r = await cli(['build', 'hello-c', '--repo', repo], { env: { CMC_HOME: home, DOCKER_HOST: `tcp://127.0.0.1:${port}` } })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`tcp://127.0.0.1:${port}`)
    expect(r.ms).toBeLessThan(3500)
  })

  it('Ctrl-C mid-build stops the build, tags nothing and exits 130', async () => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'build', 'slow-build', '--repo', repo], {
      env: { ...process.env, CMC_HOME: home, CMC_VERBOSE: '1' },
    })
    const exit = new Promise<number | null>((r) => p.on('close', r))
    await waitFor(p, /slow step starts/, 300_000)
    const t0 = Date.now()
    p.kill('SIGINT')
    expect(await exit).toBe(130)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(execFileSync('docker', ['images', '-q', 'cmc/slow-build']).toString().trim()).toBe('')
  })

  it('the daemon dying mid-build gives a clear error and tags nothing', async () => {
    // A second, private dockerd that this test may kill. It gets its own bridge:
    // a dockerd started with --bridge=none deletes docker0, which the main
    // engine's containers need.
    const d = tmpDir('cmc-dockerd-')
    const sock = path.join(d, 'docker.sock')
    const bridge = 'cmcfault0'
    mkdirSync(path.join(d, 'data'))
    const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe', timeout: 120_000 })
    sh(`ip link del ${bridge} 2>/dev/null; ip link add ${bridge} type bridge && ip addr add 172.31.254.1/24 dev ${bridge} && ip link set ${bridge} up`)
    const daemonArgs = [
      '--data-root',
      path.join(d, 'data'),
      '--exec-root',
      path.join(d, 'exec'),
      '--pidfile',
      path.join(d, 'pid'),
      '-H',
      `unix://${sock}`,
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
    ]
    const startDaemon = () => spawn('dockerd', daemonArgs, { stdio: 'ignore' })
    const waitUp = async () => {
      for (let i = 0; i < 100; i++) {
        try {
          execFileSync('docker', ['-H', `unix://${sock}`, 'version'], { stdio: 'ignore', timeout: 5000 })
          return
        } catch {
          await new Promise((r) => setTimeout(r, 300))
        }
      }
      throw new Error('the private dockerd did not start')
    }
    const daemon = startDaemon()
    const env = { CMC_HOME: home, DOCKER_HOST: `unix://${sock}`, CMC_VERBOSE: '1' }
    try {
      await waitUp()
      // the private daemon gets the base image from the main one (no registry)
      sh(`docker save debian:bookworm | docker -H unix://${sock} load -q`)
      // slow-offline needs no network (the private daemon has no NAT) and no packages
      const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'build', 'slow-offline', '--repo', repo, '--platform', 'x86_64'], {
        env: { ...process.env, ...env },
      })
      let stderr = ''
      p.stderr!.on('data', (b) => (stderr += b))
      const exit = new Promise<number | null>((r) => p.on('close', r))
      await waitFor(p, /slow step starts/, 120_000)
      daemon.kill('SIGKILL')
      const code = await exit
      expect(code, stderr.slice(-2000)).toBe(3)
      expect(stderr).toMatch(/connection to the Docker engine broke|did the engine stop|cannot reach a Docker engine/)
      expect(stderr).not.toMatch(/^\s+at /m)
      // Nothing was tagged: the dead daemon's tag store on disk knows debian:bookworm only.
      await new Promise((r) => {
        if (daemon.exitCode !== null || daemon.signalCode) r(null)
        else daemon.on('close', r)
      })
      const tags = readFileSync(path.join(d, 'data/image/overlay2/repositories.json'), 'utf8')
      expect(tags).toContain('debian:bookworm')
      expect(tags).not.toContain('slow-offline')
    } finally {
      daemon.kill('SIGTERM')
      await new Promise((r) => {
        if (daemon.exitCode !== null || daemon.signalCode) r(null)
        else daemon.on('close', r)
      })
      // [c]ontainerd: the pattern must not match this shell's own command line
      sh(
        `pkill -f '[c]ontainerd.*${path.basename(d)}' 2>/dev/null; mount | awk '{print $3}' | grep '^${d}' | sort -r | xargs -r -n1 umount -l; ip link del ${bridge} 2>/dev/null; true`,
      )
      rmSync(d, { recursive: true, force: true })
      // the main engine's bridge must have survived
      expect(execFileSync('ip', ['link', 'show', 'docker0']).toString()).toContain('docker0')
    }
  })
})
