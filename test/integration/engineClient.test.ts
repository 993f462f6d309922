// The engine client's start-up shortcuts change nothing a user sees: the early
// /version is the engine's own answer, and the dockerode modules loaded late
// (tar-fs, debug, the hijack stream) still work when something calls them.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { engineVersion, getDocker, pingEngine } from '../../src/engine/docker.js'
import { answeredVersion, askVersionEarly, resolveEndpoint, takeEarlyVersion, type Endpoint } from '../../src/engine/endpoint.js'
import { until } from '../helpers/poll.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const work = tmpDir('cmc-client-')
const saved = process.env.DOCKER_HOST
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A unix socket in front of the engine that notes the request line of each request it forwards. */
async function countingProxy(engine: Endpoint): Promise<{ host: string; seen: string[]; close(): void }> {
  const sock = path.join(work, 'proxy.sock')
  const seen: string[] = []
  const { address } = engine
  const upstream = (): net.Socket => ('socketPath' in address ? net.connect(address.socketPath) : net.connect(address.port, address.host))
  const server = net.createServer((client) => {
    const up = upstream()
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.1\r$/gm)) seen.push(`${m[1]} ${m[2]}`)
    })
    client.pipe(up).pipe(client)
    up.on('error', () => client.destroy())
    client.on('error', () => up.destroy())
  })
  await new Promise<void>((r) => server.listen(sock, r))
  return { host: `unix://${sock}`, seen, close: () => server.close() }
}

describe('engine client', () => {
  it('/version is asked once, before the client loads; an engine that answered it is not pinged', async () => {
    const proxy = await countingProxy(resolveEndpoint())
    process.env.DOCKER_HOST = proxy.host
    try {
      askVersionEarly()
      await until(() => answeredVersion(proxy.host))
      expect(answeredVersion(proxy.host)).toBe(true)
      await pingEngine() // as `cmc build` does, before it asks for the version
      const early = await engineVersion()
      expect(proxy.seen).toEqual(['GET /version'])
      expect(takeEarlyVersion(proxy.host)).toBeUndefined() // taken up once
      expect(early.ApiVersion).toMatch(/^\d+\.\d+$/)
      expect(early).toEqual(await getDocker().version()) // the client's own request: the same answer
      expect(proxy.seen).toEqual(['GET /version', 'GET /version'])
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = saved
      proxy.close()
    }
  })

  it('an early /version nobody takes up does not keep the process alive, even when the engine never answers', () => {
    const sock = path.join(work, 'silent.sock')
    const silent = spawn(process.execPath, ['-e', `require('net').createServer(() => {}).listen(${JSON.stringify(sock)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    return new Promise<void>((resolve, reject) => {
      silent.stdout!.once('data', () => {
        const script = `const m = await import(${JSON.stringify(path.join(repoRoot, 'dist/engine/endpoint.js'))}); m.askVersionEarly()`
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, DOCKER_HOST: `unix://${sock}` },
          timeout: 10_000,
        })
        silent.kill()
        try {
          expect(r.signal).toBeNull() // not killed by the timeout
          expect(r.status).toBe(0)
          resolve()
        } catch (e) {
          reject(e)
        }
      })
    })
  })

  it("DEBUG=modem still logs docker-modem's requests; without it nothing is printed", () => {
    const script = `const { getDocker } = await import(${JSON.stringify(path.join(repoRoot, 'dist/engine/docker.js'))}); await getDocker().ping()`
    const stderrWith = (debug: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DEBUG: debug }, encoding: 'utf8' })
      expect(r.status).toBe(0)
      return r.stderr
    }
    expect(stderrWith('modem')).toMatch(/modem Sending: .*_ping/s)
    expect(stderrWith('')).toBe('')
  })

  it("dockerode's tar-fs, loaded on first use, packs a folder", async () => {
    await import('../../src/engine/docker.js')
    const dir = path.join(work, 'ctx')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n')
    const tarFs = createRequire(createRequire(import.meta.url).resolve('dockerode/package.json'))('tar-fs') as { pack(dir: string): Readable }
    const chunks: Buffer[] = []
    for await (const c of tarFs.pack(dir)) chunks.push(c as Buffer)
    const tar = Buffer.concat(chunks)
    expect(tar.length % 512).toBe(0)
    expect(tar.toString('latin1')).toMatch(/Dockerfile\0/)
    expect(tar.toString('latin1')).toContain('FROM scratch')
  })
})
