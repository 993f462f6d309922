// Declared secrets stay secret: a value given in the benchmark's env:, on the
// command line, in an --env-from file or in the environment reaches the running
// container (it prints the value reversed, which proves it), and never a
// Dockerfile, a plan, an image layer or its config, a record, a stored log, an
// image bundle or a records export.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { openStore } from '../../src/store/store.js'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const repo = path.join(repoRoot, 'test/fixtures/secret-repo')
const work = tmpDir('cmc-secrets-')
const storeDir = path.join(work, 'store')
// HF_TOKEN unset, so that only the sources a test gives supply it
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: storeDir, HF_TOKEN: undefined }
const IN_META = 'hf_fromTheMetaFile42'
const reversed = (s: string) => [...s].reverse().join('')

async function run(args: string[], extra: Record<string, string | undefined> = {}) {
  const r = await cli(['run', 'hf-secret', '--repo', repo, '--platform', 'x86_64', '--json', ...args], { env: { ...env, ...extra } })
  expect(r.code, r.stderr).toBe(0)
  const [rec] = JSON.parse(r.stdout) as ExperimentRecord[]
  const dir = (await openStore({ path: storeDir })).recordDir(rec.id)
  return { rec, stderr: r.stderr, stdout: readFileSync(path.join(dir, 'stdout.log'), 'utf8'), stderrLog: readFileSync(path.join(dir, 'stderr.log'), 'utf8') }
}

beforeAll(() => pingEngine())
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('declared secrets', () => {
  it('are in no Dockerfile and shown redacted by cmc plan', async () => {
    const dockerfile = await cli(['dockerfile', 'hf-secret', '--repo', repo, '--platform', 'x86_64'], { env })
    expect(dockerfile.code, dockerfile.stderr).toBe(0)
    expect(dockerfile.stdout).toContain('PLAIN')
    expect(dockerfile.stdout).not.toContain('HF_TOKEN')
    expect(dockerfile.stdout).not.toContain(IN_META)

    const plan = await cli(['plan', 'hf-secret', '--repo', repo, '--platform', 'x86_64', '--env', 'HF_TOKEN=hf_onTheCommandLine9'], { env })
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain('HF_TOKEN=***')
    expect(plan.stdout).toMatch(/secrets: HF_TOKEN/)
    const json = await cli(['plan', 'hf-secret', '--repo', repo, '--platform', 'x86_64', '--env', 'HF_TOKEN=hf_onTheCommandLine9', '--json'], { env })
    for (const out of [plan.stdout, json.stdout]) {
      expect(out).not.toContain(IN_META)
      expect(out).not.toContain('hf_onTheCommandLine9')
    }
  })

  it("reach the container from the meta's env, redacted in the record and the logs, and in no layer", async () => {
    const { rec, stderr, stdout, stderrLog } = await run([])
    expect(stderrLog).toContain(`reversed=${reversed(IN_META)}`)
    expect(stdout).toContain('token=***')
    expect(stdout + stderrLog).not.toContain(IN_META)
    expect(rec.env.HF_TOKEN).toBe('***')
    expect(rec.env.PLAIN).toBe('visible')
    expect(JSON.stringify(rec)).not.toContain(IN_META)
    // the value's file and line, since it lives in the repository
    expect(stderr).toMatch(/secret HF_TOKEN takes its value from .*hf\/cmc\.yaml:8/)

    // every layer, the config (env, labels, history) and the manifest of the image it ran
    const saved = execFileSync('docker', ['save', rec.image.id], { maxBuffer: 1 << 30 })
    expect(saved.length).toBeGreaterThan(1 << 20)
    expect(saved.includes(Buffer.from(IN_META))).toBe(false)

    const exported = path.join(work, 'records.tar.gz')
    const ex = await cli(['exp', 'export', '-o', exported], { env })
    expect(ex.code, ex.stderr).toBe(0)
    const tar = gunzipSync(readFileSync(exported))
    expect(tar.includes(Buffer.from('token=***'))).toBe(true)
    expect(tar.includes(Buffer.from(IN_META))).toBe(false)

    const bundle = path.join(work, 'image.cmc.tar')
    const b = await cli(['export', 'hf-secret', '-o', bundle, '--repo', repo, '--platform', 'x86_64'], { env })
    expect(b.code, b.stderr).toBe(0)
    expect(readFileSync(bundle).includes(Buffer.from(IN_META))).toBe(false)
  })

  it('take --env over --env-from over the environment over the meta, and stay out of the logs', async () => {
    const file = path.join(work, 'secrets.env')
    writeFileSync(file, '# the token for the model hub\nHF_TOKEN=hf_fromAnEnvFile77\n\nUNRELATED=1\n')
    const fromFile = await run(['--env-from', file], { HF_TOKEN: 'hf_fromTheEnvironment5' })
    expect(fromFile.stderrLog).toContain(`reversed=${reversed('hf_fromAnEnvFile77')}`)
    expect(fromFile.stdout).not.toContain('hf_fromAnEnvFile77')

    const fromEnvironment = await run([], { HF_TOKEN: 'hf_fromTheEnvironment5' })
    expect(fromEnvironment.stderrLog).toContain(`reversed=${reversed('hf_fromTheEnvironment5')}`)
    expect(fromEnvironment.stdout).toContain('token=***')
    expect(fromEnvironment.stderr).not.toMatch(/takes its value from/)

    const fromFlag = await run(['--env-from', file, '--env', 'HF_TOKEN=hf_onTheCommandLine9'])
    expect(fromFlag.stderrLog).toContain(`reversed=${reversed('hf_onTheCommandLine9')}`)
    expect(fromFlag.stdout + fromFlag.stderrLog).not.toContain('hf_onTheCommandLine9')
    // all three ran the one image: a secret is no part of it
    expect(new Set([fromFile, fromEnvironment, fromFlag].map((r) => r.rec.image.id)).size).toBe(1)
  })

  it('refuses an --env-from file that is missing, naming it', async () => {
    const r = await cli(['run', 'hf-secret', '--repo', repo, '--platform', 'x86_64', '--env-from', path.join(work, 'nope.env')], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--env-from')
    expect(r.stderr).toContain('no such file')
  })
})
