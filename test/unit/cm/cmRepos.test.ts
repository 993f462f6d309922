// CM/MLC repositories as published: added with no cmc file, read as CM reads
// them (whatever the meta holds), searched, shown and planned with CM's rules.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { describeCmScript } from '../../../src/cm/describe.js'
import { planCmScript, type CmPlanNode } from '../../../src/cm/plan.js'
import { CmcError } from '../../../src/errors.js'
import { indexRepoFresh, loadIndex } from '../../../src/repos/index.js'
import { addRepo, listRepos } from '../../../src/repos/registry.js'
import { repoRoot, tmpDir, useTmpHome, writeTree } from '../../helpers/tmp.js'

const home = useTmpHome()
const made: string[] = []
afterAll(() => {
  home.cleanup()
  for (const d of made) rmSync(d, { recursive: true, force: true })
})
const mlc = path.join(repoRoot, 'test/fixtures/cm-mlc-repo')
const ck = path.join(repoRoot, 'test/fixtures/cm-ck-repo')
const index = () => loadIndex({ extraRepos: [mlc, ck], builtin: false })
const cmc = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { env: { ...process.env, CMC_HOME: home.home, ...env }, encoding: 'utf8' })

/** The first node of a tree (depth first) whose script or tags match. */
function nodeOf(n: CmPlanNode, name: string, list?: string): CmPlanNode | undefined {
  if ((n.script?.alias === name || n.tags === name) && (!list || n.list === list)) return n
  for (const c of n.children) {
    const hit = nodeOf(c, name, list)
    if (hit) return hit
  }
  return undefined
}

describe('a CM/MLC repository is added as published', () => {
  it('needs no cmc file and writes nothing into the repository', async () => {
    const before = readFileSync(path.join(mlc, 'meta.yaml'), 'utf8')
    const entry = await addRepo(mlc)
    expect(entry).toMatchObject({ name: 'acme@mlc-scripts', uid: '5c0ffee000000001', layout: 'mlc' })
    const ckEntry = await addRepo(ck)
    expect(ckEntry).toMatchObject({ name: 'acme@ck', layout: 'cm', base: 'cm-mlops' })
    expect(existsSync(path.join(mlc, 'cmc-repo.yaml'))).toBe(false)
    expect(readFileSync(path.join(mlc, 'meta.yaml'), 'utf8')).toBe(before)
    expect(listRepos().map((r) => r.name)).toEqual(expect.arrayContaining(['acme@mlc-scripts', 'acme@ck']))
  })

  it('is all or nothing: a failing add leaves the registry as it was', async () => {
    const before = listRepos().map((r) => r.name)
    const copy = tmpDir('cm-copy-')
    made.push(copy)
    cpSync(mlc, copy, { recursive: true, verbatimSymlinks: true })
    writeFileSync(path.join(copy, 'meta.yaml'), 'alias: acme@other\nuid: 5c0ffee000000009\n')
    await expect(
      addRepo(copy, {
        check: async () => {
          throw new CmcError('META_INVALID', 'refused by the check')
        },
      }),
    ).rejects.toThrow(/refused by the check/)
    expect(listRepos().map((r) => r.name)).toEqual(before)
  })

  it('comes from a git URL or an archive as well, found at the top or one folder down', () => {
    const work = tmpDir('cm-fetch-')
    made.push(work)
    const own = { CMC_HOME: path.join(work, 'home') }
    const git = (...args: string[]) => spawnSync('git', args, { cwd: path.join(work, 'clone'), encoding: 'utf8' })
    cpSync(mlc, path.join(work, 'clone'), { recursive: true, verbatimSymlinks: true })
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'scripts'],
    ])
      expect(git(...args).status).toBe(0)
    const fromGit = cmc(['repo', 'add', `file://${path.join(work, 'clone')}`, '--json'], own)
    expect(fromGit.status).toBe(0)
    expect(JSON.parse(fromGit.stdout)).toMatchObject({ name: 'acme@mlc-scripts', kind: 'git', layout: 'mlc', artifacts: 10 })
    expect(spawnSync('tar', ['-czf', path.join(work, 'ck.tar.gz'), '-C', path.dirname(ck), path.basename(ck)]).status).toBe(0)
    const fromTar = cmc(['repo', 'add', path.join(work, 'ck.tar.gz'), '--json'], own)
    expect(fromTar.status).toBe(0)
    expect(JSON.parse(fromTar.stdout)).toMatchObject({ name: 'acme@ck', kind: 'archive', layout: 'cm', artifacts: 3, entries: 3 })
    expect(JSON.parse(cmc(['repo', 'entries', 'acme@ck', '--json'], own).stdout)).toHaveLength(3)
    // a name no repository has is said, with the nearest one
    const unknown = cmc(['repo', 'entries', 'acme@kc'], own)
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/^error\[REPO_NOT_FOUND\]: no repository named acme@kc$/m)
    expect(unknown.stderr).toMatch(/did you mean acme@ck\?/)
    const find = cmc(['find', '--tags', 'detect,os', '--json'], own)
    expect(
      JSON.parse(find.stdout)
        .map((r: { repo: string }) => r.repo)
        .sort(),
    ).toEqual(['acme@ck', 'acme@mlc-scripts'])
  })

  it('says once, at add, what CM reads differently: repeated keys (last wins), uids shared by two scripts', async () => {
    const add = cmc(['repo', 'add', mlc, '--replace', '--json'])
    expect(add.status).toBe(0)
    const out = JSON.parse(add.stdout)
    expect(out.notes.join('\n')).toMatch(/app-demo\/meta\.yaml:\d+: key "MLC_DEMO_MODE" is repeated/)
    expect(out.notes.join('\n')).toMatch(/get-generic-lib\/meta\.json:\d+: key "numpy" is repeated/)
    expect(out.sharedUids).toEqual(['1a2b3c4d5e6f0007'])
    const find = cmc(['find', '--tags', 'get'])
    expect(find.status).toBe(0)
    expect(find.stderr).not.toMatch(/repeated|Warning/)
  })
})

describe('CM script folders inside a cmc repository', () => {
  it('are read as CM reads them: an automation meta with mapping deps is an entry, numeric versions are no crash, linked folders count once', async () => {
    const copy = tmpDir('cm-in-cmc-')
    made.push(copy)
    cpSync(mlc, copy, { recursive: true, verbatimSymlinks: true })
    writeFileSync(path.join(copy, 'cmc-repo.yaml'), 'name: hand-written\n')
    // a home of its own: the fixture itself is registered in this file's home
    const own = { CMC_HOME: path.join(copy, '.home') }
    const add = cmc(['repo', 'add', copy, '--json'], own)
    expect(add.status).toBe(0)
    const out = JSON.parse(add.stdout)
    // 10 script folders; the by-category link and script/py-link are the same get-python3
    expect(out).toMatchObject({ name: 'hand-written', artifacts: 10, entries: 1, skipped: [] })
    const find = cmc(['find', '--tags', 'get,python3', '--json'], own)
    expect(find.status).toBe(0)
    expect(find.stderr).toBe('')
    expect(JSON.parse(find.stdout).map((r: { path: string }) => path.relative(copy, r.path))).toEqual(['script/get-python3'])
  })
})

describe('reading never loses or invents what CM reads', () => {
  it('keeps the last of a repeated key, as PyYAML and json do', async () => {
    const i = await index()
    expect((i.get('app-demo').meta as unknown as { env: unknown }).env).toEqual({ MLC_DEMO_MODE: 'full' })
    expect(describeCmScript(i.get('get-generic-lib')).variations.map((v) => v.more)).toEqual([{ env: { LIB: 'numpy-2' } }])
  })

  it('indexes a linked folder once, and only script entries as scripts', async () => {
    const i = await index()
    expect(i.find('get,python3').map((a) => a.relDir)).toEqual(['script/get-python3'])
    expect(i.all().map((a) => a.alias)).not.toContain('script')
    expect(
      i
        .cmEntries()
        .map((e) => `${e.repo} ${e.automation}/${e.alias}`)
        .sort(),
    ).toEqual(['acme@ck automation/script', 'acme@ck challenge/contest', 'acme@ck contributor/someone', 'acme@mlc-scripts automation/script'])
    expect(i.find('challenge')).toEqual([])
  })

  it('keeps numbers, booleans and non-numeric versions as written; a number tag is not found by a query', async () => {
    const i = await index()
    const git = i.get('get-git-repo')
    expect((git.meta as unknown as { tags: unknown[] }).tags).toEqual(['get', 'git', 'repo', 2024])
    expect((git.meta as unknown as { default_env: unknown }).default_env).toEqual({ MLC_GIT_DEPTH: '--depth 4', MLC_GIT_RECURSE: false })
    expect(i.find('2024')).toEqual([])
    expect(i.get('get-cuda').version).toBe('master')
    const demo = describeCmScript(i.get('app-demo'))
    expect(demo.deps.deps?.[1]).toMatchObject({ tags: 'get,python3', names: ['python', 'python3'], more: { version_max: 2.9 } })
    expect(demo.keys).toMatchObject({ default_version: 'r3.0', input_mapping: { device: 'MLC_DEMO_DEVICE' }, docker: { os: 'ubuntu' }, cache: false })
  })

  it('reads an automation meta whose deps are a mapping without failing, as an entry', async () => {
    const summary = await indexRepoFresh({ name: 'acme@ck', path: ck, source: ck, kind: 'extra', layout: 'cm', base: 'cm-mlops' })
    expect(summary.problems).toEqual([])
    expect(summary.entries).toBe(3)
  })
})

describe('find has CM semantics', () => {
  it('needs every _variation to name one, NAME.# wildcards included; -_x needs x to exist', async () => {
    const i = await index()
    expect(i.find('get,git,repo,_branch.main').map((a) => a.alias)).toEqual(['get-git-repo'])
    expect(i.find('get,git,repo,_branch.')).toEqual([])
    expect(i.find('get,git,repo,_nosuch')).toEqual([])
    expect(i.find('get,git,repo,-_lfs').map((a) => a.alias)).toEqual(['get-git-repo'])
    expect(i.find('app,_cuda,_fp16').map((a) => a.alias)).toEqual(['app-demo'])
    expect(i.find('app,_cuda,fp16')).toEqual([])
    expect(i.find('get,-python3').map((a) => a.alias)).not.toContain('get-python3')
  })

  it('names every candidate of an alias in two repos, and of a uid two scripts share, instead of choosing', async () => {
    const i = await index()
    expect(() => i.get('detect-os')).toThrow(/2 artifacts have the alias "detect-os".*acme@mlc-scripts:detect-os.*acme@ck:detect-os/)
    expect(i.get('acme@ck:detect-os').uid).toBe('bb00000000000005')
    expect(() => i.get('1a2b3c4d5e6f0007')).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_AMBIGUOUS', hint: expect.stringMatching(/acme@mlc-scripts:get-onnx-a/) }),
    )
    const show = cmc(['show', 'detect-os', '--repo', mlc, '--repo', ck])
    expect(show.status).toBe(2)
    expect(show.stderr).toMatch(/ARTIFACT_AMBIGUOUS/)
    expect(show.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('show loses nothing a CM user reads', () => {
  it('keeps every dep list in its place with names and conditions, and every kind of variation', async () => {
    const i = await index()
    const v = describeCmScript(i.get('app-demo'))
    expect(Object.keys(v.deps)).toEqual(['deps', 'prehook_deps', 'posthook_deps', 'post_deps'])
    expect(v.deps.deps?.[2]).toMatchObject({ names: ['cuda'], conditions: { enable_if_env: { MLC_DEMO_DEVICE: ['cuda'] } } })
    // `on` is YAML 1.1's true, as PyYAML reads it
    expect(v.deps.deps?.[4].conditions).toEqual({ enable_if_any_env: { MLC_DEMO_HELPER: [true], MLC_DEMO_EXTRA: [true] } })
    expect(v.groups).toContainEqual({ group: 'device', names: ['cpu', 'cuda'], default: 'cpu' })
    const combined = v.variations.find((x) => x.name === 'cuda,fp16')!
    expect(combined).toMatchObject({ combined: true, more: { docker: { base_image: 'nvidia/cuda' } } })
    expect(combined.deps.deps?.[0]).toMatchObject({ tags: 'get,python3', more: { version: '3.12' } })
    expect(v.variations.find((x) => x.name === 'fp16')).toMatchObject({ base: ['cuda'], more: { default_variations: { history: 'full' } } })
    expect(v.variations.find((x) => x.name === 'cuda')!.more).toMatchObject({ adr: { 'src-repo': { tags: '_full-history' } } })
    const text = cmc(['show', 'app-demo', '--repo', mlc])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(/posthook_deps: \(after the script runs\)\n\s+- get,sys-utils-min {2}names: utils/)
    expect(text.stdout).toMatch(/_branch\.#|combined \(on when all parts are\): _cuda,_fp16/)
  })
})

describe('plan resolves the graph as CM does', () => {
  it('puts post deps after the script: detect-os is no cycle, and its windows-only dep is out, said why', async () => {
    const i = await index()
    // one repo's scripts: the other repo's detect-os would be a second candidate
    const scripts = i.all().filter((a) => a.repo === 'acme@mlc-scripts')
    const plan = planCmScript(scripts, i.get('acme@mlc-scripts:detect-os'))
    expect(plan.problems).toEqual([])
    const utils = plan.tree.children[0]
    expect(utils).toMatchObject({ list: 'post_deps', status: 'out' })
    expect(utils.why[0]).toMatch(/enable_if_env MLC_HOST_OS_TYPE=windows \(is \(set by detect-os at run time\)\): does not hold/)
    const win = planCmScript(scripts, i.get('acme@mlc-scripts:detect-os'), { env: { MLC_HOST_OS_TYPE: 'windows' } })
    expect(win.problems).toEqual([])
    expect(nodeOf(win.tree, 'get-sys-utils-min')?.status).toBe('in')
    expect(nodeOf(win.tree, 'detect-os', 'deps')?.status).toBe('cached')
    expect(win.order).toEqual(['detect-os', 'get-sys-utils-min'])
  })

  it('expands variations: group defaults, base, default_variations, combined ones, wildcards with their value, adr down the graph', async () => {
    const i = await index()
    const scripts = i.all().filter((a) => a.format === 'cm')
    const plain = planCmScript(scripts, i.get('app-demo'))
    expect(plain.tree.variations?.map((v) => v.tag)).toEqual(['cpu', 'short'])
    expect(nodeOf(plain.tree, 'get,cuda')?.status).toBe('out')
    const gpu = planCmScript(scripts, i.get('app-demo'), { variations: ['fp16'] })
    expect(gpu.problems).toEqual([])
    expect(Object.fromEntries(gpu.tree.variations!.map((v) => [v.tag, v.why]))).toEqual({
      cuda: 'base of _fp16',
      fp16: 'asked for',
      full: 'default of group history (default_variations of _fp16)',
      'cuda,fp16': 'combined: all of its parts are on',
    })
    expect(gpu.env).toMatchObject({ MLC_DEMO_DEVICE: 'cuda', MLC_DEMO_PRECISION: 'fp16' })
    expect(nodeOf(gpu.tree, 'get-cuda')).toMatchObject({ status: 'in', version: { version: 'master', why: 'default_version' } })
    const repo = nodeOf(gpu.tree, 'get-git-repo')!
    expect(repo.variations?.map((v) => v.tag)).toEqual(['branch.main', 'full-history'])
    expect(nodeOf(gpu.tree, 'get-python3')?.version).toEqual({ version: '3.12', why: 'asked for' })
    expect(nodeOf(gpu.tree, 'get-python3')?.why).toContain('added by variation _cuda,fp16')
    expect(repo.why).toContain('add_deps_recursive for src-repo: {"tags":"_full-history"}')
  })

  it('decides versions as CM does: the default moved into the range, a number read as its text', async () => {
    const i = await index()
    const plan = planCmScript(
      i.all().filter((a) => a.format === 'cm'),
      i.get('app-demo'),
    )
    expect(nodeOf(plan.tree, 'get-python3')?.version).toEqual({ version: '2.9', why: 'default_version 3.11 is above version_max 2.9' })
    expect(plan.tree.version).toEqual({ version: 'r3.0', why: 'default_version' })
  })

  it('evaluates env-conditioned deps on the env along the graph (--env, variation env, skip and any)', async () => {
    const i = await index()
    const scripts = i.all().filter((a) => a.format === 'cm')
    const local = planCmScript(scripts, i.get('app-demo'), { env: { MLC_DEMO_LOCAL_SRC: 'yes', MLC_DEMO_EXTRA: 'on' } })
    expect(nodeOf(local.tree, 'get,git,repo,_branch.main')?.status).toBe('out')
    expect(nodeOf(local.tree, 'install-helper')?.status).toBe('in')
    const order = local.order
    expect(order.indexOf('get-onnx-a[_prehook]')).toBeLessThan(order.indexOf('app-demo[_cpu,_short]'))
    expect(order.indexOf('app-demo[_cpu,_short]')).toBeLessThan(order.indexOf('get-sys-utils-min'))
  })

  it('applies update_meta_if_env where its conditions hold', async () => {
    const i = await index()
    const scripts = i.all().filter((a) => a.format === 'cm')
    expect(planCmScript(scripts, i.get('get-cuda')).env).not.toHaveProperty('MLC_CUDA_FOR_DEMO')
    expect(planCmScript(scripts, i.get('get-cuda'), { env: { MLC_DEMO_DEVICE: 'cuda' } }).env).toMatchObject({ MLC_CUDA_FOR_DEMO: 'yes' })
  })

  it('reports a cycle only where CM would loop, with the cycle', async () => {
    const i = await index()
    const plan = planCmScript(
      i.all().filter((a) => a.format === 'cm'),
      i.get('cycle-a'),
    )
    expect(plan.problems.map((p) => p.message)).toEqual(['dependency cycle: cycle-a -> cycle-b -> cycle-a'])
    const cli = cmc(['plan', 'cycle-a', '--repo', ck])
    expect(cli.status).toBe(2)
    expect(cli.stdout).toMatch(/cycle-b/)
    expect(cli.stderr).toMatch(/DEP_CYCLE/)
  })

  it('prints a tree that says why each dep is in or out, and --json for tools', () => {
    const text = cmc(['plan', 'app-demo', '--tags', '_cuda', '--env', 'MLC_DEMO_HELPER=yes', '--repo', mlc])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(/\+ deps: get-cuda as cuda master \(default_version\)/)
    expect(text.stdout).toMatch(/enable_if_env MLC_DEMO_DEVICE=cuda \(is cuda\): holds/)
    expect(text.stdout).toMatch(/run order: .*app-demo\[_cuda,_short\]/)
    const json = cmc(['plan', 'app-demo', '--json', '--repo', mlc])
    expect(json.status).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'cm-plan-1', target: { alias: 'app-demo' } })
  })
})

describe('what cmc does not do is said plainly', () => {
  it('refuses to compile an image that includes a CM script, exit 2, saying what to do instead', () => {
    const repo = writeTree(tmpDir('cm-image-'), {
      'cmc-repo.yaml': 'name: cm-image\n',
      'img/cmc.yaml': 'kind: image\nalias: with-cm\ncomponents: [{ tags: "get,cuda" }]\n',
    })
    made.push(repo)
    for (const cmd of ['dockerfile', 'plan', 'build']) {
      const r = cmc([cmd, 'with-cm', '--repo', repo, '--repo', mlc, '--platform', 'x86_64'])
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/CM_NEEDS_MLC/)
      expect(r.stderr).toMatch(/MLC runtime/)
      expect(r.stdout).not.toMatch(/FROM /)
    }
  })

  it('refuses to compile, build or run a CM script named itself, exit 2, naming it a script and what runs it', () => {
    for (const cmd of ['dockerfile', 'build', 'run']) {
      const r = cmc([cmd, 'app-demo', '--repo', mlc, '--platform', 'x86_64'])
      expect(r.status, cmd).toBe(2)
      expect(r.stderr).toMatch(/CM_NEEDS_MLC\]: app-demo \(acme@mlc-scripts\) is a CM\/MLC script/)
      expect(r.stderr).toMatch(/cmc plan app-demo.*mlcr app,demo/)
      expect(r.stderr).not.toMatch(/is a component/)
      expect(r.stdout).not.toMatch(/FROM /)
    }
  })
})
