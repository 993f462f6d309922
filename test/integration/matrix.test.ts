// A platform matrix in one command: `cmc run -p x86_64 -p arm64 --set
// threads=1,2` gives a record per (platform, point); `cmc build
// --all-platforms` of the examples builds every platform it can, goes on past
// cuda (no CUDA base image here), prints a table and exits with cuda's code.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { EXIT_CODES } from '../../src/errors.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli, docker } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/platform-repo')
const examples = path.join(repoRoot, 'examples')
const home = tmpDir('cmc-home-')
const store = tmpDir('cmc-matrix-store-')
const env = { CMC_HOME: home, CMC_STORE: store }

beforeAll(async () => {
  await pingEngine()
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(store, { recursive: true, force: true })
})

describe('platform matrix', () => {
  it('cmc run -p x86_64 -p arm64 --set threads=1,2 gives one record per platform and point', async () => {
    const r = await cli(['run', 'arch-loop', '--repo', repo, '-p', 'x86_64', '-p', 'arm64', '--set', 'threads=1,2', '--repeat', '1', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const records = JSON.parse(r.stdout) as ExperimentRecord[]
    expect(records.map((x) => `${x.platform}:${x.params.threads}:${x.status}`)).toEqual(['x86_64:1:ok', 'x86_64:2:ok', 'arm64:1:ok', 'arm64:2:ok'])
    expect(records.map((x) => x.emulated)).toEqual([false, false, true, true])
    // the metric is the param itself: each record measured its own point
    expect(records.map((x) => x.metrics.threads!.median)).toEqual([1, 2, 1, 2])
    const list = await cli(['exp', 'list', '--where', 'benchmark = arch-loop', '--json'], { env })
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(4)
  }, 300_000)

  it('a platform the image lacks is reported; the other platforms still run', async () => {
    const r = await cli(['run', 'arch-loop', '--repo', repo, '-p', 'cuda', '-p', 'x86_64', '--repeat', '1', '--json'], { env })
    expect(r.code).toBe(2)
    const err = JSON.parse(r.stdout) as { error: string; message: string; data: { records: ExperimentRecord[] } }
    expect(err.error).toBe('PLATFORM_NOT_SUPPORTED')
    expect(err.message).toMatch(/^no runs on cuda \(/)
    expect(err.data.records.map((x) => `${x.platform}:${x.status}`)).toEqual(['x86_64:ok'])
    expect(r.stderr).toContain('going on with the other platforms')
  }, 300_000)

  it('cmc build --all-platforms builds x86_64, arm64 and rocm, and reports cuda failed with the base-image hint', async () => {
    const cuda = (await docker.listImages({ filters: JSON.stringify({ reference: ['nvidia/cuda'] }) })).length
    expect(cuda, 'this test needs an engine without a CUDA base image').toBe(0)
    const r = await cli(['build', 'stream', '--repo', examples, '--all-platforms'], { env, timeoutMs: 1_200_000 })
    expect(r.code, r.stderr).toBe(EXIT_CODES.base)
    const table = r.stdout.split('\n')
    const row = (platform: string) => table.find((l) => l.startsWith(`${platform} `)) ?? ''
    for (const p of ['x86_64', 'arm64', 'rocm']) expect(row(p), r.stdout).toMatch(new RegExp(`^${p}\\s+(built|cached)\\s+cmc/stream:${p}-[0-9a-f]{12}`))
    expect(row('cuda')).toMatch(/^cuda\s+failed\s.*base image nvidia\/cuda:.* is not available/)
    expect(r.stderr).toContain('error[BASE_MISSING]: 1 of 4 platform(s) failed: cuda')
    expect(r.stderr).toMatch(/hint: .*docker load -i FILE/)
    // what it built is there, under each platform's tag
    for (const p of ['x86_64', 'arm64', 'rocm']) expect((await docker.getImage(`cmc/stream:${p}`).inspect()).Id).toMatch(/^sha256:/)
  }, 1_260_000)

  it('--json gives each platform its result, the failed one as its error', async () => {
    const r = await cli(['build', 'stream', '--repo', examples, '-p', 'cuda', '-p', 'x86_64', '--json'], { env })
    expect(r.code).toBe(EXIT_CODES.base)
    const err = JSON.parse(r.stdout) as {
      error: string
      data: { results: Array<{ platform: string; status: string; error?: { error: string; hint: string } }> }
    }
    expect(err.error).toBe('BASE_MISSING')
    expect(err.data.results.map((x) => `${x.platform}:${x.status}`)).toEqual(['cuda:failed', 'x86_64:cached'])
    expect(err.data.results[0]!.error!.hint).toContain('docker load')
  }, 300_000)
})
