// cmc build against the real engine: content tags, no-op rebuilds, thin
// rebuilds after editing the benchmark, failed steps, arm64 under emulation.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../src/errors.js'
import { collector } from '../../src/events.js'
import { pingEngine } from '../../src/engine/docker.js'
import { buildImage } from '../../src/pipeline/buildImage.js'
import { copyRepo, imageLayers } from '../helpers/engine.js'
import { repoRoot, useTmpHome } from '../helpers/tmp.js'

const home = useTmpHome()
let repo: string
beforeAll(async () => {
  await pingEngine() // fails (never skips) without an engine
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/build-repo'))
})
afterAll(() => {
  home.cleanup()
  rmSync(repo, { recursive: true, force: true })
})

const dockerRun = (ref: string, cmd: string) =>
  execFileSync('docker', ['run', '--rm', '--label', 'cmc.test=build', ref, 'sh', '-c', `mkdir -p /cmc/out && ${cmd}`]).toString()

describe('cmc build', () => {
  it('builds the C benchmark for x86_64 in two stages with provenance labels', async () => {
    const b = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    expect(b.ref).toMatch(/^cmc\/hello-c:x86_64-[0-9a-f]{12}$/)
    expect(b.compiled.stages).toEqual(['build', 'runtime'])
    const labels = JSON.parse(execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', b.ref]).toString())
    expect(labels['cmc.plan-hash']).toBe(b.planHash)
    expect(labels['cmc.context-hash']).toBe(b.contextHash)
    expect(dockerRun(b.ref, './hello')).toContain('"machine": "x86_64"')
    // the runtime stage has no compiler
    expect(() => dockerRun(b.ref, 'command -v gcc')).toThrow()
  })

  it('images are slim: the bootstrapped base and what images install on it carry no manuals, docs or translations', async () => {
    const b = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    expect(dockerRun(b.ref, 'cat /etc/dpkg/dpkg.cfg.d/cmc-slim')).toContain('path-exclude /usr/share/doc/*')
    // ca-certificates is installed by the image, on top of the base: of its docs only the
    // copyright files are there (dpkg still makes the excluded files' folders)
    expect(dockerRun(b.ref, 'find /usr/share/doc/ca-certificates -type f -name copyright')).toContain('/usr/share/doc/ca-certificates/copyright\n')
    expect(dockerRun(b.ref, 'find /usr/share/doc/ca-certificates -type f ! -name copyright').trim()).toBe('')
    expect(
      dockerRun(b.ref, 'find /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale -type f ! -name copyright ! -name locale.alias | wc -l').trim(),
    ).toBe('0')
    expect(Number(dockerRun(b.ref, 'ls /usr/share/doc | wc -l').trim())).toBeGreaterThan(50) // copyright files stay
  })

  it('a rebuild with nothing changed sends no build request', async () => {
    const first = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    const { events, sink } = collector()
    const again = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo], events: sink })
    expect(again.cached).toBe(true)
    expect(again.id).toBe(first.id)
    expect(again.steps).toEqual([])
    expect(events.some((e) => e.type === 'phase' && e.name.startsWith('build '))).toBe(false)
    expect(again.durationMs).toBeLessThan(1000)
  })

  it('editing only the benchmark file rebuilds only the last layers', async () => {
    const before = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    const src = path.join(repo, 'bench/hello.c')
    // a value no earlier run used, so the engine's build cache cannot have the step
    writeFileSync(src, readFileSync(src, 'utf8').replace('"answer\\": 42}', `"answer\\": ${Date.now()}}`))
    const after = await buildImage({ target: 'hello-c', platform: 'x86_64', extraRepos: [repo] })
    expect(after.ref).not.toBe(before.ref)
    const l1 = imageLayers(before.ref),
      l2 = imageLayers(after.ref)
    expect(l2.length).toBe(l1.length)
    expect(l2.slice(0, -1)).toEqual(l1.slice(0, -1))
    expect(l2.at(-1)).not.toBe(l1.at(-1))
    const rebuilt = after.steps.filter((s) => !s.cached).map((s) => s.name)
    expect(rebuilt.some((n) => /apt-get install/.test(n))).toBe(false)
    expect(rebuilt.some((n) => /gcc -O2 -o hello hello.c/.test(n))).toBe(true)
  })

  it('a broken RUN reports its step and log tail, and tags nothing', async () => {
    let err: CmcError | undefined
    try {
      await buildImage({ target: 'broken-build', platform: 'x86_64', extraRepos: [repo] })
    } catch (e) {
      err = e as CmcError
    }
    expect(err?.code).toBe('BUILD_FAILED')
    expect(err?.exitCode).toBe(4)
    expect(err?.message).toContain('gcc -O2 -o hello missing-file.c')
    expect(err?.details.join('\n')).toMatch(/missing-file\.c: No such file/)
    const tags = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'cmc/broken-build']).toString().trim()
    expect(tags).toBe('')
  })

  it('builds for arm64 under emulation and the binary reports aarch64', async () => {
    const b = await buildImage({ target: 'hello-c', platform: 'arm64', extraRepos: [repo] })
    const arch = execFileSync('docker', ['image', 'inspect', '--format', '{{.Architecture}}', b.ref]).toString().trim()
    expect(arch).toBe('arm64')
    expect(dockerRun(b.ref, './hello')).toContain('"machine": "aarch64"')
  })
})
