// Authoring from scratch as the docs say: `cmc add` refuses a folder outside
// any repository, the benchmark template's command runs the run.sh it creates
// (built and run on the real engine), and the schema path `cmc add` writes and
// docs/meta.md gives exists once cmc is installed from its npm package.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const work = tmpDir('cmc-authoring-')
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store') }

beforeAll(() => pingEngine())
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('cmc add', () => {
  it('refuses a folder that is in no repository, and creates nothing', async () => {
    const outside = path.join(work, 'loose')
    mkdirSync(outside)
    const r = await cli(['add', 'benchmark', 'b1', '--in', outside], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('REPO_NOT_A_REPO')
    expect(r.stderr).toContain('cmc-repo.yaml')
    expect(readdirSync(outside)).toEqual([])
  })

  it('makes a benchmark whose template runs as it is, with the run.sh its command calls', async () => {
    const repo = path.join(work, 'repo')
    mkdirSync(path.join(repo, 'benchmarks'), { recursive: true })
    writeFileSync(path.join(repo, 'cmc-repo.yaml'), 'name: authoring\n')
    // the template's image is my-image; made the same way
    for (const [kind, alias, where] of [
      ['image', 'my-image', repo],
      ['benchmark', 'my-bench', path.join(repo, 'benchmarks')],
    ]) {
      const r = await cli(['add', kind, alias, '--in', where], { env })
      expect(r.code, r.stderr).toBe(0)
    }
    const script = path.join(repo, 'benchmarks/my-bench/run.sh')
    expect(statSync(script).mode & 0o111).not.toBe(0)
    // the image template targets arm64 too; this test builds the host's platform only
    const run = await cli(['run', 'my-bench', '--repo', repo, '--platform', 'x86_64', '--set', 'size=2000', '--repeat', '1', '--warmup', '0', '--json'], {
      env,
    })
    expect(run.code, run.stderr).toBe(0)
    const [rec] = JSON.parse(run.stdout) as ExperimentRecord[]
    expect(rec.status).toBe('ok')
    expect(rec.metrics.size.median).toBe(2000)
    expect(rec.metrics.seconds.median).toBeGreaterThan(0)
  })
})

describe('the meta schema', () => {
  it('is where cmc add points, and where docs/meta.md says once the npm package is installed', async () => {
    const repo = path.join(work, 'schema-repo')
    mkdirSync(repo)
    writeFileSync(path.join(repo, 'cmc-repo.yaml'), 'name: schema\n')
    const r = await cli(['add', 'component', 'c1', '--in', repo], { env })
    expect(r.code, r.stderr).toBe(0)
    const first = readFileSync(path.join(repo, 'c1/cmc.yaml'), 'utf8').split('\n')[0]
    const written = /\$schema=(.+)$/.exec(first)![1]
    expect(existsSync(written), written).toBe(true)

    // npm install unpacks the package's tarball into node_modules/cmc: that tarball, unpacked the same way
    const project = path.join(work, 'project')
    const unpacked = path.join(project, 'node_modules/cmc')
    mkdirSync(unpacked, { recursive: true })
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' })) as Array<{
      filename: string
    }>
    execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', unpacked, '--strip-components=1'])
    const doc = readFileSync(path.join(repoRoot, 'docs/meta.md'), 'utf8')
    const documented = /yaml-language-server: \$schema=(\S+)/.exec(doc)![1]
    // the docs' example is a cmc.yaml two folders below the project (repo/artifact/cmc.yaml)
    const schema = path.resolve(project, 'repo/artifact', documented)
    expect(existsSync(schema), schema).toBe(true)
    expect(JSON.parse(readFileSync(schema, 'utf8')).$schema).toMatch(/json-schema/)
  })
})
