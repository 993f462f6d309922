// `cmc repo add` of a copy of a registered repository under another name: its
// artifacts' uids clash, and the user is told which and what to do. A name that
// is not a word (one `cmc repo remove NAME` could not be typed plainly) is refused.
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

  it('refuses a repo name that is not a word, naming the file, line and key, and registers nothing', () => {
    const dir = writeTree(tmpDir('repo-bad-name-'), { 'cmc-repo.yaml': 'description: x\nname: Bad Name!\n', 'tool/cmc.yaml': 'kind: component\nalias: tool\n' })
    made.push(dir)
    const r = cmc('repo', 'add', dir)
    expect(r.status).toBe(2)
    const text = r.stderr.replace(/\s*›\s*/g, ' ')
    expect(text).toContain(`error[META_INVALID]: ${path.join(dir, 'cmc-repo.yaml')}:2:7: name must match`)
    expect(text).toMatch(/hint: name: letters, digits and/)
    expect(text).not.toMatch(/^\s+at /m)
    expect(cmc('repo', 'list').stdout).not.toContain('Bad Name')
    for (const ok of ['my-benchmarks', 'mlcommons@mlperf-automations', 'team.v2_x']) {
      const good = writeTree(tmpDir('repo-good-name-'), { 'cmc-repo.yaml': `name: ${ok}\n` })
      made.push(good)
      expect(cmc('repo', 'add', good).status, ok).toBe(0)
    }
  })
})
