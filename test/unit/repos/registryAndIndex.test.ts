import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIndex } from '../../../src/repos/index.js'
import { addRepo, listRepos, removeRepo } from '../../../src/repos/registry.js'
import { parseTagQuery } from '../../../src/repos/tagQuery.js'
import { findTarget } from '../../../src/resolve/resolvePlan.js'
import { tmpDir, useTmpHome, writeTree } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

function makeRepo(name: string): string {
  return writeTree(tmpDir(`repo-${name}-`), {
    'cmc-repo.yaml': `name: ${name}\n`,
    'python/cmc.yaml': 'kind: component\nalias: python\ntags: [python, interpreter]\nvariations:\n  dev: { tags: [dev] }\n',
    'python-dev-tools/cmc.yaml': 'kind: component\nalias: pytools\ntags: [python, dev, tools]\n',
    'nested/deeper/gcc/cmc.yaml': 'kind: component\nalias: gcc\ntags: [compiler, c]\n',
  })
}

describe('tag queries', () => {
  it('parses includes, exclusions and variations', () => {
    expect(parseTagQuery('python, -dev,_cpu')).toEqual({ include: ['python'], exclude: ['dev'], variations: ['cpu'] })
  })

  it('-tag excludes, _variation requires the variation', async () => {
    const repo = makeRepo('q')
    const index = await loadIndex({ extraRepos: [repo] })
    const mine = (q: string, kind?: 'component' | 'image') =>
      index
        .find(q, { kind })
        .filter((a) => a.repo === 'q')
        .map((a) => a.alias)
    expect(mine('python')).toEqual(['python', 'pytools'])
    expect(mine('python,-dev')).toEqual(['python'])
    expect(mine('python,_dev')).toEqual(['python'])
    expect(mine('compiler', 'component')).toEqual(['gcc'])
    expect(index.find('compiler', { kind: 'image' })).toEqual([])
  })
})

describe('the index cache follows file changes', () => {
  it('picks up an edited meta file and a new artifact folder', async () => {
    const repo = makeRepo('cache')
    const compilers = async () =>
      (await loadIndex({ extraRepos: [repo] }))
        .find('compiler')
        .filter((a) => a.repo === 'cache')
        .map((a) => a.alias)
        .sort()
    expect(await compilers()).toEqual(['gcc'])
    const file = path.join(repo, 'nested/deeper/gcc/cmc.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('[compiler, c]', '[compiler, c, gnu]'))
    const later = new Date(Date.now() + 5000)
    utimesSync(file, later, later)
    expect((await loadIndex({ extraRepos: [repo] })).find('gnu').map((a) => a.alias)).toEqual(['gcc'])
    writeTree(repo, { 'nested/clang/cmc.yaml': 'kind: component\nalias: clang\ntags: [compiler, c, llvm]\n' })
    expect(await compilers()).toEqual(['clang', 'gcc'])
  })

  it('keeps a broken meta out of find but raises it on get', async () => {
    const repo = makeRepo('broken')
    writeTree(repo, { 'bad/cmc.yaml': 'kind: component\nalias: bad\ntags: [x\n' })
    const index = await loadIndex({ extraRepos: [repo] })
    expect(index.problems().map((p) => p.aliasGuess)).toEqual(['bad'])
    expect(() => index.get('bad')).toThrow(/malformed YAML/)
    expect(() => index.get('pyton')).toThrow(/no artifact/)
    try {
      index.get('pyton')
    } catch (e) {
      expect((e as { hint: string }).hint).toContain('"python"')
    }
  })
})

describe('a repository given with --repo', () => {
  it('stands in for the registered copy of the same repository (a working copy, a second clone)', async () => {
    const registered = makeRepo('twin')
    const working = makeRepo('twin')
    writeFileSync(path.join(working, 'python/cmc.yaml'), 'kind: component\nalias: python\ntags: [python, interpreter, edited]\n')
    await addRepo(registered)
    try {
      expect(
        listRepos([working])
          .filter((r) => r.name === 'twin')
          .map((r) => r.path),
      ).toEqual([working])
      expect(
        listRepos()
          .filter((r) => r.name === 'twin')
          .map((r) => r.path),
      ).toEqual([registered])
      const index = await loadIndex({ extraRepos: [working] })
      expect(
        index
          .all()
          .filter((a) => a.alias === 'python')
          .map((a) => a.dir),
      ).toEqual([path.join(working, 'python')])
      // another repository under its own name is simply added
      const other = makeRepo('other')
      expect(listRepos([other]).map((r) => r.name)).toEqual(expect.arrayContaining(['twin', 'other']))
    } finally {
      removeRepo('twin')
    }
  })

  it('is the one looked in first where another repository has the same alias', async () => {
    const withImage = (name: string) =>
      writeTree(makeRepo(name), { 'app/cmc.yaml': 'kind: image\nalias: app\nplatforms: [x86_64]\ncomponents: [{ tags: python }]\n' })
    const registered = withImage('kept')
    const mine = withImage('mine')
    await addRepo(registered)
    try {
      const plain = await loadIndex()
      expect(plain.get('python').repo).toBe('kept')
      expect(findTarget(plain, 'app').repo).toBe('kept')
      const index = await loadIndex({ extraRepos: [mine] })
      expect(index.get('python').repo).toBe('mine')
      expect(findTarget(index, 'app').repo).toBe('mine')
      // repo:alias still picks either
      expect(index.get('kept:python').repo).toBe('kept')
    } finally {
      removeRepo('kept')
    }
  })
})

describe('repositories from a folder, git, .tar.gz and .zip', () => {
  it('adds, lists and removes', async () => {
    const local = makeRepo('local')
    expect((await addRepo(local)).kind).toBe('path')

    const gitSrc = makeRepo('from-git')
    const git = (...args: string[]) => execFileSync('git', args, { cwd: gitSrc, stdio: 'pipe' })
    git('init', '-q')
    git('add', '.')
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init')
    const g = await addRepo(`file://${gitSrc}`)
    expect(g).toMatchObject({ name: 'from-git', kind: 'git' })
    expect(g.path.startsWith(home.home)).toBe(true)

    const tgzSrc = makeRepo('from-tgz')
    const tgz = path.join(tmpDir(), 'repo.tar.gz')
    execFileSync('tar', ['-czf', tgz, '-C', path.dirname(tgzSrc), path.basename(tgzSrc)])
    expect(await addRepo(tgz)).toMatchObject({ name: 'from-tgz', kind: 'archive' })

    const zipPath = path.join(tmpDir(), 'repo.zip')
    const enc = (s: string) => new TextEncoder().encode(s)
    writeFileSync(
      zipPath,
      zipSync({ 'top/cmc-repo.yaml': enc('name: from-zip\n'), 'top/tool/cmc.yaml': enc('kind: component\nalias: ziptool\ntags: [zipped]\n') }),
    )
    expect(await addRepo(zipPath)).toMatchObject({ name: 'from-zip', kind: 'archive' })

    expect(listRepos().map((r) => r.name)).toEqual(['builtin', 'local', 'from-git', 'from-tgz', 'from-zip'])
    const index = await loadIndex()
    expect(index.find('zipped').map((a) => a.repo)).toEqual(['from-zip'])
    expect(
      index
        .all()
        .filter((a) => a.alias === 'gcc')
        .map((a) => a.repo),
    ).toContain('from-git')

    removeRepo('from-zip')
    expect(listRepos().map((r) => r.name)).not.toContain('from-zip')
    await expect(addRepo(path.join(tmpDir(), 'nothing'))).rejects.toThrow(/cannot add/)

    // the same name from another folder: refused while the first folder exists,
    // taken over once it is gone (a deleted or moved clone, as in a second quick start)
    const second = makeRepo('local')
    await expect(addRepo(second)).rejects.toThrow(/a repo named local is already registered/)
    // --replace takes it over while the first exists
    const third = makeRepo('local')
    expect((await addRepo(third, { replace: true })).path).toBe(third)
    expect(
      listRepos()
        .filter((r) => r.name === 'local')
        .map((r) => r.path),
    ).toEqual([third])
    await expect(addRepo(second)).rejects.toThrow(/a repo named local is already registered/)
    rmSync(third, { recursive: true, force: true })
    expect((await addRepo(second)).path).toBe(second)
    expect(
      listRepos()
        .filter((r) => r.name === 'local')
        .map((r) => r.path),
    ).toEqual([second])
    mkdirSync(path.join(home.home, 'not-a-repo'), { recursive: true })
    await expect(addRepo(path.join(home.home, 'not-a-repo'))).rejects.toThrow(/not a cmc repository/)
  })
})

describe('a registered repo whose folder is gone', () => {
  it('is left out with a warning that says how to stop it, and the others still load', async () => {
    const kept = makeRepo('kept-one')
    const gone = makeRepo('gone-one')
    await addRepo(kept)
    await addRepo(gone)
    rmSync(gone, { recursive: true, force: true })
    const warnings: string[] = []
    const index = await loadIndex({ events: (e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message) })
    expect(warnings).toEqual([expect.stringContaining(`repo gone-one: ${gone} is gone`)])
    expect(warnings[0]).toContain('cmc repo remove gone-one')
    expect(index.find('compiler').map((a) => a.repo)).toContain('kept-one')
    expect(index.find('compiler').map((a) => a.repo)).not.toContain('gone-one')
    removeRepo('gone-one')
    removeRepo('kept-one')
  })
})

describe('repo add of a path that is not there', () => {
  it('says so, rather than that it is not a folder, git URL or archive', async () => {
    await expect(addRepo('/nonexistent/cmc-repo')).rejects.toMatchObject({
      code: 'REPO_SOURCE',
      message: expect.stringMatching(/cmc-repo: no such folder or file$/),
    })
  })
})
