// cmc-repo.yaml is read on every command; what was read is kept under the
// file's mtime and size, and an edit is seen at once, a broken one refused.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { readRepoMeta } from '../../../src/repos/repoMeta.js'
import { tmpDir, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

describe('cmc-repo.yaml, read once', () => {
  it('keeps what it read, and sees an edit', () => {
    const root = tmpDir('cmc-repo-meta-')
    const file = path.join(root, 'cmc-repo.yaml')
    writeFileSync(file, 'name: first\nuid: 0123456789abcdef\n')
    expect(readRepoMeta(root).name).toBe('first')
    const memo = JSON.parse(readFileSync(path.join(process.env.CMC_HOME!, 'index', 'repo-meta.json'), 'utf8'))
    expect(memo[file].meta).toEqual({ name: 'first', uid: '0123456789abcdef' })
    writeFileSync(file, 'name: second\nuid: 0123456789abcdef\n')
    utimesSync(file, new Date(), new Date(Date.now() + 5000))
    expect(readRepoMeta(root).name).toBe('second')
    writeFileSync(file, 'name: [broken\n')
    utimesSync(file, new Date(), new Date(Date.now() + 10000))
    expect(() => readRepoMeta(root)).toThrow(CmcError)
  })
})
