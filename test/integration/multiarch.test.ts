// One multi-arch tag: every platform's build pushed to Debian's
// docker-registry on 127.0.0.1 under an OCI image index, each platform pulled
// back by its own name (the engine's own, and --platform arm64), and all of
// them through one `cmc export --all-platforms` file; ids (the config
// digests) and provenance labels are the ones built. Also: a push that fails
// takes its tag off again, and the pushed tag's suffix is the local one's.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { imageInfo } from '../../src/engine/images.js'
import { imageTags } from '../../src/engine/share.js'
import { buildImage, type BuiltImage } from '../../src/pipeline/buildImage.js'
import { exportAllPlatforms, importBundle, pullShared, pushAllPlatforms, pushBuilt } from '../../src/pipeline/shareImage.js'
import { cli, docker } from '../helpers/engine.js'
import { repoRoot, tmpDir, useTmpHome } from '../helpers/tmp.js'

const home = useTmpHome()
const PORT = 5058
const registryAt = `127.0.0.1:${PORT}`
const repo = path.join(repoRoot, 'test/fixtures/platform-repo')
const work = tmpDir('cmc-multiarch-')
let registry: ChildProcess | undefined
const built: Record<string, BuiltImage> = {}

async function waitForRegistry(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`http://${registryAt}/v2/`)).ok) return
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error("docker-registry did not start (is Debian's docker-registry installed? scripts/setup-engine.sh installs it)")
}

/** Every tag of this registry on the engine, untagged: what a pull must bring back. */
async function untagRegistryRefs(): Promise<void> {
  for (const image of await docker.listImages())
    for (const tag of image.RepoTags ?? []) if (tag.startsWith(`${registryAt}/`)) await docker.getImage(tag).remove({ noprune: true })
}

beforeAll(async () => {
  await pingEngine()
  mkdirSync(path.join(work, 'data'))
  const cfg = path.join(work, 'registry.yml')
  writeFileSync(cfg, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(work, 'data')}\nhttp:\n  addr: ${registryAt}\n`)
  registry = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' })
  await waitForRegistry()
  for (const platform of ['x86_64', 'arm64']) built[platform] = await buildImage({ target: 'two-arch', platform, extraRepos: [repo] })
}, 300_000)

afterAll(async () => {
  registry?.kill()
  await untagRegistryRefs().catch(() => {})
  home.cleanup()
  rmSync(work, { recursive: true, force: true })
})

describe('one multi-arch tag', () => {
  it('push --all-platforms publishes an OCI image index over the per-platform images', async () => {
    const res = await pushAllPlatforms('two-arch', registryAt, { extraRepos: [repo] })
    expect(res.index.ref).toBe(`${registryAt}/cmc/two-arch:latest`)
    expect(res.index.digest).toMatch(new RegExp(`^${registryAt}/cmc/two-arch@sha256:[0-9a-f]{64}$`))
    expect(res.platforms.map((p) => `${p.platform}:${p.arch}:${p.inIndex}`)).toEqual(['x86_64:linux/amd64:true', 'arm64:linux/arm64:true'])
    // each platform's content tag keeps the local suffix
    for (const p of res.platforms) expect(p.pushed[0]!.ref).toBe(`${registryAt}/${built[p.platform]!.ref}`)
    const served = await fetch(`http://${registryAt}/v2/cmc/two-arch/manifests/latest`, { headers: { Accept: 'application/vnd.oci.image.index.v1+json' } })
    expect(served.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json')
    expect(`${registryAt}/cmc/two-arch@${served.headers.get('docker-content-digest')}`).toBe(res.index.digest)
    const index = (await served.json()) as { manifests: Array<{ digest: string; platform: { architecture: string }; annotations: Record<string, string> }> }
    expect(index.manifests.map((m) => `${m.platform.architecture}:${m.annotations['cmc.platform']}`)).toEqual(['amd64:x86_64', 'arm64:arm64'])
    expect(index.manifests.map((m) => m.annotations['cmc.plan-hash'])).toEqual([built.x86_64!.planHash, built.arm64!.planHash])
  }, 300_000)

  it('a pull takes the engine’s own platform, or the one --platform names, with id and provenance intact', async () => {
    const ref = `${registryAt}/cmc/two-arch:latest`
    await untagRegistryRefs()
    const own = await pullShared(ref)
    expect(own.arch).toBe('amd64')
    expect(own.id).toBe(built.x86_64!.id)
    expect(own.labels['cmc.plan-hash']).toBe(built.x86_64!.planHash)
    const r = await cli(['pull', ref, '--platform', 'arm64', '--repo', repo, '--json'], { env: { CMC_HOME: home.home } })
    expect(r.code, r.stderr).toBe(0)
    const arm = JSON.parse(r.stdout) as { id: string; arch: string; labels: Record<string, string> }
    expect(arm.arch).toBe('arm64')
    expect(arm.id).toBe(built.arm64!.id)
    expect(arm.labels['cmc.plan-hash']).toBe(built.arm64!.planHash)
  }, 300_000)

  it('export --all-platforms writes one file that imports every platform back', async () => {
    const file = path.join(work, 'two-arch.cmc.tar')
    const bundle = await exportAllPlatforms('two-arch', file, { extraRepos: [repo] })
    expect(bundle.platforms!.map((b) => b.id)).toEqual([built.x86_64!.id, built.arm64!.id])
    for (const b of Object.values(built)) await docker.getImage(b.id).remove({ force: true })
    expect(await imageInfo(built.arm64!.id)).toBeUndefined()
    const imported = await importBundle(file)
    expect(imported.platforms!.map((b) => b.plan?.platform.name)).toEqual(['x86_64', 'arm64'])
    for (const [platform, b] of Object.entries(built)) {
      const here = await imageInfo(`cmc/two-arch:${platform}`)
      expect(here?.id).toBe(b.id)
      expect(here?.labels['cmc.plan-hash']).toBe(b.planHash)
      expect(await imageInfo(b.ref)).toBeDefined()
    }
    expect((await imageInfo(built.arm64!.id))?.arch).toBe('arm64')
  }, 300_000)

  it('a push that fails takes the tag it made off again', async () => {
    const nowhere = '127.0.0.1:9' // the discard port: nothing answers
    const err = await pushBuilt('two-arch', 'x86_64', nowhere).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('PUSH_FAILED')
    const tags = await imageTags('cmc/two-arch:x86_64')
    expect(tags.filter((t) => t.startsWith(nowhere))).toEqual([])
    expect(tags).toContain('cmc/two-arch:x86_64')
  }, 120_000)
})
