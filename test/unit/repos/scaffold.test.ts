// `cmc add` writes a uid that reads back as the text it is: a random uid of
// hex digits can look like a number to YAML (`1234567890123456`, `123e4567…`).
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { loadArtifactFile } from '../../../src/meta/load.js'
import { scaffoldArtifact } from '../../../src/repos/scaffold.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'

const repo = writeTree(tmpDir('cmc-scaffold-'), { 'cmc-repo.yaml': 'name: scaffold\n' })
afterAll(() => rmSync(repo, { recursive: true, force: true }))

describe('cmc add', () => {
  it('writes the uid so that one of digits alone, or digits around an e, is still text', () => {
    const made = scaffoldArtifact('component', 'c1', repo)
    const text = readFileSync(made.file, 'utf8')
    expect(loadArtifactFile(made.file, { name: 'scaffold', root: repo }).uid).toBe(made.uid)
    for (const uid of ['1234567890123456', '1230e45600000001']) {
      // the same line with a uid a random one could be
      writeFileSync(made.file, text.replace(made.uid, uid))
      expect(loadArtifactFile(made.file, { name: 'scaffold', root: repo }).uid).toBe(uid)
    }
  })
})
