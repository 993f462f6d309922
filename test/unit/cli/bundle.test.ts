// The built CLI runs from its bundles (scripts/bundle.mjs): a process loads the
// bundle of the command it runs and nothing else of cmc's, whether the fast path
// or oclif runs it, so it holds one copy of each module.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')
const bin = path.join(root, 'bin/run.js')
const register = path.join(root, 'test/fixtures/load-log/register.mjs')

/** The files under dist/ that one invocation loads, as paths under the package, and its exit status. */
function loads(argv: string[]): { files: string[]; status: number | null; stderr: string } {
  const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bundle-'))
  const log = path.join(work, 'loads.txt')
  const r = spawnSync(process.execPath, ['--import', register, bin, ...argv], {
    env: {
      ...process.env,
      CMC_HOME: path.join(work, 'home'),
      CMC_REPOS: path.join(root, 'examples'),
      CMC_STORE: path.join(work, 'store'),
      CMC_TEST_LOAD_LOG: log,
    },
    encoding: 'utf8',
  })
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => path.relative(root, fileURLToPath(u)))
    .filter((f) => f.startsWith('dist/'))
  return { files: [...new Set(files)], status: r.status, stderr: r.stderr }
}

describe('the bundled CLI', () => {
  const cases: Array<{ argv: string[]; id: string; status: number; path: string }> = [
    { argv: ['find', '--tags', 'memory', '--json'], id: 'find', status: 0, path: 'fast path' },
    { argv: ['exp', 'list', '--limit', '1', '--json'], id: 'exp/list', status: 0, path: 'fast path' },
    { argv: ['find', '--no-such-flag'], id: 'find', status: 2, path: 'oclif' },
    { argv: ['exp:list', '--help'], id: 'exp/list', status: 0, path: 'oclif' },
  ]
  for (const { argv, id, status, path: way } of cases)
    it(`cmc ${argv.join(' ')} (${way}) loads ${id}'s bundle and no other file of cmc's`, () => {
      const { files, status: got, stderr } = loads(argv)
      expect(got, stderr).toBe(status)
      expect(files).toContain(`dist/bundle/commands/${id}.js`)
      const own = new RegExp(`^dist/(cli/commandOf\\.js|bundle/(fast|commands)/${id}\\.js|bundle/chunks/${id}/[^/]+\\.js)$`)
      expect(files.filter((f) => !own.test(f))).toEqual([])
    })

  it('finds the package files from the bundle: templates, the built validators, the version', () => {
    // a fresh home: the index is cold, so every meta file is checked
    const { files, status, stderr } = loads(['dockerfile', 'stream', '--platform', 'x86_64'])
    expect(status, stderr).toBe(0)
    expect(files.some((f) => /\/load-[A-Z0-9]+\.js$/.test(f))).toBe(true)
    // the schemas compiled at run time would mean the build's validators were not found
    expect(files.filter((f) => f.includes('validatorsSource'))).toEqual([])
    const r = spawnSync(process.execPath, [bin, 'version', '--json'], { encoding: 'utf8' })
    expect(JSON.parse(r.stdout).version).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version)
  })
})
