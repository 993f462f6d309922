// `cmc plan` of a CM/MLC script: the graph CM would walk, without running
// anything. Each script's env is built as CM builds it (default_env where
// unset, then env, then each version's and variation's meta in turn); its
// deps and prehook_deps come before it and its posthook_deps and post_deps
// after it; each dep's conditions are decided on the env at that point, its
// tags may grow from the env, and its add_deps_recursive entries go down the
// graph. A script reached again below itself is a cycle only where CM would
// loop: through pre-dependencies, or after its run when it keeps no cache.
import { CmcError, type ErrorCode, type SourcePosition } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'
import { nearest } from '../meta/nearest.js'
import { positionIn } from '../meta/position.js'
import { judgeDep, type Env } from './conditions.js'
import {
  adrOf,
  addDepsOf,
  appendDeps,
  applyAddDeps,
  depTags,
  envKeyNames,
  keyPatterns,
  mergeDepInfo,
  mergeEnv,
  setByRun,
  type Adr,
  type Lists,
} from './metaUpdates.js'
import { matchesCm, parseCmQuery, type CmQuery } from './search.js'
import { asRecord, DEP_LISTS, depsOf, envOf, pyStr, scalarText, variationsOf, type CmDep, type CmRaw, type DepList } from './script.js'
import { selectVariations } from './variations.js'

export { setAtRunTime } from './metaUpdates.js'
import { chooseVersion, versionRequest, type ChosenVersion, type VersionRequest } from './versions.js'
import { isRecord } from '../values.js'

export interface CmPlanNode {
  /** How it is reached: the target, or the dep list of its parent. */
  list: 'target' | DepList
  /** The dep's tags as CM searches them (grown from the env where the dep says so). */
  tags: string
  names: string[]
  /** in: planned here; out: a condition leaves it out; missing: no script matches; repeat: planned above; cached: reused from CM's cache; cycle */
  status: 'in' | 'out' | 'missing' | 'repeat' | 'cached' | 'cycle'
  why: string[]
  script?: { alias: string; uid: string; repo: string; file: string }
  variations?: Array<{ tag: string; why: string }>
  version?: ChosenVersion
  /** Env keys its run hands back to the scripts after it (new_env_keys), known by name only. */
  exports?: string[]
  children: CmPlanNode[]
}

export interface CmPlanProblem {
  code: ErrorCode
  message: string
  where?: SourcePosition
  hint?: string
}

export interface CmPlan {
  format: 'cm-plan-1'
  target: { alias: string; uid: string; repo: string }
  /** The target's env once its own metas applied (what its deps start from). */
  env: Record<string, unknown>
  tree: CmPlanNode
  /** Scripts in the order CM would run them, as alias[_variations]. */
  order: string[]
  problems: CmPlanProblem[]
}

interface Frame {
  key: string
  alias: string
  /** The list the frame's script was reached by. */
  via: CmPlanNode['list']
  cache: boolean
}

export class CmPlanner {
  private readonly byTag = new Map<string, Artifact[]>()
  /** The env keys each planned script run hands back, by its key (uid, variations, version). */
  private readonly exports = new Map<string, string[]>()
  private readonly order: string[] = []
  private readonly problems: CmPlanProblem[] = []

  constructor(private readonly scripts: Artifact[]) {
    for (const a of scripts)
      for (const t of a.tags) {
        const list = this.byTag.get(t)
        if (list) list.push(a)
        else this.byTag.set(t, [a])
      }
  }

  /** Scripts answering a query, as CM's search finds them, in the order CM offers them (meta `sort`, then path). */
  find(q: CmQuery): Artifact[] {
    const pool = q.include.length ? q.include.map((t) => this.byTag.get(t) ?? []).reduce((a, b) => (b.length < a.length ? b : a)) : this.scripts
    const sortOf = (a: Artifact) => {
      const n = Number((a.meta as unknown as CmRaw).sort)
      return Number.isFinite(n) ? n : 0
    }
    return pool
      .filter((a) => matchesCm(a.tags, a.meta as unknown as CmRaw, q))
      .sort((a, b) => sortOf(a) - sortOf(b) || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))
  }

  plan(target: Artifact, variations: string[], env: Record<string, string>): CmPlan {
    const tree = this.script(target, variations, { ...env }, {}, {}, [], 'target')
    tree.tags = [...target.tags, ...variations.map((v) => (v.startsWith('-') ? `-_${v.slice(1)}` : `_${v}`))].join(',')
    return {
      format: 'cm-plan-1',
      target: { alias: target.alias, uid: target.uid, repo: target.repo },
      env: this.targetEnv ?? {},
      tree,
      order: this.order,
      problems: this.problems,
    }
  }

  private targetEnv?: Env

  private script(a: Artifact, requested: string[], inEnv: Env, inheritedAdr: Adr, req: VersionRequest, stack: Frame[], via: CmPlanNode['list']): CmPlanNode {
    const raw = a.meta as unknown as CmRaw
    const env: Env = { ...inEnv }
    const lists = Object.fromEntries(DEP_LISTS.map((l) => [l, depsOf(raw, l)])) as Lists
    const adr: Adr = { ...inheritedAdr }
    const apply = (meta: Record<string, unknown>, at: Array<string | number>, withDeps: boolean) => {
      for (const [k, v] of Object.entries(envOf(meta.default_env))) if (!(k in env)) env[k] = v
      mergeEnv(env, envOf(meta.env))
      for (const [name, info] of Object.entries(adrOf(meta))) adr[name] = mergeDepInfo(adr[name] ?? {}, info)
      if (withDeps) for (const l of DEP_LISTS) lists[l] = appendDeps(lists[l], depsOf(meta, l, at))
      applyAddDeps(lists, addDepsOf(meta), env)
      // update_meta_if_env: each entry whose conditions hold on the env so far applies as a meta
      if (Array.isArray(meta.update_meta_if_env))
        meta.update_meta_if_env.forEach((u, i) => {
          if (isRecord(u) && judgeDep(u, env).enabled) apply({ ...u, update_meta_if_env: undefined }, [...at, 'update_meta_if_env', i], true)
        })
    }
    apply(raw, [], false)
    const versions = asRecord(raw.versions)
    let version = chooseVersion(req, { ...raw, default_version: undefined })
    if (version?.version && isRecord(versions[version.version]))
      apply(versions[version.version] as Record<string, unknown>, ['versions', version.version], true)
    const vars = variationsOf(raw)
    const asked = [...requested]
    if (version?.version && !asked.includes(`version.${version.version}`) && (`version.${version.version}` in vars || 'version.#' in vars))
      asked.push(`version.${version.version}`)
    const versionMeta =
      version?.version && isRecord(versions[version.version])
        ? [{ meta: versions[version.version] as Record<string, unknown>, label: `version ${version.version}` }]
        : []
    const sel = selectVariations(raw, asked, { alias: a.alias, file: a.file }, versionMeta)
    let defaultVersion = raw.default_version
    for (const { key, meta } of sel.applied) {
      apply(meta, ['variations', key], true)
      if (meta.default_version !== undefined) defaultVersion = meta.default_version
    }
    applyAddDeps(lists, adr, env)
    if (!version?.version) {
      const chosen = chooseVersion(req, { ...raw, default_version: defaultVersion })
      if (chosen) version = chosen
      const dv = scalarText(defaultVersion)
      if (chosen?.version && dv !== undefined && isRecord(versions[dv])) apply(versions[dv] as Record<string, unknown>, ['versions', dv], true)
    }
    if (via === 'target') this.targetEnv = { ...env }

    const node: CmPlanNode = {
      list: via,
      tags: '',
      names: [],
      status: 'in',
      why: [],
      script: { alias: a.alias, uid: a.uid, repo: a.repo, file: a.file },
      variations: [
        ...sel.tags.map((t) => ({ tag: t, why: sel.why[t] })),
        ...sel.applied.filter((x) => x.key.includes(',')).map((x) => ({ tag: x.key, why: sel.why[x.key] })),
      ],
      version,
      children: [],
    }
    const label = sel.tags.length ? `${a.alias}[${sel.tags.map((t) => `_${t}`).join(',')}]` : a.alias
    const key = `${a.uid}|${[...sel.tags].sort().join(',')}|${version?.version ?? ''}`
    const at = stack.findIndex((f) => f.key === key)
    const afterItsRun = at >= 0 && [...stack.slice(at + 1).map((f) => f.via), via].some((l) => l === 'post_deps' || l === 'posthook_deps')
    // run again after its own run, without a cache: CM runs it again with the env its run
    // left, which may leave out the dep that led back; a third time round is a loop
    const again = afterItsRun && !stack[at].cache && stack.filter((f) => f.key === key).length === 1
    if (at >= 0 && !again) {
      if (afterItsRun && stack[at].cache) {
        node.status = 'cached'
        node.why.push(`${label} has run above and keeps a cache (cache: true): CM reuses it`)
        return node
      }
      const cycle = [...stack.slice(at).map((f) => f.alias), a.alias].join(' -> ')
      node.status = 'cycle'
      node.why.push(
        afterItsRun
          ? `reached again after its run, and it keeps no cache: CM would run it again and again`
          : 'reached again before its run: CM would recurse without end',
      )
      this.problems.push({
        code: 'DEP_CYCLE',
        message: `dependency cycle: ${cycle}`,
        where: { file: a.file },
        hint: afterItsRun
          ? `${a.alias} keeps no cache; CM would loop here too`
          : 'a script needs itself before it runs; remove one of these deps or guard it with enable_if_env',
      })
      return node
    }
    const known = again ? undefined : this.exports.get(key)
    if (again) node.why.push('runs again after its own run (it keeps no cache), with the env that run left')
    if (known) {
      node.status = 'repeat'
      node.why.push('planned above')
      node.exports = known
      return node
    }
    if (!again) this.exports.set(key, [])
    const frames = [...stack, { key, alias: a.alias, via, cache: raw.cache === true || pyStr(raw.cache).toLowerCase() === 'true' }]
    // what the deps' runs hand back is set, by name, for the deps after them
    const handedBack = new Set<string>()
    const deps = (list: DepList) => {
      for (const d of lists[list]) {
        const child = this.dep(a, d, list, env, adr, sel.tags, frames)
        node.children.push(child)
        for (const k of child.exports ?? []) {
          handedBack.add(k)
          setByRun(env, k, child.script!.alias)
        }
      }
    }
    deps('deps')
    deps('prehook_deps')
    this.order.push(label)
    const own = envKeyNames(raw.new_env_keys)
    for (const k of own) setByRun(env, k, a.alias)
    deps('posthook_deps')
    deps('post_deps')
    const patterns = keyPatterns(raw.new_env_keys)
    // as in MLC, a run hands back only what its new_env_keys name (a wildcard handed up must fall under one)
    node.exports = [...new Set([...own, ...[...handedBack].filter((k) => patterns.some((p) => p.test(k)))])]
    if (!again) this.exports.set(key, node.exports)
    return node
  }

  private dep(parent: Artifact, d: CmDep, list: DepList, env: Env, adr: Adr, parentVariations: string[], stack: Frame[]): CmPlanNode {
    const base: CmPlanNode = { list, tags: d.tags, names: d.names, status: 'out', why: [], children: [] }
    if (d.at[0] === 'variations') base.why.push(`added by variation _${String(d.at[1])}`)
    else if (d.at[0] === 'versions') base.why.push(`added by version ${String(d.at[1])}`)
    const updated = d.names.filter((n) => adr[n])
    if (updated.length) base.why.push(`add_deps_recursive for ${updated.join(', ')}: ${updated.map((n) => JSON.stringify(adr[n])).join('; ')}`)
    if (!d.tags) {
      base.why.push('no tags: CM skips it')
      return base
    }
    const verdict = judgeDep(d.raw, env)
    if (!verdict.enabled) {
      base.why.push(...verdict.checks.map((c) => `${c.text}: ${c.holds ? 'holds' : 'does not hold'}`))
      return base
    }
    base.why.push(...verdict.checks.map((c) => `${c.text}: ${c.holds ? 'holds' : 'does not hold'}`))
    const childEnv: Env = { ...env }
    mergeEnv(childEnv, envOf(d.raw.env))
    const tags = depTags(d, childEnv, parentVariations, variationsOf(parent.meta as unknown as CmRaw))
    base.tags = tags
    const q = parseCmQuery(tags)
    const found = this.find(q)
    if (!found.length) {
      base.status = 'missing'
      const known = new Set(this.scripts.flatMap((a) => a.tags))
      const unknown = q.include.filter((t) => !known.has(t))
      const near = unknown.flatMap((t) => nearest(t, known, 2).map((n) => `${t} -> ${n}`))
      const why = unknown.length
        ? `no script has the tag(s) ${unknown.join(', ')}`
        : q.variations.length
          ? 'no script with these tags has these variations'
          : 'no script has all of these tags'
      base.why.push(why)
      this.problems.push({
        code: 'DEP_NOT_FOUND',
        message: `${list}[${String(d.at[d.at.length - 1])}] of ${parent.alias} ("${tags}"): ${why}`,
        where: position(parent, d.at),
        hint: near.length ? `nearest tags: ${near.join(', ')}` : `see \`cmc find --tags ${q.include.join(',')}\``,
      })
      return base
    }
    if (found.length > 1)
      base.why.push(`${found.length} scripts match (${found.map((a) => `${a.repo}:${a.alias}`).join(', ')}): CM asks which; planned with the first`)
    try {
      const child = this.script(found[0], q.variations, childEnv, adr, versionRequest(d.raw), stack, list)
      child.tags = tags
      child.names = d.names
      child.why.unshift(...base.why)
      return child
    } catch (err) {
      if (!(err instanceof CmcError)) throw err
      base.status = 'missing'
      base.why.push(err.message)
      this.problems.push({
        code: err.code,
        message: `${list} "${tags}" of ${parent.alias}: ${err.message}`,
        where: err.where ?? position(parent, d.at),
        hint: err.hint,
      })
      return base
    }
  }
}

function position(a: Artifact, at: Array<string | number>): SourcePosition {
  return positionIn(a, at)
}

/** Plan a CM script for the variations asked for (`_x` without the `_`; `-x` turns one off) and an env. */
export function planCmScript(scripts: Artifact[], target: Artifact, opts: { variations?: string[]; env?: Record<string, string> } = {}): CmPlan {
  return new CmPlanner(scripts).plan(target, opts.variations ?? [], opts.env ?? {})
}
