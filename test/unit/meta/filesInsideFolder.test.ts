// `files:` names files of the artifact's own folder: a path that leaves it
// (`..`, an absolute path) is a meta error at its line and column, found when
// the meta is loaded, so no build ever sees it.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { loadArtifactFile } from '../../../src/meta/load.js'
import { validateMeta } from '../../../src/meta/validate.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'

const root = tmpDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))
const repo = { name: 't', root }

function loadError(rel: string, text: string): CmcError {
  writeTree(root, { [rel]: text })
  try {
    loadArtifactFile(path.join(root, rel), repo)
  } catch (e) {
    expect(e).toBeInstanceOf(CmcError)
    return e as CmcError
  }
  throw new Error('expected an error')
}

const benchmark = (files: string) => `kind: benchmark\nalias: b\nimage: x\ncommand: run\nfiles: ${files}\n`

describe('a files: entry that leaves the artifact folder', () => {
  it('a .. path is an error at the entry, naming it, with what to write instead', () => {
    const e = loadError('dotdot/cmc.yaml', benchmark('[hello.c, ../../../../etc/hostname]'))
    expect(e.code).toBe('META_INVALID')
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain('"../../../../etc/hostname"')
    expect(e.message).toMatch(/leaves the artifact's folder/)
    expect(e.where).toMatchObject({ file: path.join(root, 'dotdot/cmc.yaml'), line: 5, col: 18 })
    expect(e.hint).toMatch(/relative to the folder/)
  })

  it('a .. in the middle of a path, in a block list, points at its line', () => {
    const e = loadError('mid/cmc.yaml', benchmark('\n  - src/\n  - src/../../secret.txt'))
    expect(e.code).toBe('META_INVALID')
    expect(e.where).toMatchObject({ line: 7, col: 5 })
  })

  it('an absolute path is an error too', () => {
    const e = loadError('abs/cmc.yaml', benchmark('[/etc/hostname]'))
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toContain('"/etc/hostname"')
    expect(e.where).toMatchObject({ line: 5, col: 9 })
  })

  it("a component's install.files and a variation's are held to the same rule", () => {
    const c = loadError('comp/cmc.yaml', 'kind: component\nalias: c\ninstall:\n  run: ./install.sh\n  files: [install.sh, ../shared/lib.sh]\n')
    expect(c.code).toBe('META_INVALID')
    expect(c.message).toContain('"../shared/lib.sh"')
    expect(c.where).toMatchObject({ line: 5, col: 23 })
    const v = loadError('var/cmc.yaml', 'kind: component\nalias: v\nvariations:\n  big:\n    install: { run: ./x, files: [/root/.netrc] }\n')
    expect(v.code).toBe('META_INVALID')
    expect(v.where).toMatchObject({ line: 5, col: 34 })
  })

  it('paths inside the folder stay valid, names with dots in them included', () => {
    for (const f of ['hello.c', 'src/', './run.sh', 'data/..hidden', 'a..b/c', '...', 'deep/er/x.txt']) {
      expect(validateMeta('benchmark', { kind: 'benchmark', alias: 'b', image: 'x', command: 'run', files: [f] }), f).toEqual([])
    }
    for (const f of ['..', '../x', 'a/..', 'a/../../b', '/abs', '']) {
      expect(validateMeta('benchmark', { kind: 'benchmark', alias: 'b', image: 'x', command: 'run', files: [f] }).length, f).toBeGreaterThan(0)
    }
  })
})
