// `cmc gc --images` untags builds a later build superseded, keeps the current
// one and those a record ran; `--tag a,b` is two tags; the CSV export has a
// tags column; an export to a missing folder is a user error.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli, docker } from '../helpers/engine.js'
import { tmpDir, writeTree } from '../helpers/tmp.js'

const work = tmpDir('cmc-gc-images-')
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store') }
// an alias no other test builds, so that pruning it touches nothing else
const alias = `gc-probe-${process.pid}`
const repo = writeTree(path.join(work, 'repo'), {
  'cmc-repo.yaml': 'name: gc-probe\n',
  'img/cmc.yaml': `kind: image\nalias: ${alias}-img\nplatforms: [x86_64]\ncomponents:\n  - tags: os,debian\n`,
  'bench/cmc.yaml': `kind: benchmark\nalias: ${alias}\nimage: ${alias}-img\nfiles: [data.txt]\ncommand: 'echo "{\\"n\\": $(wc -c < data.txt)}" > /cmc/out/m.json'\noutputs:\n  metrics: { file: m.json, format: json }\n`,
  'bench/data.txt': 'one\n',
})

const tagsOf = (id: string) => (JSON.parse(execFileSync('docker', ['image', 'inspect', id], { encoding: 'utf8' }))[0].RepoTags as string[]).sort()
const exists = (ref: string) =>
  docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    )

async function runWith(data: string, args: string[] = []): Promise<ExperimentRecord> {
  writeFileSync(path.join(repo, 'bench/data.txt'), data)
  const r = await cli(['run', alias, '--repo', repo, '--platform', 'x86_64', '--json', ...args], { env })
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as ExperimentRecord[])[0]
}

async function build(data: string): Promise<{ id: string; ref: string }> {
  writeFileSync(path.join(repo, 'bench/data.txt'), data)
  const r = await cli(['build', alias, '--repo', repo, '--platform', 'x86_64', '--json'], { env })
  expect(r.code, r.stderr).toBe(0)
  const built = JSON.parse(r.stdout) as { id: string; ref: string } | Array<{ id: string; ref: string }>
  return Array.isArray(built) ? built[0] : built
}

beforeAll(() => pingEngine())
afterAll(async () => {
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`cmc/${alias}*`] }) })
  for (const i of images)
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => {})
  rmSync(work, { recursive: true, force: true })
})

describe('cmc gc --images', () => {
  it('removes superseded builds, keeps the current one and the ones records ran', async () => {
    const recorded = await runWith('recorded\n', ['--tag', 'first,probe'])
    const superseded = await build('superseded build\n')
    const current = await build('current build\n')
    expect(new Set([recorded.image.id, superseded.id, current.id]).size).toBe(3)

    const dry = await cli(['gc', '--images', '--image', alias, '--dry-run', '--json'], { env })
    expect(dry.code, dry.stderr).toBe(0)
    const planned = JSON.parse(dry.stdout) as Array<{ kind: string; what: string; action: string; why: string }>
    const images = planned.filter((i) => i.kind === 'image')
    expect(images.find((i) => i.what === superseded.ref)?.action).toBe('would remove')
    expect(images.find((i) => i.what === recorded.image.ref)).toMatchObject({ action: 'kept', why: expect.stringContaining('record') })
    expect(images.some((i) => i.what === current.ref)).toBe(false)
    expect(await exists(superseded.ref)).toBe(true)

    const gc = await cli(['gc', '--images', '--image', alias, '--json'], { env })
    expect(gc.code, gc.stderr).toBe(0)
    expect(await exists(superseded.ref)).toBe(false)
    expect(await exists(superseded.id)).toBe(false)
    expect(await exists(recorded.image.id)).toBe(true)
    expect(tagsOf(current.id)).toEqual([current.ref, `cmc/${alias}:x86_64`].sort())
  })

  it('refuses --image without --images', async () => {
    const r = await cli(['gc', '--image', alias], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--images')
  })
})

describe('tags and exports', () => {
  it('takes --tag a,b as two tags, refuses an empty one, and exports them in a CSV column', async () => {
    const listed = await cli(['exp', 'list', '--where', 'tags = probe', '--json'], { env })
    expect(listed.code, listed.stderr).toBe(0)
    const [rec] = JSON.parse(listed.stdout) as Array<{ id: string; tags: string[] }>
    expect(rec.tags).toEqual(['first', 'probe'])

    const empty = await cli(['run', alias, '--repo', repo, '--platform', 'x86_64', '--tag', 'a,,b'], { env })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('a tag is empty')

    const csv = path.join(work, 'runs.csv')
    const ex = await cli(['exp', 'export', '--where', 'tags = probe', '-o', csv], { env })
    expect(ex.code, ex.stderr).toBe(0)
    const [head, line] = readFileSync(csv, 'utf8').trim().split('\n')
    const col = head.split(',').indexOf('tags')
    expect(col).toBeGreaterThan(0)
    expect(line.split(',')[col]).toBe('first;probe')
  })

  it('says a missing output folder is the problem, for every export format', async () => {
    for (const file of ['runs.csv', 'runs.jsonl', 'runs.tar.gz']) {
      const r = await cli(['exp', 'export', '-o', path.join(work, 'no/such/dir', file)], { env })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('OUTPUT_UNWRITABLE')
      expect(r.stderr).toContain('does not exist')
    }
  })
})
