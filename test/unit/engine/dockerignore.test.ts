// .dockerignore as Docker reads it: character classes, `?`, `*`, `**`, `!`
// exceptions, leading `/`, comments; and what the build context builder sends
// for a source folder with one (never the .dockerignore itself, the compiled
// Dockerfile at the root whatever the patterns say, fixed headers, sorted).
import { mkdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { contextHash, contextTar, listContextFiles } from '../../../src/engine/context.js'
import { parseDockerignore } from '../../../src/engine/dockerignore.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'
import { tarEntries } from '../../helpers/tar.js'

/** Which of the paths the .dockerignore text leaves out. */
function ignoredOf(text: string, paths: string[]): string[] {
  const d = parseDockerignore(text)
  return paths.filter((p) => d.ignores(p))
}

describe('.dockerignore patterns, read as Docker reads them', () => {
  it('[ab] matches one of the listed characters, not the brackets as text', () => {
    expect(ignoredOf('log[ab].txt', ['loga.txt', 'logb.txt', 'logc.txt', 'log[ab].txt', 'logab.txt'])).toEqual(['loga.txt', 'logb.txt'])
  })

  it('[a-c] matches a range', () => {
    expect(ignoredOf('run-[a-c].csv', ['run-a.csv', 'run-b.csv', 'run-c.csv', 'run-d.csv', 'run-A.csv'])).toEqual(['run-a.csv', 'run-b.csv', 'run-c.csv'])
  })

  it('[^a] negates a class; [!a] is, as in Docker, the class of `!` and `a` (not a shell-style negation)', () => {
    expect(ignoredOf('[^a].log', ['a.log', 'b.log', 'c.log'])).toEqual(['b.log', 'c.log'])
    // docker build (classic builder, CLI 28) sends b.txt and leaves out a.txt and !.txt for this line
    expect(ignoredOf('[!a].txt', ['a.txt', 'b.txt', '!.txt'])).toEqual(['a.txt', '!.txt'])
  })

  it('? matches exactly one character, never a `/`', () => {
    expect(ignoredOf('data?.bin', ['data1.bin', 'data12.bin', 'data.bin', 'data/.bin'])).toEqual(['data1.bin'])
  })

  it('* stays within one folder level; ** crosses any number of them, none included', () => {
    expect(ignoredOf('*.o', ['main.o', 'src/main.o'])).toEqual(['main.o'])
    expect(ignoredOf('**/*.o', ['main.o', 'src/main.o', 'src/deep/er/x.o', 'main.c'])).toEqual(['main.o', 'src/main.o', 'src/deep/er/x.o'])
    expect(ignoredOf('a/**/b', ['a/b', 'a/x/b', 'a/x/y/b', 'a/x/c', 'b'])).toEqual(['a/b', 'a/x/b', 'a/x/y/b'])
    expect(ignoredOf('build/**', ['build/x', 'build/x/y', 'builder/x'])).toEqual(['build/x', 'build/x/y'])
  })

  it('a pattern naming a folder leaves out everything below it', () => {
    expect(ignoredOf('results', ['results', 'results/run1/metrics.json', 'results.txt', 'old/results'])).toEqual(['results', 'results/run1/metrics.json'])
  })

  it('! brings a path back, and the last matching line wins', () => {
    expect(ignoredOf('*.md\n!README.md', ['README.md', 'NOTES.md'])).toEqual(['NOTES.md'])
    expect(ignoredOf('!README.md\n*.md', ['README.md', 'NOTES.md'])).toEqual(['README.md', 'NOTES.md'])
    expect(ignoredOf('data\n!data/keep.txt', ['data/keep.txt', 'data/big.bin'])).toEqual(['data/big.bin'])
  })

  it('a leading / anchors at the folder root, as a plain pattern does; trailing / and ./ are cleaned away', () => {
    expect(ignoredOf('/build', ['build', 'build/x', 'src/build'])).toEqual(['build', 'build/x'])
    expect(ignoredOf('build', ['build', 'build/x', 'src/build'])).toEqual(['build', 'build/x'])
    expect(ignoredOf('out/', ['out/x'])).toEqual(['out/x'])
    expect(ignoredOf('./tmp', ['tmp/x'])).toEqual(['tmp/x'])
    expect(ignoredOf('a/../b', ['a/b', 'b'])).toEqual(['b'])
  })

  it('lines starting with # are comments; blank lines and surrounding spaces are nothing; CRLF files read the same', () => {
    expect(ignoredOf('# *.c\n\n   \n  *.o  \n', ['main.c', 'main.o'])).toEqual(['main.o'])
    expect(ignoredOf('#notes.txt', ['#notes.txt'])).toEqual([])
    expect(ignoredOf('/#notes.txt', ['#notes.txt'])).toEqual(['#notes.txt'])
    expect(ignoredOf('*.o\r\n!keep.o\r\n', ['a.o', 'keep.o'])).toEqual(['a.o'])
  })

  it('matches case-sensitively, as Docker does', () => {
    expect(ignoredOf('*.TXT', ['a.txt', 'b.TXT'])).toEqual(['b.TXT'])
  })

  it('an empty file leaves out nothing', () => {
    expect(ignoredOf('', ['a', 'b/c'])).toEqual([])
  })

  it('says whether a ! line may bring back something below an ignored folder', () => {
    expect(parseDockerignore('data\n*.o').hasExceptions).toBe(false)
    expect(parseDockerignore('# not me!\ndata').hasExceptions).toBe(false)
    expect(parseDockerignore('data\n!data/keep.txt').hasExceptions).toBe(true)
    expect(parseDockerignore('data\n/!data/keep.txt').hasExceptions).toBe(true)
  })
})

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function folder(files: Record<string, string>): string {
  const d = tmpDir('cmc-dockerignore-')
  dirs.push(d)
  return writeTree(d, files)
}

const names = (src: string, dest = 'bench') => listContextFiles([{ src, dest }]).map((f) => f.name)

const contextEntries = (dockerfile: string, src: string) => tarEntries(contextTar(dockerfile, listContextFiles([{ src, dest: 'bench' }])))

describe("the build context honours a source folder's .dockerignore", () => {
  it('leaves out what a [ab] class matches and keeps the rest', () => {
    const src = folder({ '.dockerignore': 'out-[ab].log\n', 'out-a.log': 'a', 'out-b.log': 'b', 'out-c.log': 'c', 'main.c': 'int main(){}' })
    expect(names(src)).toEqual(['bench/main.c', 'bench/out-c.log'])
  })

  it('never sends the .dockerignore itself, even when a ! line names it, nor one in a subfolder', () => {
    const src = folder({ '.dockerignore': '*.o\n!.dockerignore\n', 'sub/.dockerignore': 'x', 'a.o': '', 'a.c': '' })
    expect(names(src)).toEqual(['bench/a.c'])
  })

  it("a folder's own Dockerfile follows the patterns like any file; the context's root Dockerfile is the compiled one", async () => {
    const src = folder({ '.dockerignore': 'Dockerfile\n', Dockerfile: "FROM scratch # the folder's own", 'run.sh': 'echo hi' })
    expect(names(src)).toEqual(['bench/run.sh'])
    const all = folder({ '.dockerignore': '*\n', Dockerfile: 'FROM scratch', 'run.sh': 'echo hi' })
    expect(names(all)).toEqual([])
    const entries = await contextEntries('FROM debian:bookworm\n', all)
    expect(entries.map((e) => e.header.name)).toEqual(['Dockerfile'])
    expect(entries[0].body).toBe('FROM debian:bookworm\n')
  })

  it('walks into an ignored folder when a ! line brings back a file inside it', () => {
    const src = folder({ '.dockerignore': 'data\n!data/keep.txt\n', 'data/keep.txt': 'k', 'data/big.bin': 'b', 'data/sub/x': 'x', 'main.c': '' })
    expect(names(src)).toEqual(['bench/data/keep.txt', 'bench/main.c'])
  })

  it('does not walk into an ignored folder when no ! line could bring anything back', () => {
    const src = folder({ '.dockerignore': 'node_modules\n', 'node_modules/pkg/index.js': '', 'main.c': '' })
    // what the folder holds, a dangling link among it, is left out with it
    symlinkSync(path.join(src, 'missing'), path.join(src, 'node_modules', 'dangling'))
    expect(names(src)).toEqual(['bench/main.c'])
  })

  it("the context stays deterministic: sorted entries, owners 0:0, one fixed mtime, whatever the files' own times", async () => {
    const src = folder({ '.dockerignore': 'tmp-?\n', 'b/z.txt': 'z', 'a.txt': 'a', 'tmp-1': 't', 'c/d/e.txt': 'e' })
    const before = contextHash('FROM x', listContextFiles([{ src, dest: 'bench' }]))
    utimesSync(path.join(src, 'a.txt'), new Date('2020-05-05'), new Date('2020-05-05'))
    mkdirSync(path.join(src, 'empty'))
    expect(contextHash('FROM x', listContextFiles([{ src, dest: 'bench' }]))).toBe(before)
    const entries = await contextEntries('FROM x', src)
    expect(entries.map((e) => e.header.name)).toEqual([
      'Dockerfile',
      'bench',
      'bench/a.txt',
      'bench/b',
      'bench/b/z.txt',
      'bench/c',
      'bench/c/d',
      'bench/c/d/e.txt',
    ])
    for (const { header } of entries) {
      expect(header.mtime).toEqual(new Date('2000-01-01T00:00:00Z'))
      expect([header.uid, header.gid, header.uname, header.gname]).toEqual([0, 0, '', ''])
    }
  })
})
