// `cmc export` then `cmc import --meta-dir` into a fresh CMC_HOME, as a user on
// another machine would: the image comes back under every tag it had (its
// content tag too) with the base it was built on, and the folder written is a
// repo that `cmc find` lists and `cmc run` runs without building anything.
// A bundle whose meta would land outside that folder is refused.
import { chmodSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import { CmcError } from '../../src/errors.js'
import type { CmcEvent } from '../../src/events.js'
import { importBundle } from '../../src/pipeline/shareImage.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli, copyRepo, docker } from '../helpers/engine.js'
import { repoRoot, tmpDir, writeTree } from '../helpers/tmp.js'

// Every tag this file makes carries the suffix (the platform's name is in the
// image's tags), so nothing here touches another test's images.
const suffix = `${process.pid.toString(16)}${Date.now().toString(16).slice(-6)}`
const platform = `roundtrip${suffix}`
const localBase = 'cmc/base-debian:bookworm-amd64'
// the platform's base: the local Debian under a name of this test's own, which it may remove
const base = `cmc-test/exportimport-base:${suffix}`
const work = tmpDir('cmc-exportimport-')
const exportHome = path.join(work, 'home-export')
const importHome = path.join(work, 'home-import')
const file = path.join(work, 'roundtrip.cmc.tar')
const metaDir = path.join(work, 'imported')
// nothing may be pulled: a base that did not come back fails at once
const env = (home: string) => ({ CMC_HOME: home, CMC_STORE: path.join(home, 'store'), CMC_NO_PULL: '1' })
let repo: string

interface Built {
  ref: string
  latest: string
  id: string
  planHash: string
}

const tagsOf = async (id: string) => (await docker.getImage(id).inspect()).RepoTags ?? []
const idOf = async (ref: string) =>
  docker
    .getImage(ref)
    .inspect()
    .then(
      (i) => i.Id,
      () => undefined,
    )
const events = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as CmcEvent)

beforeAll(async () => {
  await pingEngine()
  if (!(await idOf(localBase))) throw new Error(`${localBase} is missing: make it with \`cmc base bootstrap debian:bookworm --arch amd64\``)
  await docker.getImage(localBase).tag({ repo: base.split(':')[0], tag: suffix })
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/build-repo'))
  writeTree(repo, {
    'roundtrip-platform/cmc.yaml': [
      'kind: platform',
      `alias: ${platform}`,
      'tags: [platform, cpu, roundtrip]',
      'arch: amd64',
      'dockerPlatform: linux/amd64',
      `base: { build: "${base}", runtime: "${base}" }`,
      'devices: { gpu: none }',
      '',
    ].join('\n'),
    'roundtrip-img/cmc.yaml': 'kind: image\nalias: roundtrip-img\ncomponents:\n  - tags: os,debian\n',
    // not named by any meta: the image's whole folder travels
    'roundtrip-img/README.md': 'Debian and nothing else.\n',
    'roundtrip/cmc.yaml': [
      'kind: benchmark',
      'alias: roundtrip',
      'image: roundtrip-img',
      'files: [bench.sh, data]',
      'command: sh bench.sh',
      'outputs:',
      '  dir: /cmc/out',
      '  metrics: { file: metrics.json, format: json }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
    'roundtrip/bench.sh': 'lines=$(wc -l < data/input.txt)\necho "{\\"lines\\": $lines}" > /cmc/out/metrics.json\n',
    'roundtrip/data/input.txt': 'one\ntwo\nthree\n',
    'roundtrip/data/.dockerignore': '*.tmp\n',
    'roundtrip/data/scratch.tmp': 'left out of the build context\n',
    // in the folder but not in `files:`: not part of what the build used
    'roundtrip/notes.md': 'not shipped\n',
  })
  // the executable bit is part of the context hash: it must survive the trip
  chmodSync(path.join(repo, 'roundtrip/bench.sh'), 0o755)
})

afterAll(async () => {
  for (const ref of [base, `cmc/roundtrip:${platform}`])
    await docker
      .getImage(ref)
      .remove()
      .catch(() => {})
  const left = await docker.listImages({ filters: JSON.stringify({ reference: [`cmc/roundtrip:${platform}*`] }) })
  for (const i of left)
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => {})
  rmSync(work, { recursive: true, force: true })
  if (repo) rmSync(repo, { recursive: true, force: true })
})

describe('cmc export, then cmc import into a fresh CMC_HOME', () => {
  let built: Built
  let baseId: string | undefined
  let exportWarnings: string[] | undefined
  let importWarnings: string[] | undefined

  beforeAll(async () => {
    const build = await cli(['build', 'roundtrip', '--repo', repo, '--platform', platform, '--json'], { env: env(exportHome) })
    expect(build.code, build.stderr).toBe(0)
    built = (JSON.parse(build.stdout) as Built[])[0]
    expect(built.ref).toMatch(new RegExp(`^cmc/roundtrip:${platform}-[0-9a-f]{12}$`))
    baseId = await idOf(base)
    const exported = await cli(['export', 'roundtrip', '--repo', repo, '--platform', platform, '-o', file, '--json'], { env: env(exportHome) })
    expect(exported.code, exported.stderr).toBe(0)
    exportWarnings = (JSON.parse(exported.stdout) as { warnings?: string[] }).warnings
    // the engine forgets the image, every tag of it, and the base's name
    expect((await tagsOf(built.id)).sort()).toEqual([built.latest, built.ref].sort())
    await docker.getImage(built.id).remove({ force: true })
    await docker.getImage(base).remove()
    expect(await idOf(built.ref)).toBeUndefined()
    expect(await idOf(base)).toBeUndefined()
    const imported = await cli(['import', file, '--meta-dir', metaDir, '--json'], { env: env(importHome) })
    expect(imported.code, imported.stderr).toBe(0)
    importWarnings = (JSON.parse(imported.stdout) as { warnings?: string[] }).warnings
  })

  it('restores every tag the image had, its content tag too, and its base', async () => {
    expect(await idOf(built.ref)).toBe(built.id)
    expect(await idOf(built.latest)).toBe(built.id)
    expect(await idOf(base)).toBe(baseId)
    // the meta exported is the image's, and its base was there to go with it
    expect(exportWarnings).toEqual([])
  })

  it("writes the benchmark's repo as the build used it, which cmc find lists", async () => {
    expect(existsSync(path.join(metaDir, 'cmc-repo.yaml'))).toBe(true)
    expect(existsSync(path.join(metaDir, 'roundtrip/bench.sh'))).toBe(true)
    expect(existsSync(path.join(metaDir, 'roundtrip/data/input.txt'))).toBe(true)
    expect(existsSync(path.join(metaDir, 'roundtrip-img/README.md'))).toBe(true)
    expect(existsSync(path.join(metaDir, 'roundtrip/notes.md'))).toBe(false)
    const found = await cli(['find', '--repo', metaDir, '--json'], { env: env(importHome) })
    expect(found.code, found.stderr).toBe(0)
    const artifacts = (JSON.parse(found.stdout) as Array<{ kind: string; alias: string; repo: string }>).filter((a) => a.repo === 'build-fixture')
    expect(artifacts.map((a) => `${a.kind}:${a.alias}`).sort()).toEqual(['benchmark:roundtrip', 'image:roundtrip-img', `platform:${platform}`])
    // the import resolved that repo itself and found the image's plan, files and base
    expect(importWarnings).toEqual([])
  })

  it('runs the imported image from that repo without building', async () => {
    const run = await cli(['run', 'roundtrip', '--repo', metaDir, '--platform', platform, '--json'], { env: env(importHome) })
    expect(run.code, run.stderr).toBe(0)
    const seen = events(run.stderr)
    expect(seen.filter((e) => e.type === 'step')).toEqual([])
    expect(seen.filter((e) => e.type === 'phase' && e.name.startsWith('build '))).toEqual([])
    const [record] = JSON.parse(run.stdout) as ExperimentRecord[]
    expect(record.image.id).toBe(built.id)
    expect(record.image.planHash).toBe(built.planHash)
    expect(record.metrics.lines).toMatchObject({ median: 3 })
  })
})

/** A bundle file of these entries (a symlink where a link is given); no image: the meta comes first and is refused before. */
async function craftedBundle(name: string, entries: Array<{ name: string; text?: string; link?: string }>): Promise<string> {
  const out = path.join(work, name)
  const p = pack()
  const written = pipeline(p, createWriteStream(out))
  const bundle = { format: 2, refs: ['cmc-test/crafted:x'], id: 'sha256:0', labels: {}, repos: [{ name: 'crafted' }], meta: entries.map((e) => e.name) }
  p.entry({ name: 'cmc-bundle.json' }, JSON.stringify(bundle))
  for (const e of entries) p.entry(e.link === undefined ? { name: e.name } : { name: e.name, type: 'symlink', linkname: e.link }, e.text ?? '')
  p.finalize()
  await written
  return out
}

describe('cmc import --meta-dir of a crafted bundle', () => {
  // a folder that exists, so that a write through a planted link would land in it
  const outside = path.join(work, 'outside')
  let n = 0
  beforeAll(() => mkdirSync(outside, { recursive: true }))

  it.each([
    ['a name with ..', [{ name: 'meta/crafted/a/../../outside/planted', text: 'x' }]],
    [
      'a file through a link an earlier entry made',
      [
        { name: 'meta/crafted/a/cmc.yaml', text: 'kind: component\nalias: a\n' },
        { name: 'meta/crafted/a/out', link: outside },
        { name: 'meta/crafted/a/out/planted', text: 'x' },
      ],
    ],
  ])(
    'refuses %s and writes nothing outside the folder',
    async (_what, entries) => {
      const dir = path.join(work, `crafted-${++n}`)
      const file = await craftedBundle(`crafted-${n}.tar`, entries)
      const err = await importBundle(file, { metaDir: dir }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CmcError)
      expect((err as CmcError).code).toBe('BUNDLE_INVALID')
      expect((err as CmcError).message).toMatch(/would be written outside its folder/)
      expect(readdirSync(outside)).toEqual([])
    },
    60_000,
  )
})
