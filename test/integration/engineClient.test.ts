// The engine client's start-up shortcuts change nothing a user sees: the early
// /version is the engine's own answer, and the dockerode modules loaded late
// (tar-fs, debug, the hijack stream) still work when something calls them.
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { engineEndpoint, engineVersion, getDocker, pingEngine } from '../../src/engine/docker.js'
import { askVersionEarly, takeEarlyVersion } from '../../src/engine/endpoint.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const work = tmpDir('cmc-client-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('engine client', () => {
  it('the /version asked before the client loads is the engine\'s answer, taken up once', async () => {
    askVersionEarly()
    const early = await engineVersion()
    expect(early.ApiVersion).toMatch(/^\d+\.\d+$/)
    expect(early).toEqual(await getDocker().version())
    expect(takeEarlyVersion(engineEndpoint().display)).toBeUndefined()
    await pingEngine() // answered by the /version above; must not throw
  })

  it('DEBUG=modem still logs docker-modem\'s requests; without it nothing is printed', () => {
    const script = `const { getDocker } = await import(${JSON.stringify(path.join(repoRoot, 'dist/engine/docker.js'))}); await getDocker().ping()`
    const stderrWith = (debug: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DEBUG: debug }, encoding: 'utf8' })
      expect(r.status).toBe(0)
      return r.stderr
    }
    expect(stderrWith('modem')).toMatch(/modem Sending: .*_ping/s)
    expect(stderrWith('')).toBe('')
  })

  it('dockerode\'s tar-fs, loaded on first use, packs a folder', async () => {
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
