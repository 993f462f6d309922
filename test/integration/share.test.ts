// Sharing adaptive containers: push/pull through Debian's docker-registry on
// 127.0.0.1, and export/import through one file.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { buildImage } from '../../src/pipeline/buildImage.js'
import { exportBundle, importBundle, pullShared, pushBuilt } from '../../src/pipeline/shareImage.js'
import { copyRepo } from '../helpers/engine.js'
import { repoRoot, tmpDir, useTmpHome } from '../helpers/tmp.js'

const home = useTmpHome()
const PORT = 5055
let registry: ChildProcess | undefined
let repo: string
const work = tmpDir('cmc-share-')

async function waitForRegistry(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/v2/`)
      if (res.ok) return
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error("docker-registry did not start (is Debian's docker-registry installed? scripts/setup-engine.sh installs it)")
}

beforeAll(async () => {
  await pingEngine()
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/build-repo'))
  const cfg = path.join(work, 'registry.yml')
  mkdirSync(path.join(work, 'data'))
  writeFileSync(cfg, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(work, 'data')}\nhttp:\n  addr: 127.0.0.1:${PORT}\n`)
  registry = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' })
  await waitForRegistry()
})

afterAll(() => {
  registry?.kill()
  home.cleanup()
  rmSync(work, { recursive: true, force: true })
  rmSync(repo, { recursive: true, force: true })
})

describe('sharing images', () => {
  it('push and pull round trip keeps the image and its provenance', async () => {
    const built = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    const res = await pushBuilt('hello-c', 'x86_64', `127.0.0.1:${PORT}`)
    expect(res.pushed.map((p) => p.ref)).toEqual([
      // the content tag's suffix is the local one's
      `127.0.0.1:${PORT}/${built.ref}`,
      `127.0.0.1:${PORT}/cmc/hello-c:x86_64`,
    ])
    expect(res.pushed[0].digest).toMatch(/@sha256:[0-9a-f]{64}$/)
    const ref = res.pushed[1].ref
    execFileSync('docker', ['rmi', ref, res.pushed[0].ref])
    const pulled = await pullShared(ref)
    expect(pulled.id).toBe(built.id)
    expect(pulled.digest).toBe(res.pushed[1].digest)
    expect(pulled.labels['cmc.plan-hash']).toBe(built.planHash)
  })

  it('export and import round trip through one file with meta and provenance', async () => {
    const built = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    const file = path.join(work, 'hello.cmc.tar')
    const bundle = await exportBundle('hello-c', 'x86_64', file, { extraRepos: [repo] })
    expect(bundle.plan?.hash).toBe(built.planHash)
    expect(bundle.meta).toContain('meta/build-fixture/bench/cmc.yaml')
    execFileSync('docker', ['rmi', '-f', built.id])
    expect(() => execFileSync('docker', ['image', 'inspect', built.ref], { stdio: 'pipe' })).toThrow()
    const metaDir = path.join(work, 'meta')
    const imported = await importBundle(file, { metaDir })
    expect(imported.loaded).toContain('cmc/hello-c:x86_64')
    expect(execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', 'cmc/hello-c:x86_64']).toString().trim()).toBe(built.id)
    // the target's repo is written as the folder itself; builtin artifacts travel in the bundle, every cmc has its own
    expect(existsSync(path.join(metaDir, 'bench/cmc.yaml'))).toBe(true)
    expect(bundle.meta.filter((m) => m.startsWith('meta/builtin/components/'))).toHaveLength(3)
  })
})
