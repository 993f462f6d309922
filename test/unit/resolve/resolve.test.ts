import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIndex } from '../../../src/repos/index.js'
import { resolvePlan } from '../../../src/resolve/resolvePlan.js'
import { tmpDir, useTmpHome, writeTree } from '../../helpers/tmp.js'
import { cmcErrorOf as err } from '../../helpers/errors.js'

const home = useTmpHome()
const dirs: string[] = []
afterAll(() => {
  home.cleanup()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const comp = (alias: string, body = '') => `kind: component\nalias: ${alias}\n${body}`
const base = {
  'cmc-repo.yaml': 'name: fx\n',
  'os/cmc.yaml': comp('os-x', 'tags: [os]\nlayer: os\ninstall: { apt: [ca-certificates], env: { A: os, B: os } }\n'),
  'py310/cmc.yaml': comp('py310', 'tags: [python]\nversion: 3.10.4\nlayer: toolchain\ndeps: [{ tags: os }]\ninstall: { apt: [python3.10] }\n'),
  'py312/cmc.yaml': comp('py312', 'tags: [python]\nversion: 3.12.1\nlayer: toolchain\ndeps: [{ tags: os }]\ninstall: { apt: [python3.12] }\n'),
  'py313/cmc.yaml': comp('py313', 'tags: [python]\nversion: 3.13.0\nlayer: toolchain\ndeps: [{ tags: os }]\n'),
  'torch/cmc.yaml': comp(
    'torch',
    `tags: [torch]
deps: [{ tags: python, version: ">=3.10 <3.13" }]
variations:
  cpu: { group: device, default: true, install: { apt: [torch-cpu] } }
  cuda: { group: device, install: { apt: [torch-cuda] }, env: { B: cuda } }
  rocm: { group: device, install: { apt: [torch-rocm] } }
  debug: { install: { env: { DEBUG: "1" } } }
`,
  ),
  'armlib/cmc.yaml': comp('armlib', 'tags: [blas]\nwhen: { platform: [arm64] }\n'),
  'x86lib/cmc.yaml': comp('x86lib', 'tags: [blas]\nwhen: { platform: [x86_64] }\n'),
  'plat/x86/cmc.yaml':
    'kind: platform\nalias: x86_64\narch: amd64\ndockerPlatform: linux/amd64\nbase: { build: "debian:bookworm", runtime: "debian:bookworm" }\n',
  'plat/arm/cmc.yaml':
    'kind: platform\nalias: arm64\narch: arm64\ndockerPlatform: linux/arm64\nbase: { build: "debian:bookworm", runtime: "debian:bookworm" }\n',
  'plat/gpu/cmc.yaml':
    'kind: platform\nalias: cuda\narch: amd64\ndockerPlatform: linux/amd64\nvariations: [cuda]\ndevices: { gpu: nvidia }\nbase: { build: "nvidia/cuda:12-devel", runtime: "nvidia/cuda:12-runtime" }\n',
}

async function fixture(extra: Record<string, string> = {}, order?: string[]) {
  const dir = tmpDir('resolve-')
  dirs.push(dir)
  const files = { ...base, ...extra }
  const keys = order ?? Object.keys(files)
  for (const k of keys) writeTree(dir, { [k]: files[k as keyof typeof files] })
  return loadIndex({ extraRepos: [dir], builtin: false })
}

const img = (components: string, more = '') => `kind: image\nalias: img\nplatforms: [x86_64, arm64, cuda]\ncomponents:\n${components}${more}`

describe('resolver', () => {
  it('picks variation defaults, versions by range, and orders deps first', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: torch\n') })
    const plan = resolvePlan(index, 'img', { platform: 'x86_64' })
    expect(plan.nodes.map((n) => n.id)).toEqual(['os-x', 'py312', 'torch[_cpu]'])
    expect(plan.nodes[2].install.apt).toEqual(['torch-cpu'])
    expect(plan.nodes[2].deps).toEqual(['py312'])
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('_name selects a variation; the platform adds its own (cuda)', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: torch,_rocm,_debug\n') })
    expect(resolvePlan(index, 'img', { platform: 'x86_64' }).nodes.map((n) => n.id)).toContain('torch[_debug,_rocm]')
    const index2 = await fixture({ 'img/cmc.yaml': img('  - tags: torch\n') })
    expect(resolvePlan(index2, 'img', { platform: 'cuda' }).nodes.map((n) => n.id)).toContain('torch[_cuda]')
  })

  it('two variations of one group are refused with the position of the dep', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: torch\n  - tags: torch,_cpu,_cuda\n') })
    const e = err(() => resolvePlan(index, 'img', { platform: 'x86_64' }))
    expect(e.code).toBe('VARIATION_CONFLICT')
    expect(e.message).toContain('_cpu and _cuda')
    expect(e.where).toMatchObject({ line: 6 })
    expect(e.exitCode).toBe(2)
  })

  it('an unsatisfiable range lists the versions there are', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: python\n    version: ">=3.14"\n') })
    const e = err(() => resolvePlan(index, 'img', { platform: 'x86_64' }))
    expect(e.code).toBe('VERSION_UNSATISFIABLE')
    expect(e.hint).toContain('py310 3.10.4')
    expect(e.hint).toContain('py313 3.13.0')
  })

  it('when: conditions choose per platform', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: blas\n  - tags: os\n    when: { platform: [arm64] }\n') })
    expect(resolvePlan(index, 'img', { platform: 'x86_64' }).nodes.map((n) => n.id)).toEqual(['x86lib'])
    expect(resolvePlan(index, 'img', { platform: 'arm64' }).nodes.map((n) => n.id)).toEqual(['os-x', 'armlib'])
  })

  it('env precedence: component < dep env < image env < benchmark env < --env', async () => {
    const index = await fixture({
      'img/cmc.yaml': img('  - tags: os\n    env: { B: dep, C: dep }\n', 'env: { C: image, D: image }\n'),
      'bench/cmc.yaml': 'kind: benchmark\nalias: b\nimage: img\ncommand: "true"\nenv: { D: bench, E: bench }\n',
    })
    const plan = resolvePlan(index, 'b', { platform: 'x86_64', env: { E: cli } as never })
    expect(plan.env).toEqual({ A: 'os', B: 'dep', C: 'image', D: 'bench', E: 'cli' })
  })

  it('reports a cycle as the cycle', async () => {
    const index = await fixture({
      'a/cmc.yaml': comp('a', 'tags: [ta]\ndeps: [{ tags: tb }]\n'),
      'b/cmc.yaml': comp('b', 'tags: [tb]\ndeps: [{ tags: ta }]\n'),
      'img/cmc.yaml': img('  - tags: ta\n'),
    })
    const e = err(() => resolvePlan(index, 'img', { platform: 'x86_64' }))
    expect(e.code).toBe('DEP_CYCLE')
    expect(e.message).toContain('a -> b -> a')
  })

  it('a dep that matches nothing names the nearest tags', async () => {
    const index = await fixture({ 'img/cmc.yaml': img('  - tags: pyton\n') })
    const e = err(() => resolvePlan(index, 'img', { platform: 'x86_64' }))
    expect(e.code).toBe('DEP_NOT_FOUND')
    expect(e.hint).toContain('pyton -> python')
    expect(e.where).toMatchObject({ line: 5 })
  })

  it('an image that does not target the platform is refused', async () => {
    const index = await fixture({ 'img/cmc.yaml': 'kind: image\nalias: img\nplatforms: [arm64]\ncomponents: [{ tags: os }]\n' })
    expect(err(() => resolvePlan(index, 'img', { platform: 'x86_64' })).code).toBe('PLATFORM_NOT_SUPPORTED')
  })

  it('is deterministic: same order and hash whatever the folder creation order', async () => {
    const extra = { 'img/cmc.yaml': img('  - tags: torch\n  - tags: blas\n  - tags: os\n') }
    const p1 = resolvePlan(await fixture(extra), 'img', { platform: 'x86_64' })
    const keys = Object.keys({ ...base, ...extra }).reverse()
    const p2 = resolvePlan(await fixture(extra, keys), 'img', { platform: 'x86_64' })
    expect(p2.nodes.map((n) => n.id)).toEqual(p1.nodes.map((n) => n.id))
    expect(p2.hash).toBe(p1.hash)
    expect(path.isAbsolute(p1.nodes[0].dir)).toBe(true)
  })
})
const cli = 'cli'
