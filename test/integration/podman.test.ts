// cmc through Podman's Docker-compatible socket, as a user would point it
// there (DOCKER_HOST): the default builder falls back to the classic builder
// (Podman has no BuildKit endpoint), records name the engine Podman and carry
// the image id rather than a digest of a registry nothing went to, and a
// container Podman cannot start is a user's error, not a crash. Fails (never
// skips) when no podman service answers: `sudo bash scripts/setup-podman.sh`.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const socket = '/run/cmc-podman/podman.sock'
const podman = new Docker({ socketPath: socket })
const home = tmpDir('cmc-home-')
const storeDir = tmpDir('cmc-podman-store-')
const env = { DOCKER_HOST: `unix://${socket}`, CMC_HOME: home, CMC_STORE: storeDir }
const examples = path.join(repoRoot, 'examples')
// the run fixtures and one benchmark whose working directory is a file: its
// image builds on podman (Buildah's WORKDIR leaves the file be), no engine starts it;
// and one whose build step fails
const repo = tmpDir('cmc-podman-repo-')

const leftovers = async (label: string) => (await podman.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) })).length

/** Whether podman answers there; every test waits on it, so that without podman each one fails (none is skipped). */
let answering: Promise<void>
/** cmc through the podman socket. */
async function cmc(args: string[]) {
  await answering
  return cli(args, { env })
}

beforeAll(() => {
  answering = podman.version().then(
    (version) => {
      const names = version.Components.map((c) => c.Name).join(', ')
      if (!/Podman/.test(names)) throw new Error(`${socket} is not podman's socket (its components: ${names})`)
    },
    (e: Error) => {
      throw new Error(`no podman service answers at ${socket} (${e.message}); start one: sudo bash scripts/setup-podman.sh`)
    },
  )
  answering.catch(() => {}) // reported by the tests
  cpSync(path.join(repoRoot, 'test/fixtures/run-repo'), repo, { recursive: true })
  mkdirSync(path.join(repo, 'cannot-start'))
  writeFileSync(
    path.join(repo, 'cannot-start', 'cmc.yaml'),
    [
      'kind: benchmark',
      'alias: cannot-start',
      'description: its working directory is a file',
      'image: tiny-sh',
      'workdir: /etc/passwd',
      'command: echo never',
      'outputs: { dir: /cmc/out }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
  )
  mkdirSync(path.join(repo, 'broken-build'))
  writeFileSync(
    path.join(repo, 'broken-build', 'cmc.yaml'),
    [
      'kind: benchmark',
      'alias: broken-build',
      'description: its build step fails',
      'image: tiny-sh',
      'build:',
      '  run: echo compiling; echo out of widgets >&2; exit 7',
      '  artifacts: [widget]',
      'command: ./widget',
      'outputs: { dir: /cmc/out }',
      '',
    ].join('\n'),
  )
})
afterAll(() => {
  for (const dir of [home, storeDir, repo]) rmSync(dir, { recursive: true, force: true })
})

describe('cmc on podman', () => {
  it('cmc build of the stream example with the default builder: the classic builder, as Podman has no BuildKit', async () => {
    const r = await cmc(['build', 'stream', '--repo', examples, '--platform', 'x86_64', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const [built] = JSON.parse(r.stdout) as Array<{ ref: string; builder: string; id: string }>
    expect(built.builder).toBe('classic')
    expect(built.ref).toMatch(/^cmc\/stream:x86_64-[0-9a-f]{12}$/)
    expect((await podman.getImage(built.ref).inspect()).Id).toBe(built.id)
  })

  it("a build that reaches podman (--no-cache) goes through with the default builder, its steps read from Buildah's output", async () => {
    const r = await cmc(['build', 'tiny-sh', '--repo', repo, '--platform', 'x86_64', '--no-cache', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const [built] = JSON.parse(r.stdout) as Array<{ builder: string; cached: boolean; steps: Array<{ name: string }> }>
    expect(built).toMatchObject({ builder: 'classic', cached: false })
    expect(built.steps.map((s) => s.name)).toContain('[1/5] FROM cmc/base-debian:bookworm-amd64 AS runtime')
  })

  it("a failed step on podman names the step (from Buildah's multi-stage output) with its log, exit 4", async () => {
    const r = await cmc(['build', 'broken-build', '--repo', repo, '--platform', 'x86_64'])
    expect(r.code, r.stderr).toBe(4)
    expect(r.stderr).toContain('error[BUILD_FAILED]: build step failed: [stage 1/2, 6/6] RUN echo compiling; echo out of widgets >&2; exit 7')
    expect(r.stderr).toMatch(/^ {2}out of widgets$/m)
    expect(r.stderr).toContain('exit status 7')
    expect(r.stderr).not.toMatch(/^\s+at /m)
  })

  it('--builder buildkit on podman: a usage error saying the engine has no BuildKit, no stack trace', async () => {
    const r = await cmc(['build', 'tiny-sh', '--repo', repo, '--platform', 'x86_64', '--builder', 'buildkit'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error[NO_BUILDKIT]')
    expect(r.stderr).toMatch(/hint: .*--builder classic/)
    expect(r.stderr).not.toMatch(/^\s+at /m)
  })

  it('cmc run of stream: the record names the engine Podman and keeps the image id, not a docker.io digest', async () => {
    const r = await cmc([
      'run',
      'stream',
      '--repo',
      examples,
      '--platform',
      'x86_64',
      '--set',
      'size=100000',
      '--set',
      'iters=2',
      '--set',
      'threads=1',
      '--repeat',
      '1',
      '--warmup',
      '0',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
    expect(rec.status).toBe('ok')
    expect(rec.metrics.triad_gbs?.median).toBeGreaterThan(0)
    // the record type has no name yet; the fingerprint writes it
    expect((rec.host.docker as { name?: string }).name).toBe('Podman')
    expect(rec.host.docker.version).toMatch(/^\d+\.\d+/)
    expect(rec.image.digest).not.toMatch(/^docker\.io\//)
    expect(rec.image.digest).toBe(rec.image.id)
    expect(rec.image.id).toBe((await podman.getImage(rec.image.ref).inspect()).Id)
    expect(await leftovers(`cmc.run=${rec.id}`)).toBe(0)
  })

  it("a container podman cannot start: CONTAINER_START_FAILED (exit 5) with podman's message and a hint, nothing recorded or left", async () => {
    const before = readdirSync(storeDir, { recursive: true }).filter((f) => String(f).endsWith('record.json')).length
    const r = await cmc(['run', 'cannot-start', '--repo', repo, '--platform', 'x86_64'])
    expect(r.code, r.stderr).toBe(5)
    expect(r.stderr).toContain('error[CONTAINER_START_FAILED]: the container did not start')
    expect(r.stderr).toContain('not a directory') // podman's own words
    expect(r.stderr).not.toContain('(HTTP code')
    expect(r.stderr).toMatch(/^hint: /m)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    expect(r.stderr).not.toContain('Node.js v')
    expect(readdirSync(storeDir, { recursive: true }).filter((f) => String(f).endsWith('record.json')).length).toBe(before)
    expect(await leftovers('cmc.benchmark=cannot-start')).toBe(0)
  })
})
