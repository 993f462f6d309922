// What users see when the engine is missing, dies mid-build, or they press
// Ctrl-C: a fix-it message and a meaningful exit code, quickly, and nothing tagged.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
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
    const on = (d: Buffer) => { buf += d; if (re.test(buf)) { clearTimeout(t); resolve() } }
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

  it('no daemon behind a closed TCP port: same', async () => {
    const port = await closedPort()
    const r = await cli(['build', 'hello-c', '--repo', repo], { env: { CMC_HOME: home, DOCKER_HOST: `tcp://127.0.0.1:${port}` } })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`tcp://127.0.0.1:${port}`)
    expect(r.ms).toBeLessThan(3500)
  })

  it('Ctrl-C mid-build stops the build, tags nothing and exits 130', async () => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'build', 'slow-build', '--repo', repo], { env: { ...process.env, CMC_HOME: home, CMC_VERBOSE: '1' } })
    const exit = new Promise<number | null>((r) => p.on('close', r))
    await waitFor(p, /slow step starts/, 300_000)
    const t0 = Date.now()
    p.kill('SIGINT')
    expect(await exit).toBe(130)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(execFileSync('docker', ['images', '-q', 'cmc/slow-build']).toString().trim()).toBe('')
  })

  it('the daemon dying mid-build gives a clear error and tags nothing', async () => {
    // A second, private dockerd that this test may kill.
    const d = tmpDir('cmc-dockerd-')
    const sock = path.join(d, 'docker.sock')
    mkdirSync(path.join(d, 'data'))
    const daemon = spawn('dockerd', ['--data-root', path.join(d, 'data'), '--exec-root', path.join(d, 'exec'), '--pidfile', path.join(d, 'pid'), '-H', `unix://${sock}`, '--bridge=none', '--iptables=false', '--ip-masq=false'], { stdio: 'ignore' })
    const env = { CMC_HOME: home, DOCKER_HOST: `unix://${sock}`, CMC_VERBOSE: '1' }
    try {
      for (let i = 0; i < 100; i++) {
        try { execFileSync('docker', ['-H', `unix://${sock}`, 'version'], { stdio: 'ignore' }); break } catch { await new Promise((r) => setTimeout(r, 300)) }
      }
      // the private daemon gets the base image from the main one (no registry)
      execFileSync('sh', ['-c', `docker save debian:bookworm | docker -H unix://${sock} load -q`])
      const p = spawn(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'build', 'slow-build', '--repo', repo], { env: { ...process.env, ...env } })
      let stderr = ''
      p.stderr!.on('data', (b) => (stderr += b))
      const exit = new Promise<number | null>((r) => p.on('close', r))
      await waitFor(p, /slow step starts/, 300_000)
      daemon.kill('SIGKILL')
      const code = await exit
      expect(code).toBe(3)
      expect(stderr).toMatch(/connection to the Docker engine broke|did the engine stop|cannot reach a Docker engine/)
      expect(stderr).not.toMatch(/^\s+at /m)
    } finally {
      daemon.kill('SIGKILL')
      // restart it just long enough to prove nothing was tagged
      const again = spawn('dockerd', ['--data-root', path.join(d, 'data'), '--exec-root', path.join(d, 'exec'), '--pidfile', path.join(d, 'pid'), '-H', `unix://${sock}`, '--bridge=none', '--iptables=false', '--ip-masq=false'], { stdio: 'ignore' })
      let tags = 'unknown'
      for (let i = 0; i < 100; i++) {
        try { tags = execFileSync('docker', ['-H', `unix://${sock}`, 'images', '-q', 'cmc/slow-build'], { stdio: 'pipe' }).toString().trim(); break } catch { await new Promise((r) => setTimeout(r, 300)) }
      }
      again.kill('SIGTERM')
      await new Promise((r) => again.on('close', r))
      expect(tags).toBe('')
      execFileSync('sh', ['-c', `umount ${path.join(d, 'data')}/overlay2 2>/dev/null; umount ${path.join(d, 'exec')}/* 2>/dev/null; true`])
      rmSync(d, { recursive: true, force: true })
    }
  })
})
