// `cmc repo add` of a copy of a registered repository under another name: its
// artifacts' uids clash, and the user is told which and what to do.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot, tmpDir, writeTree } from '../../helpers/tmp.js'

const home = tmpDir('cmc-home-')
const made: string[] = [home]
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

function repo(name: string, uid: string): string {
  const dir = writeTree(tmpDir(`repo-${name}-`), {
    'cmc-repo.yaml': `name: ${name}\n`,
    'tool/cmc.yaml': `kind: component\nalias: tool\nuid: ${uid}\ntags: [tool]\n`,
  })
  made.push(dir)
  return dir
}

const cmc = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { env: { ...process.env, CMC_HOME: home }, encoding: 'utf8' })

describe('cmc repo add', () => {
  it("warns when the new repo's artifact uids are already used by another repo, naming both", () => {
    expect(cmc('repo', 'add', repo('first', 'aaaa000000000001')).status).toBe(0)
    const quiet = cmc('repo', 'add', repo('other', 'bbbb000000000001'))
    expect(quiet.status).toBe(0)
    expect(quiet.stderr).not.toMatch(/uids/)
    const copy = cmc('repo', 'add', repo('renamed-copy', 'aaaa000000000001'))
    expect(copy.status).toBe(0)
    const text = copy.stderr.replace(/\s*›\s*/g, ' ')
    expect(text).toMatch(/1 of renamed-copy's artifacts have uids that repo first already uses \(tool aaaa000000000001\)/)
    expect(text).toMatch(/cmc repo remove first/)
    const json = cmc('repo', 'add', repo('second-copy', 'aaaa000000000001'), '--json')
    expect(json.status).toBe(0)
    expect(JSON.parse(json.stdout).uidClashes).toEqual(['aaaa000000000001'])
  })
})
