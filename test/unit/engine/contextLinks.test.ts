// Symbolic links in the build context: nothing outside an artifact's folder is
// ever read. A link is sent as a link (its target is data, as in Docker's own
// context), whether `files:` names it or a folder walk meets it; a listed
// path that reaches outside through a linked folder is refused.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Header } from 'tar-stream'
import { afterAll, describe, expect, it } from 'vitest'
import type { ContextEntry } from '../../../src/compile/types.js'
import { contextHash, contextTar, listContextFiles } from '../../../src/engine/context.js'
import { CmcError } from '../../../src/errors.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'
import { tarEntries } from '../../helpers/tar.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function folder(files: Record<string, string>): string {
  const d = tmpDir('cmc-context-links-')
  dirs.push(d)
  return writeTree(d, files)
}

const SECRET = `host-secret-${process.pid}-${Date.now()}`

/** A folder outside every artifact: a secret file and a folder with another. */
function hostFiles(): { file: string; dir: string } {
  const host = folder({ id_ed25519: SECRET, 'keys/deploy': SECRET })
  return { file: path.join(host, 'id_ed25519'), dir: path.join(host, 'keys') }
}

/** The context entries compile makes for `files:` of an artifact folder (its root travels with them). */
const listed = (root: string, files: string[], ctx = 'benchmark'): ContextEntry[] => files.map((f) => ({ src: path.join(root, f), dest: `${ctx}/${f}`, root }))

const contextEntries = (entries: ContextEntry[]) => tarEntries(contextTar('FROM x', listContextFiles(entries)))

const links = (entries: Array<{ header: Header }>) => entries.filter((e) => e.header.type === 'symlink').map((e) => `${e.header.name} -> ${e.header.linkname}`)

describe('a symbolic link goes into the context as a link, never as what it points to', () => {
  it('a file listed in files: that links to a host file is sent as a link to that path, without its content', async () => {
    const host = hostFiles()
    const art = folder({ 'run.sh': 'cat notes.txt\n' })
    symlinkSync(host.file, path.join(art, 'notes.txt'))
    const entries = await contextEntries(listed(art, ['run.sh', 'notes.txt']))
    expect(links(entries)).toEqual([`benchmark/notes.txt -> ${host.file}`])
    expect(entries.some((e) => e.body.includes(SECRET))).toBe(false)
    const note = entries.find((e) => e.header.name === 'benchmark/notes.txt')!
    expect([note.header.size, note.header.uid, note.header.gid, note.header.mtime]).toEqual([0, 0, 0, new Date('2000-01-01T00:00:00Z')])
  })

  it('a linked folder inside the artifact pointing outside is sent as a link, and nothing below it is read', async () => {
    const host = hostFiles()
    const art = folder({ 'main.c': 'int main(void) { return 0; }\n' })
    symlinkSync(host.dir, path.join(art, 'keys'))
    // the whole folder (no files: list), as the walk meets the link
    const whole = await contextEntries([{ src: art, dest: 'benchmark-src', root: art } as ContextEntry])
    expect(whole.map((e) => e.header.name)).toEqual(['Dockerfile', 'benchmark-src', 'benchmark-src/keys', 'benchmark-src/main.c'])
    expect(links(whole)).toEqual([`benchmark-src/keys -> ${host.dir}`])
    // and named in files:
    const named = await contextEntries(listed(art, ['main.c', 'keys']))
    expect(links(named)).toEqual([`benchmark/keys -> ${host.dir}`])
    expect([...whole, ...named].some((e) => e.body.includes(SECRET))).toBe(false)
  })

  it('a link within the folder keeps its relative target, so it works in the image beside what it points to', async () => {
    const art = folder({ 'lib/libx.so.1': 'ELF', 'run.sh': 'echo hi\n' })
    symlinkSync('libx.so.1', path.join(art, 'lib', 'libx.so'))
    symlinkSync('run.sh', path.join(art, 'start.sh'))
    const entries = await contextEntries([{ src: art, dest: 'bench', root: art } as ContextEntry])
    expect(links(entries)).toEqual(['bench/lib/libx.so -> libx.so.1', 'bench/start.sh -> run.sh'])
    expect(entries.find((e) => e.header.name === 'bench/lib/libx.so.1')?.body).toBe('ELF')
  })

  it('a dangling link listed in files: is sent as the link it is, not reported missing', () => {
    const art = folder({ 'run.sh': '' })
    symlinkSync('not-there', path.join(art, 'later.txt'))
    expect(listContextFiles(listed(art, ['later.txt']))).toMatchObject([{ name: 'benchmark/later.txt', linkname: 'not-there' }])
    let err: unknown
    try {
      listContextFiles(listed(art, ['absent.txt']))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CmcError)
    expect((err as CmcError).code).toBe('CONTEXT_MISSING')
  })

  it('an entry without its folder reads the entry itself as a link too (the safe default)', () => {
    const host = hostFiles()
    const art = folder({})
    symlinkSync(host.file, path.join(art, 'notes.txt'))
    symlinkSync(host.dir, path.join(art, 'keys'))
    const files = listContextFiles([
      { src: path.join(art, 'notes.txt'), dest: 'b/notes.txt' },
      { src: path.join(art, 'keys'), dest: 'b/keys' },
    ])
    expect(files.map((f) => [f.name, f.linkname])).toEqual([
      ['b/keys', host.dir],
      ['b/notes.txt', host.file],
    ])
  })
})

describe('a listed path never reaches outside the artifact folder', () => {
  it('a path through a linked folder that points outside is refused, naming the link', () => {
    const host = hostFiles()
    const art = folder({ 'run.sh': '' })
    symlinkSync(host.dir, path.join(art, 'keys'))
    let err: unknown
    try {
      listContextFiles(listed(art, ['keys/deploy']))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CmcError)
    expect((err as CmcError).code).toBe('CONTEXT_OUTSIDE')
    expect((err as CmcError).message).toContain('keys/deploy')
    expect((err as CmcError).hint).toMatch(/link/)
  })

  it('a path through a linked folder that stays inside is read from where the link leads', () => {
    const art = folder({ 'v2/run.sh': 'echo v2\n' })
    symlinkSync('v2', path.join(art, 'current'))
    expect(listContextFiles(listed(art, ['current/run.sh'])).map((f) => [f.name, f.linkname, f.size])).toEqual([['benchmark/current/run.sh', undefined, 8]])
  })

  it('a path that climbs out with .. or is absolute is refused before anything is read', () => {
    const art = folder({ 'a/run.sh': '' })
    const root = path.join(art, 'a')
    for (const src of [path.join(root, '../../etc/hostname'), '/etc/hostname']) {
      let err: unknown
      try {
        listContextFiles([{ src, dest: 'benchmark/x', root } as ContextEntry])
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(CmcError)
      expect((err as CmcError).code).toBe('CONTEXT_OUTSIDE')
    }
  })
})

describe('the context hash covers links', () => {
  it('is the same for the same links, and changes when a link target changes, even to a file of equal content', () => {
    const art = folder({ 'a.txt': 'same', 'b.txt': 'same' })
    const link = path.join(art, 'cur.txt')
    symlinkSync('a.txt', link)
    const hash = () => contextHash('FROM x', listContextFiles([{ src: art, dest: 'bench', root: art } as ContextEntry]))
    const first = hash()
    expect(hash()).toBe(first)
    rmSync(link)
    symlinkSync('b.txt', link)
    expect(hash()).not.toBe(first)
  })

  it('a link and a file holding its target as text hash differently', () => {
    const asLink = folder({})
    symlinkSync('target', path.join(asLink, 'x'))
    const asFile = folder({ x: 'target' })
    const h = (d: string) => contextHash('FROM x', listContextFiles([{ src: d, dest: 'b', root: d } as ContextEntry]))
    expect(h(asLink)).not.toBe(h(asFile))
  })

  it('does not read through a link: changing the host file it points to changes nothing', () => {
    const host = hostFiles()
    const art = folder({})
    symlinkSync(host.file, path.join(art, 'notes.txt'))
    const h = () => contextHash('FROM x', listContextFiles(listed(art, ['notes.txt'])))
    const before = h()
    writeFileSync(host.file, `${SECRET} changed`)
    mkdirSync(path.join(host.dir, 'more'))
    expect(h()).toBe(before)
  })
})
