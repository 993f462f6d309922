// The index cache (${CMC_HOME}/index/): what a warm index gives must be what a
// cold one gives, and every change to a repo's meta files must be seen by the
// next loadIndex (each call reads the cache file again, as a new command would).
import { readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIndex } from '../../../src/repos/index.js'
import { cmcHome } from '../../../src/paths.js'
import { repoRoot, tmpDir, useTmpHome, writeTree } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

function makeRepo(name: string, extra: Record<string, string> = {}): string {
  return writeTree(tmpDir(`repo-${name}-`), {
    'cmc-repo.yaml': `name: ${name}\n`,
    'python/cmc.yaml':
      'kind: component\nalias: python\ntags: [python, interpreter]\nversion: 3.12.1\nvariations:\n  dev: { tags: [dev] }\n  slim: { group: size, default: true }\n',
    'tools/pytools/cmc.yaml': 'kind: component\nalias: pytools\ntags: [python, dev, tools]\n',
    'nested/deeper/gcc/cmc.yaml': 'kind: component\nalias: gcc\ntags: [compiler, c]\ndeps:\n  - tags: os,debian\n',
    'img/cmc.yaml': 'kind: image\nalias: img\nplatforms: [x86_64]\ncomponents:\n  - tags: python\n',
    ...extra,
  })
}

const aliases = async (repo: string, query = '') =>
  (await loadIndex({ extraRepos: [repo], builtin: false }))
    .find(query)
    .map((a) => a.alias)
    .sort()
const cacheFiles = () => readdirSync(path.join(cmcHome(), 'index'))

describe('a warm index is the cold one', () => {
  it('gives the same artifacts, metas, problems and lookups', async () => {
    const repo = makeRepo('same', { 'broken/cmc.yaml': 'kind: component\nalias: broken\ntags: [x\n' })
    const cold = await loadIndex({ extraRepos: [repo] })
    const warm = await loadIndex({ extraRepos: [repo] })
    expect(JSON.stringify(warm.all())).toBe(JSON.stringify(cold.all()))
    expect(warm.all()).toEqual(cold.all())
    expect(warm.all().map((a) => ({ ...a }))).toEqual(cold.all().map((a) => ({ ...a })))
    expect(warm.problems()).toEqual(cold.problems())
    expect(warm.problems().map((p) => p.aliasGuess)).toEqual(['broken'])
    for (const q of ['python', 'python,-dev', 'python,_dev', 'dev', '_slim', 'python,_nope', 'nothing-has-this', '']) {
      expect(warm.find(q).map((a) => a.uid)).toEqual(cold.find(q).map((a) => a.uid))
    }
    expect(warm.find('python', { kind: 'image' })).toEqual([])
    const py = warm.get('python')
    expect(py.meta).toEqual(cold.get('python').meta)
    expect(warm.get(py.uid)).toBe(py)
    expect(warm.get('img', { kind: 'image' }).meta).toMatchObject({ components: [{ tags: 'python' }] })
    expect(() => warm.get('broken')).toThrow(/malformed YAML/)
    const hint = (index: typeof cold) => {
      try {
        index.get('pyton')
      } catch (e) {
        return (e as { hint?: string }).hint
      }
    }
    expect(hint(warm)).toContain('"python"')
    expect(hint(warm)).toBe(hint(cold))
    expect(() => warm.get('python', { kind: 'image' })).toThrow(/no image/)
  })

  it('keeps CM meta (format cm) through the cache', async () => {
    const cm = path.join(repoRoot, 'test/fixtures/cm-repo')
    const cold = await loadIndex({ extraRepos: [cm] })
    const warm = await loadIndex({ extraRepos: [cm] })
    expect(JSON.stringify(warm.all())).toBe(JSON.stringify(cold.all()))
    expect(warm.find('get,generic-python-lib,_onnxruntime').map((a) => a.alias)).toEqual(['get-generic-python-lib'])
  })
})

describe('the cache sees every change to meta files', () => {
  it('an edit of the same size with a new mtime, and an edit that changes the size', async () => {
    const repo = makeRepo('edit')
    expect(await aliases(repo, 'c')).toEqual(['gcc'])
    const file = path.join(repo, 'nested/deeper/gcc/cmc.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('[compiler, c]', '[compiler, d]'))
    const later = new Date(Date.now() + 5000)
    utimesSync(file, later, later)
    expect(await aliases(repo, 'c')).toEqual([])
    expect(await aliases(repo, 'd')).toEqual(['gcc'])
    // no mtime change forced: the size differs
    writeFileSync(file, readFileSync(file, 'utf8').replace('[compiler, d]', '[compiler, d, gnu]'))
    expect(await aliases(repo, 'gnu')).toEqual(['gcc'])
  })

  it('an edit reaches the meta, and the other artifacts keep theirs', async () => {
    const repo = makeRepo('meta')
    await loadIndex({ extraRepos: [repo], builtin: false })
    const file = path.join(repo, 'nested/deeper/gcc/cmc.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('os,debian', 'os,ubuntu,jammy'))
    const index = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(index.get('gcc').meta).toMatchObject({ deps: [{ tags: 'os,ubuntu,jammy' }] })
    expect(index.get('python').meta).toMatchObject({ version: '3.12.1', variations: { dev: { tags: ['dev'] } } })
    expect(index.get('img').meta).toMatchObject({ platforms: ['x86_64'] })
    const again = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(JSON.stringify(again.all())).toBe(JSON.stringify(index.all()))
  })

  it('a new artifact, at the top or in a folder that held none', async () => {
    const repo = makeRepo('add')
    expect(await aliases(repo)).toEqual(['gcc', 'img', 'python', 'pytools'])
    writeTree(repo, { 'clang/cmc.yaml': 'kind: component\nalias: clang\ntags: [compiler]\n' })
    expect(await aliases(repo)).toEqual(['clang', 'gcc', 'img', 'python', 'pytools'])
    writeTree(repo, { 'nested/deeper/tcc/cmc.yaml': 'kind: component\nalias: tcc\ntags: [compiler]\n' })
    expect(await aliases(repo, 'compiler')).toEqual(['clang', 'gcc', 'tcc'])
    // a folder that was walked (no meta file) becoming an artifact
    writeTree(repo, { 'nested/cmc.yaml': 'kind: component\nalias: nested\ntags: [n]\n' })
    expect(await aliases(repo)).toEqual(['clang', 'img', 'nested', 'python', 'pytools'])
  })

  it('a removed meta file, a removed folder, a renamed meta file', async () => {
    const repo = makeRepo('remove')
    expect(await aliases(repo)).toEqual(['gcc', 'img', 'python', 'pytools'])
    rmSync(path.join(repo, 'tools/pytools/cmc.yaml'))
    expect(await aliases(repo)).toEqual(['gcc', 'img', 'python'])
    rmSync(path.join(repo, 'img'), { recursive: true })
    expect(await aliases(repo)).toEqual(['gcc', 'python'])
    renameSync(path.join(repo, 'python/cmc.yaml'), path.join(repo, 'python/cmc.yml'))
    const index = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(index.get('python').file).toBe(path.join(repo, 'python/cmc.yml'))
  })

  it('a meta file that breaks and is fixed again', async () => {
    const repo = makeRepo('break')
    const file = path.join(repo, 'python/cmc.yaml')
    const good = readFileSync(file, 'utf8')
    await loadIndex({ extraRepos: [repo], builtin: false })
    writeFileSync(file, good.replace('alias: python', 'alias: python\nalais: py'))
    let index = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(index.problems().map((p) => [p.aliasGuess, p.error.code, p.error.where?.line, p.error.hint])).toEqual([
      ['python', 'META_UNKNOWN_KEY', 3, 'did you mean "alias"?'],
    ])
    index = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(() => index.get('python')).toThrow(/unknown key "alais"/)
    writeFileSync(file, good)
    index = await loadIndex({ extraRepos: [repo], builtin: false })
    expect(index.problems()).toEqual([])
    expect(index.get('python').tags).toEqual(['python', 'interpreter'])
  })

  it('a new repo uid changes the uids derived from it', async () => {
    const repo = makeRepo('uid')
    const before = (await loadIndex({ extraRepos: [repo], builtin: false })).get('gcc').uid
    writeFileSync(path.join(repo, 'cmc-repo.yaml'), 'name: uid\nuid: 0123456789abcdef\n')
    const after = (await loadIndex({ extraRepos: [repo], builtin: false })).get('gcc').uid
    expect(after).not.toBe(before)
  })

  it('is kept only under the same schemas', async () => {
    const repo = makeRepo('schema')
    await loadIndex({ extraRepos: [repo], builtin: false })
    const file = path.join(cmcHome(), 'index', cacheFiles().filter((f) => f.startsWith('schema-'))[0])
    const text = readFileSync(file, 'utf8')
    const nl = text.indexOf('\n')
    const h = JSON.parse(text.slice(0, nl)) as { alias: string[]; schema: string }
    const rewrite = () => writeFileSync(file, JSON.stringify(h) + text.slice(nl))
    // what the cache says is what the index gives...
    h.alias[h.alias.indexOf('gcc')] = 'gcc-from-cache'
    rewrite()
    expect(await aliases(repo)).toEqual(['gcc-from-cache', 'img', 'python', 'pytools'])
    // ...unless it was written under other schemas (a problem then may be none now)
    h.schema = 'other'
    rewrite()
    expect(await aliases(repo)).toEqual(['gcc', 'img', 'python', 'pytools'])
  })

  it('a damaged cache file is rebuilt', async () => {
    const repo = makeRepo('damaged')
    const reference = JSON.stringify((await loadIndex({ extraRepos: [repo], builtin: false })).all())
    const [file] = cacheFiles().filter((f) => f.startsWith('damaged-'))
    const whole = readFileSync(path.join(cmcHome(), 'index', file), 'utf8')
    for (const text of ['', '{"format":4', 'not json\n', whole.slice(0, 200), whole.slice(0, -10), whole.slice(0, -1), `${whole}x`]) {
      writeFileSync(path.join(cmcHome(), 'index', file), text)
      expect(await aliases(repo)).toEqual(['gcc', 'img', 'python', 'pytools'])
      expect(JSON.stringify((await loadIndex({ extraRepos: [repo], builtin: false })).all())).toBe(reference)
    }
  })
})
