// slimRoot: what a bootstrapped root loses (manuals, docs, translations) and
// keeps (copyright files, locale.alias), and that it never follows a link out of
// the root (a Debian root can hold absolute links, which point into this host).
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { slimRoot } from '../../../src/engine/bootstrap.js'
import { tmpDir } from '../../helpers/tmp.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function put(root: string, rel: string, text = 'x') {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
  writeFileSync(path.join(root, rel), text)
}

describe('slimRoot', () => {
  it('drops manuals, docs and translations, keeps copyright files, and writes the dpkg rules', () => {
    const root = tmpDir('cmc-slim-')
    dirs.push(root)
    for (const f of [
      'usr/share/doc/bash/copyright',
      'usr/share/doc/bash/changelog.gz',
      'usr/share/doc/bash/examples/x.sh',
      'usr/share/man/man1/ls.1.gz',
      'usr/share/info/dir',
      'usr/share/locale/de/LC_MESSAGES/bash.mo',
      'usr/share/locale/locale.alias',
      'usr/share/lintian/overrides/bash',
      'usr/bin/bash',
    ])
      put(root, f)
    slimRoot(root)
    expect(existsSync(path.join(root, 'usr/share/doc/bash/copyright'))).toBe(true)
    expect(existsSync(path.join(root, 'usr/share/locale/locale.alias'))).toBe(true)
    expect(existsSync(path.join(root, 'usr/bin/bash'))).toBe(true)
    for (const gone of [
      'usr/share/doc/bash/changelog.gz',
      'usr/share/doc/bash/examples',
      'usr/share/man/man1',
      'usr/share/info/dir',
      'usr/share/locale/de',
      'usr/share/lintian/overrides',
    ]) {
      expect(existsSync(path.join(root, gone)), gone).toBe(false)
    }
    const rules = readFileSync(path.join(root, 'etc/dpkg/dpkg.cfg.d/cmc-slim'), 'utf8')
    expect(rules).toContain('path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright')
    expect(rules).toContain('path-exclude /usr/share/man/*')
  })

  it('removes links as links and never touches what they point at', () => {
    const root = tmpDir('cmc-slim-')
    const outside = tmpDir('cmc-slim-outside-')
    dirs.push(root, outside)
    put(outside, 'precious/changelog.gz', 'keep me')
    put(outside, 'man/keep.1', 'keep me')
    put(root, 'usr/share/doc/real/copyright')
    mkdirSync(path.join(root, 'usr/share'), { recursive: true })
    symlinkSync(path.join(outside, 'precious'), path.join(root, 'usr/share/doc/linked')) // absolute link to a folder outside
    symlinkSync(path.join(outside, 'man'), path.join(root, 'usr/share/man')) // the whole man folder is a link
    slimRoot(root)
    expect(readFileSync(path.join(outside, 'precious/changelog.gz'), 'utf8')).toBe('keep me')
    expect(readFileSync(path.join(outside, 'man/keep.1'), 'utf8')).toBe('keep me')
    expect(existsSync(path.join(root, 'usr/share/doc/linked'))).toBe(false)
    expect(existsSync(path.join(root, 'usr/share/doc/real/copyright'))).toBe(true)
  })
})
