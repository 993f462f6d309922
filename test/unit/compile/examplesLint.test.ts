import { validate } from 'dockerfile-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { compile } from '../../../src/compile/compile.js'
import type { ImageMeta, BenchmarkMeta } from '../../../src/meta/schema.js'
import { loadIndex } from '../../../src/repos/index.js'
import { resolvePlan } from '../../../src/resolve/resolvePlan.js'
import { examplesDir, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

describe('every Dockerfile generated for the shipped examples', async () => {
  const index = await loadIndex({ extraRepos: [examplesDir] })
  const targets = index.all().filter((a) => a.repo === 'examples' && (a.kind === 'benchmark' || a.kind === 'image'))
  const cases = targets.flatMap((t) => {
    const image = t.kind === 'benchmark' ? index.get((t.meta as BenchmarkMeta).image, { kind: 'image' }) : t
    return ((image.meta as ImageMeta).platforms ?? []).flatMap((p) => (['buildkit', 'classic'] as const).map((b) => [t.alias, p, b] as const))
  })

  it('covers C and Python benchmarks on all four platforms', () => {
    for (const p of ['x86_64', 'arm64', 'cuda', 'rocm']) {
      expect(cases.some(([t, pl]) => t === 'stream' && pl === p)).toBe(true)
      expect(cases.some(([t, pl]) => t === 'matmul-numpy' && pl === p)).toBe(true)
    }
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  it.each(cases)('%s on %s (%s) lints clean and is staged right', (target, platform, builder) => {
    const plan = resolvePlan(index, target, { platform })
    const c = compile(plan, { builder, buildArch: 'amd64' }) // as built on an amd64 host: arm64 stream cross-compiles
    const diagnostics = validate(c.dockerfile)
    expect(diagnostics.map((d) => `${d.severity}: ${d.message} (line ${d.range.start.line + 1})`)).toEqual([])
    const text = c.dockerfile
    const runtime = text.slice(text.indexOf('AS runtime'))
    if (plan.benchmark?.build) {
      expect(c.stages).toEqual(['build', 'runtime'])
      // compilers stay in the build stage
      expect(runtime).not.toMatch(/apt-get install[^\n]*\b(gcc|hipcc|nvcc)\b/)
      expect(runtime).toMatch(/COPY --from=build /)
    }
    if (target === 'matmul-numpy' || target === 'resnet18-torch') expect(c.stages).toEqual(['runtime'])
    // apt steps get cache mounts under BuildKit (an image with no apt step has none)
    expect(text.includes('--mount=type=cache')).toBe(builder === 'buildkit' && text.includes('apt-get install'))
    expect(c.labels['cmc.plan-hash']).toBe(plan.hash)
    expect(c.labels['cmc.artifacts']).toContain(plan.image.uid)
    // cache order: os before toolchain before library, benchmark files last
    const pos = (s: string) => text.indexOf(s)
    const layers = ['# layer: os', '# layer: toolchain', '# layer: library'].map(pos).filter((i) => i >= 0)
    expect([...layers].sort((a, b) => a - b)).toEqual(layers)
    const lastApt = text.lastIndexOf('apt-get install')
    const benchCopy = Math.max(text.lastIndexOf('COPY benchmark'), text.lastIndexOf('COPY --from=build /opt/cmc/build'))
    if (plan.benchmark) expect(benchCopy).toBeGreaterThan(lastApt)
  })
})
