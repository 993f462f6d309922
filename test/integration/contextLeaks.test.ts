// Nothing of the builder's machine outside an artifact's folder reaches an
// image, against the real engine: a listed link to a host file and a linked
// folder pointing outside arrive as links, and the secret they point to is in
// no layer of the saved image; a `..` path in `files:` is a meta error before
// any build request.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { extract } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../src/errors.js'
import { collector } from '../../src/events.js'
import { pingEngine } from '../../src/engine/docker.js'
import { buildImage } from '../../src/pipeline/buildImage.js'
import { copyRepo, docker } from '../helpers/engine.js'
import { repoRoot, tmpDir, useTmpHome, writeTree } from '../helpers/tmp.js'

const LABEL = 'contextLeaks'
const SECRET = `cmc-host-secret-${randomUUID()}`
const VISIBLE = `cmc-visible-${randomUUID()}`
const suffix = process.pid
const home = useTmpHome()
const made: string[] = []
// outside every repo: a private key and a folder of them
const host = writeTree(tmpDir('cmc-host-'), { id_ed25519: `${SECRET}\n`, 'keys/deploy': `${SECRET}\n` })
let repo: string

beforeAll(async () => {
  await pingEngine() // fails (never skips) without an engine
  // the `bare` image builds on the local debian:bookworm alone: nothing is pulled
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/build-repo'))
  writeTree(repo, {
    // files: lists a link to a host file, a linked folder pointing outside, and a link within the folder
    'leak-listed/cmc.yaml': `kind: benchmark\nalias: leak-listed-${suffix}\nimage: bare\nfiles: [run.sh, notes.txt, keys, start.sh]\ncommand: sh run.sh\n`,
    'leak-listed/run.sh': `echo ${VISIBLE}\n`,
    // no files: the whole folder goes to the build stage, where a build step reads through the link
    'leak-walked/cmc.yaml': [
      'kind: benchmark',
      `alias: leak-walked-${suffix}`,
      'image: bare',
      'build:',
      '  run: (cat keys/deploy 2>/dev/null || echo dangling) > seen.txt',
      '  artifacts: [seen.txt]',
      'command: cat seen.txt',
      '',
    ].join('\n'),
    'leak-dotdot/cmc.yaml': `kind: benchmark\nalias: leak-dotdot-${suffix}\nimage: bare\nfiles:\n  - run.sh\n  - ../../../../etc/hostname\ncommand: sh run.sh\n`,
    'leak-dotdot/run.sh': 'cat hostname\n',
  })
  symlinkSync(path.join(host, 'id_ed25519'), path.join(repo, 'leak-listed/notes.txt'))
  symlinkSync(path.join(host, 'keys'), path.join(repo, 'leak-listed/keys'))
  symlinkSync('run.sh', path.join(repo, 'leak-listed/start.sh'))
  symlinkSync(path.join(host, 'keys'), path.join(repo, 'leak-walked/keys'))
})

afterAll(async () => {
  const cs = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`cmc.test=${LABEL}`] }) })
  for (const c of cs)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {})
  // every tag of the three benchmarks, a build that should not have happened included
  const images = await docker.listImages({ filters: JSON.stringify({ reference: ['listed', 'walked', 'dotdot'].map((k) => `cmc/leak-${k}-${suffix}`) }) })
  for (const ref of [...made, ...images.flatMap((i) => i.RepoTags ?? [])])
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => {})
  home.cleanup()
  rmSync(repo, { recursive: true, force: true })
  rmSync(host, { recursive: true, force: true })
})

const inImage = (ref: string, cmd: string) => execFileSync('docker', ['run', '--rm', '--label', `cmc.test=${LABEL}`, ref, 'sh', '-c', cmd]).toString()

/** Every layer of the image as `docker save` (the Engine API) writes it, uncompressed. */
async function savedLayers(ref: string): Promise<Buffer[]> {
  const entries = new Map<string, Buffer>()
  const ex = extract()
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks))
      next()
    })
  })
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve)
    ex.on('error', reject)
  })
  ;(await docker.getImage(ref).get()).pipe(ex)
  await done
  // manifest.json names the layers, in the classic layout (<id>/layer.tar) and the OCI one (blobs/sha256/<digest>)
  const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as Array<{ Layers: string[] }>
  return manifest[0].Layers.map((l) => {
    const b = entries.get(l)!
    return b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b
  })
}

describe('nothing outside the artifact folder reaches the image', () => {
  it.each(['buildkit', 'classic'] as const)(
    'a listed link to a host file and a listed linked folder arrive as links; the secret is in no layer (%s)',
    async (builder) => {
      const b = await buildImage({ target: `leak-listed-${suffix}`, platform: 'x86_64', extraRepos: [repo], builder })
      made.push(b.ref, b.latest)
      const layers = await savedLayers(b.ref)
      expect(layers.length).toBeGreaterThan(0)
      // the scan sees the benchmark's own files (so it would see the secret too)
      expect(layers.some((l) => l.includes(VISIBLE))).toBe(true)
      expect(layers.filter((l) => l.includes(SECRET)).length).toBe(0)
      // in the image: links with their targets as written, dangling outside the folder, working within it
      expect(inImage(b.ref, 'readlink notes.txt; readlink keys; cat notes.txt keys/deploy 2>/dev/null || echo dangling; sh start.sh').split('\n')).toEqual([
        path.join(host, 'id_ed25519'),
        path.join(host, 'keys'),
        'dangling',
        VISIBLE,
        '',
      ])
    },
  )

  it('a linked folder met in the artifact folder goes to the build stage as a link: a build step cannot read through it', async () => {
    const b = await buildImage({ target: `leak-walked-${suffix}`, platform: 'x86_64', extraRepos: [repo] })
    made.push(b.ref, b.latest)
    const layers = await savedLayers(b.ref)
    expect(layers.length).toBeGreaterThan(0)
    expect(layers.filter((l) => l.includes(SECRET)).length).toBe(0)
    expect(inImage(b.ref, 'cat seen.txt')).toBe('dangling\n')
  })

  it('a .. path in files: is a meta error at its line before any build request', async () => {
    const { events, sink } = collector()
    let err: unknown
    try {
      await buildImage({ target: `leak-dotdot-${suffix}`, platform: 'x86_64', extraRepos: [repo], events: sink })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CmcError)
    expect((err as CmcError).code).toBe('META_INVALID')
    expect((err as CmcError).message).toContain('../../../../etc/hostname')
    expect((err as CmcError).where).toMatchObject({ file: path.join(repo, 'leak-dotdot/cmc.yaml'), line: 6, col: 5 })
    expect(events.some((e) => e.type === 'phase' && e.name.startsWith('build '))).toBe(false)
    expect(
      execFileSync('docker', ['images', '-q', `cmc/leak-dotdot-${suffix}`])
        .toString()
        .trim(),
    ).toBe('')
  })
})
