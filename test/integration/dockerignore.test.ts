// A source folder's .dockerignore against the real engine: what a `[ab]`
// class matches never reaches the image, what it does not match does.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listContextFiles } from '../../src/engine/context.js'
import { pingEngine } from '../../src/engine/docker.js'
import { engineBuild } from '../../src/engine/build.js'
import { cleanupLabel, docker } from '../helpers/engine.js'
import { tmpDir, writeTree } from '../helpers/tmp.js'

const LABEL = 'dockerignore'
const tag = `cmc-test/dockerignore:${process.pid}`
const src = writeTree(tmpDir('cmc-dockerignore-'), {
  '.dockerignore': '# runs a and b are scratch\nrun-[ab].log\ndata\n!data/keep.txt\n',
  'run-a.log': 'a',
  'run-b.log': 'b',
  'run-c.log': 'c',
  'main.c': 'int main(void) { return 0; }\n',
  'data/keep.txt': 'keep',
  'data/big.bin': 'big',
})

beforeAll(async () => {
  await pingEngine() // fails (never skips) without an engine
})
afterAll(async () => {
  await cleanupLabel(LABEL)
  await docker
    .getImage(tag)
    .remove({ force: true })
    .catch(() => {})
  rmSync(src, { recursive: true, force: true })
})

describe('.dockerignore in a real build', () => {
  it('leaves out what [ab] matches and keeps what it does not, and the .dockerignore itself stays out', async () => {
    await engineBuild({
      // the base is made locally by `cmc base bootstrap`, so no registry is asked
      dockerfile: 'FROM cmc/base-debian:bookworm-amd64\nCOPY bench /bench\n',
      files: listContextFiles([{ src, dest: 'bench' }]),
      tag,
      platform: 'linux/amd64',
      builder: 'buildkit',
      labels: { 'cmc.test': LABEL },
    })
    const inImage = execFileSync('docker', ['run', '--rm', '--label', `cmc.test=${LABEL}`, tag, 'find', '/bench', '-type', 'f']).toString()
    expect(inImage.trim().split('\n').sort()).toEqual(['/bench/data/keep.txt', '/bench/main.c', '/bench/run-c.log'])
  })
})
