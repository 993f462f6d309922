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
