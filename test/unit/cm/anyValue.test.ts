// Whatever YAML or JSON holds at any key of a CM script meta, reading,
// finding, showing and planning end in a result or a user's error naming the
// file (exit 0 or 2), never in a crash. Random values at every key CM reads,
// from a seeded generator so a failure replays.
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { describeCmScript, renderCmScript } from '../../../src/cm/describe.js'
import { planCmScript } from '../../../src/cm/plan.js'
import { renderCmPlan } from '../../../src/cm/renderPlan.js'
import { CmcError } from '../../../src/errors.js'
import { loadIndex } from '../../../src/repos/index.js'
import { repoRoot, tmpDir, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
const root = tmpDir('cm-any-')
afterAll(() => {
  home.cleanup()
  rmSync(root, { recursive: true, force: true })
})

function rng(seed: number) {
  let s = seed >>> 0
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32
}

const KEYS = [
  'alias',
  'uid',
  'tags',
  'cache',
  'default_version',
  'default_variation',
  'default_variations',
  'versions',
  'default_env',
  'env',
  'new_env_keys',
  'input_mapping',
  'docker',
  'add_deps_recursive',
  'adr',
  'add_deps',
  'ad',
  'deps',
  'prehook_deps',
  'posthook_deps',
  'post_deps',
  'variations',
  'valid_variation_combinations',
  'invalid_variation_combinations',
  'sort',
]
const DEP_KEYS = [
  'tags',
  'names',
  'version',
  'version_min',
  'version_max',
  'version_max_usable',
  'enable_if_env',
  'skip_if_env',
  'enable_if_any_env',
  'skip_if_any_env',
  'env',
  'update_tags_from_env',
  'update_tags_from_env_with_prefix',
  'inherit_variation_tags',
  'skip_inherit_variation_groups',
]
const VAR_KEYS = ['group', 'default', 'base', 'default_variations', 'alias', 'env', 'deps', 'post_deps', 'adr', 'default_version', 'docker']

function value(r: () => number, depth: number, keys: string[] = []): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 7 : 10))
  const texts = ['', 'get,a', '_x', 'x.#', 'a,b', '-_y', 'yes', 'no', '<<<K>>>', '#', 'get,a,_v.1', '3.10', 'master']
  switch (pick) {
    case 0:
      return null
    case 1:
      return r() < 0.5
    case 2:
      return Math.floor(r() * 3000) / (r() < 0.5 ? 1 : 10)
    case 3:
    case 4:
      return texts[Math.floor(r() * texts.length)]
    case 5:
      return -1
    case 6:
      return texts[Math.floor(r() * texts.length)] + String(Math.floor(r() * 4))
    case 7:
      return Array.from({ length: Math.floor(r() * 3) }, () => value(r, depth + 1, keys))
    default: {
      const out: Record<string, unknown> = {}
      const pool = keys.length ? keys : texts
      for (let i = Math.floor(r() * 4); i > 0; i--) out[pool[Math.floor(r() * pool.length)] || 'k'] = value(r, depth + 1, depth === 0 ? DEP_KEYS : VAR_KEYS)
      return out
    }
  }
}

function meta(r: () => number, n: number): Record<string, unknown> {
  const m: Record<string, unknown> = {
    alias: `s${n}`,
    uid: `00000000000000${String(n).padStart(2, '0')}`,
    automation_alias: 'script',
    tags: ['get', 'a', `s${n}`],
  }
  for (const k of KEYS) if (r() < 0.5) m[k] = value(r, 0, k.includes('deps') ? DEP_KEYS : k === 'variations' ? VAR_KEYS : [])
  if (r() < 0.5) m.deps = [{ tags: 'get,a' }, { tags: `s${(n + 1) % 6}`, names: ['next'] }]
  return m
}

describe('any value at any key', () => {
  it('never crashes reading, finding, showing or planning (only user errors naming the file)', async () => {
    const r = rng(20251202)
    for (let round = 0; round < 12; round++) {
      const repo = path.join(root, `r${round}`)
      writeFileSync(path.join(mkdirp(repo), 'meta.yaml'), `alias: any${round}\nuid: 5c0ffee0000000${String(round).padStart(2, '0')}\n`)
      for (let n = 0; n < 6; n++) {
        const dir = mkdirp(path.join(repo, 'script', `s${n}`))
        const m = meta(r, n)
        if (r() < 0.5) writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(m))
        else writeFileSync(path.join(dir, 'meta.yaml'), (await import('js-yaml')).dump(m))
      }
      const index = await loadIndex({ extraRepos: [repo], builtin: false })
      const scripts = index.all().filter((a) => a.format === 'cm')
      expect(scripts.length).toBe(6)
      for (const q of ['get,a', 'get,a,_x', 'get,a,_x.1,-_y', 's1,-a']) index.find(q)
      for (const a of scripts) {
        renderCmScript(describeCmScript(a))
        for (const variations of [[], ['x'], ['x.1'], ['-y']]) {
          try {
            const plan = planCmScript(scripts, a, { variations, env: { K: 'yes' } })
            renderCmPlan(plan)
            for (const p of plan.problems) expect(p.where?.file).toBeTruthy()
            JSON.stringify(plan)
          } catch (e) {
            expect(e).toBeInstanceOf(CmcError)
            expect((e as CmcError).where?.file).toBeTruthy()
          }
        }
      }
    }
  })

  it('through the command line: exit 0 or 2, never a stack trace', () => {
    const repo = path.join(root, 'r3')
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { env: { ...process.env, CMC_HOME: home.home }, encoding: 'utf8' })
    for (const args of [
      ['repo', 'add', repo],
      ['find', '--tags', 'get,a,_x'],
      ['show', 'any3:s1'],
      ['plan', 'any3:s0', '--tags', '_x.1'],
    ]) {
      const r = run(...args)
      expect([0, 2]).toContain(r.status)
      expect(r.stderr).not.toMatch(/\n\s+at \S+ \(/)
      if (r.status === 2) expect(r.stderr).toMatch(/script\/s\d\/meta\.(yaml|json)|error\[/)
    }
  })
})

function mkdirp(d: string): string {
  mkdirSync(d, { recursive: true })
  return d
}
