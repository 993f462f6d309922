// One image identity: runs of the same image before and after it travelled
// through a registry (Debian's docker-registry on 127.0.0.1) record the same
// image id, so compare, reproduce and `digest = ...` queries treat them as one
// image; the registry digest is kept beside it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { cli, docker } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const PORT = 5057
const repo = path.join(repoRoot, 'test/fixtures/run-repo')
const work = tmpDir('cmc-identity-')
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store') }
let registry: ChildProcess | undefined

async function waitForRegistry(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const up = await fetch(`http://127.0.0.1:${PORT}/v2/`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error("docker-registry did not start (is Debian's docker-registry installed? scripts/setup-engine.sh installs it)")
}

async function runOnce(): Promise<ExperimentRecord> {
  const r = await cli(['run', 'echo-metrics', '--set', 'n=3', '--repo', repo, '--platform', 'x86_64', '--json'], { env })
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as ExperimentRecord[])[0]
}

beforeAll(async () => {
  await pingEngine()
  mkdirSync(path.join(work, 'data'), { recursive: true })
  const cfg = path.join(work, 'registry.yml')
  writeFileSync(cfg, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(work, 'data')}\nhttp:\n  addr: 127.0.0.1:${PORT}\n`)
  registry = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' })
  await waitForRegistry()
})

afterAll(async () => {
  registry?.kill()
  // the tags push and pull made; the image itself stays, as the fixture's other tests share it
  const tagged = await docker.listImages({ filters: JSON.stringify({ reference: [`127.0.0.1:${PORT}/cmc/*`] }) })
  for (const tag of tagged.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`127.0.0.1:${PORT}/`)))
    await docker
      .getImage(tag)
      .remove()
      .catch(() => {})
  rmSync(work, { recursive: true, force: true })
})

describe('one image identity', () => {
  it('runs before and after a push and pull are one image to compare, reproduce and queries', async () => {
    const before = await runOnce()
    expect(before.image.digest).toBe(before.image.id)
    expect(before.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)

    const pushed = await cli(['push', 'echo-metrics', '--to', `127.0.0.1:${PORT}`, '--platform', 'x86_64'], { env })
    expect(pushed.code, pushed.stderr).toBe(0)
    const pulled = await cli(['pull', `127.0.0.1:${PORT}/cmc/echo-metrics:x86_64`], { env })
    expect(pulled.code, pulled.stderr).toBe(0)

    const after = await runOnce()
    expect(after.image.id).toBe(before.image.id)
    expect(after.image.digest).toBe(before.image.digest)
    // the registry digest is kept, beside the identity
    const here = after.image.repoDigests?.find((d) => d.startsWith(`127.0.0.1:${PORT}/`))
    expect(here).toMatch(new RegExp(`^127\\.0\\.0\\.1:${PORT}/cmc/echo-metrics@sha256:[0-9a-f]{64}$`))

    const compared = await cli(['exp', 'compare', before.id, after.id, '--json'], { env })
    expect(compared.code, compared.stderr).toBe(0)
    expect(JSON.parse(compared.stdout).a.digests).toEqual(JSON.parse(compared.stdout).b.digests)

    const listed = await cli(['exp', 'list', '--where', `digest = ${before.image.digest}`, '--json'], { env })
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((r) => r.id).sort()).toEqual([before.id, after.id].sort())

    const reproduced = await cli(['exp', 'reproduce', after.id, '--repo', repo, '--json'], { env })
    expect(reproduced.code, reproduced.stderr).toBe(0)
    expect(JSON.parse(reproduced.stdout).original).toBe(after.id)

    const shown = await cli(['exp', 'show', after.id], { env })
    expect(shown.stdout).toContain(`id ${before.image.id}`)
    expect(shown.stdout).toContain(here)
  })
})
