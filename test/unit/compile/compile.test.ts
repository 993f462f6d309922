import { afterAll, describe, expect, it } from 'vitest'
import { compile } from '../../../src/compile/compile.js'
import { loadIndex } from '../../../src/repos/index.js'
import { resolvePlan } from '../../../src/resolve/resolvePlan.js'
import { examplesDir, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

describe('compiler', () => {
  it('is deterministic and names bases through build args', async () => {
    const index = await loadIndex({ extraRepos: [examplesDir] })
    const a = compile(resolvePlan(index, 'stream', { platform: 'arm64' }), { builder: 'buildkit' })
    const b = compile(resolvePlan(index, 'stream', { platform: 'arm64' }), { builder: 'buildkit' })
    expect(a.dockerfile).toBe(b.dockerfile)
    expect(a.platform).toBe('linux/arm64')
    expect(a.dockerfile).toContain('ARG CMC_BASE_BUILD=debian:bookworm')
    expect(a.dockerfile).toContain('FROM ${CMC_BASE_BUILD} AS build')
    expect(a.dockerfile).toContain('FROM ${CMC_BASE_RUNTIME} AS runtime')
    expect(a.context.map((c) => c.dest)).toEqual(['benchmark-src/stream.c'])
  })

  it('uses the CUDA devel image to build and the runtime image to run', async () => {
    const index = await loadIndex({ extraRepos: [examplesDir] })
    const c = compile(resolvePlan(index, 'cuda-stream', { platform: 'cuda' }), { builder: 'classic' })
    expect(c.bases.build).toMatch(/nvidia\/cuda:.*-devel-/)
    expect(c.bases.runtime).toMatch(/nvidia\/cuda:.*-runtime-/)
    expect(c.dockerfile).toContain('RUN nvcc -O3 -o cuda-stream stream.cu')
    expect(c.dockerfile).toContain('rm -rf /var/lib/apt/lists/*')
  })

  it('HIP: hipcc in the build stage, only libamdhip64 at run time', async () => {
    const index = await loadIndex({ extraRepos: [examplesDir] })
    const c = compile(resolvePlan(index, 'hip-stream', { platform: 'rocm' }), { builder: 'buildkit' })
    const [build, runtime] = c.dockerfile.split('AS runtime')
    expect(build).toMatch(/apt-get install -y --no-install-recommends [^\n]*hipcc/)
    expect(runtime).toMatch(/libamdhip64-5/)
    expect(runtime).not.toMatch(/hipcc/)
  })
})

describe('cross-compiling build stages', () => {
  it('stream for arm64 on an amd64 host: the build stage runs on the host with the cross gcc', async () => {
    const index = await loadIndex({ extraRepos: [examplesDir] })
    const plan = resolvePlan(index, 'stream', { platform: 'arm64' })
    const c = compile(plan, { builder: 'buildkit', buildArch: 'amd64' })
    expect(c.crossBuild).toBe(true)
    expect(c.buildPlatform).toBe('linux/amd64')
    expect(c.platform).toBe('linux/arm64')
    expect(c.dockerfile).toContain('FROM --platform=$BUILDPLATFORM ${CMC_BASE_BUILD} AS build')
    expect(c.dockerfile).toMatch(/apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross make/)
    expect(c.dockerfile).toContain('ENV CC="aarch64-linux-gnu-gcc"')
    expect(c.dockerfile).not.toMatch(/install -y --no-install-recommends gcc libc6-dev make/)
    // the runtime stage is still the target's, with the target's libgomp
    expect(c.dockerfile).toMatch(/FROM \$\{CMC_BASE_RUNTIME\} AS runtime[\s\S]*libgomp1/)
  })

  it('emulates instead when the host has the target arch, with the classic builder, or when a component cannot cross', async () => {
    const index = await loadIndex({ extraRepos: [examplesDir] })
    const arm = resolvePlan(index, 'stream', { platform: 'arm64' })
    expect(compile(arm, { builder: 'buildkit', buildArch: 'arm64' }).crossBuild).toBe(false)
    expect(compile(arm, { builder: 'classic', buildArch: 'amd64' }).crossBuild).toBe(false)
    expect(compile(arm, { builder: 'buildkit' }).crossBuild).toBe(false)
    const x86 = resolvePlan(index, 'stream', { platform: 'x86_64' })
    expect(compile(x86, { builder: 'buildkit', buildArch: 'amd64' }).crossBuild).toBe(false)
    // matmul-numpy has no build step that honours $CC
    const numpy = resolvePlan(index, 'matmul-numpy', { platform: 'arm64' })
    expect(compile(numpy, { builder: 'buildkit', buildArch: 'amd64' }).crossBuild).toBe(false)
    // a component in the build stage without a cross recipe keeps the build under emulation
    const noRecipe = { ...arm, nodes: arm.nodes.map((n) => (n.alias === 'openmp' ? { ...n, cross: undefined } : n)) }
    const e = compile(noRecipe, { builder: 'buildkit', buildArch: 'amd64' })
    expect(e.crossBuild).toBe(false)
    expect(e.dockerfile).toContain('FROM ${CMC_BASE_BUILD} AS build')
  })
})
