// The resolver: from an image or benchmark to a build plan. Deps are tag
// queries; `_name` selects variations (groups have one default); semver ranges
// pick the highest satisfying version; `when:` conditions filter per platform;
// cycles are reported as the cycle; the order is deterministic.
import { CmcError } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'
import { nearest } from '../meta/nearest.js'
import { positionIn } from '../meta/position.js'
import type { BenchmarkMeta, ComponentMeta, Dep, DepObject, ImageMeta } from '../meta/schema.js'
import { matchesQuery, parseTagQuery, variationsOf } from '../repos/tagQuery.js'
import { mergeEnv } from './env.js'
import { planHash } from './hash.js'
import type { BuildPlan, LayerName, PlanBenchmark, PlanNode, PlanPlatform } from './plan.js'
import { platformProfile, whenHolds, type ArtifactSource } from './platforms.js'
import { topoOrder } from './topoOrder.js'
import { refuseCmScript, withoutCmScripts } from './cmScripts.js'
import { semver } from '../lazy.js'

// semver is 47 modules: loaded only when two candidates or a version range need it

export interface ResolveOptions {
  platform: string
  /** Env from the command line (highest precedence). */
  env?: Record<string, string>
}

interface Requester {
  artifact: Artifact
  /** Key path of the deps list in the requester's meta, for error positions. */
  keyPath: Array<string | number>
}

const normDep = (d: Dep): DepObject => (typeof d === 'string' ? { tags: d } : d)

class Resolver {
  private readonly nodes = new Map<string, PlanNode>()
  private readonly depEnv = new Map<string, Record<string, string>>()
  private readonly components: Artifact[]

  constructor(
    index: ArtifactSource,
    private readonly platform: PlanPlatform,
  ) {
    this.components = index.all().filter((a) => a.kind === 'component')
  }

  plan(): PlanNode[] {
    return topoOrder([...this.nodes.values()])
  }

  /** Resolve one dep; returns the node id, or undefined when skipped. */
  resolveDep(dep: Dep, req: Requester, chain: string[]): string | undefined {
    const d = normDep(dep)
    if (!whenHolds(d.when, this.platform)) return undefined
    const q = parseTagQuery(d.tags)
    const where = () => positionIn(req.artifact, req.keyPath)
    let candidates = withoutCmScripts(
      this.components.filter((a) => matchesQuery(a, q) && whenHolds((a.meta as ComponentMeta).when, this.platform)),
      d.tags,
      req.artifact,
      where,
    )
    if (!candidates.length) {
      if (d.optional) return undefined
      const anyPlatform = this.components.filter((a) => matchesQuery(a, q))
      if (anyPlatform.length) {
        throw new CmcError(
          'DEP_NOT_ON_PLATFORM',
          `dep "${d.tags}" of ${req.artifact.alias} matches ${anyPlatform.map((a) => a.alias).join(', ')}, but not on platform ${this.platform.name}`,
          {
            where: where(),
            hint: `add a \`when:\` to the dep, or a component for ${this.platform.name}`,
          },
        )
      }
      const allTags = new Set(this.components.flatMap((a) => a.tags))
      const missing = q.include.filter((t) => !allTags.has(t))
      const sugg = missing.flatMap((t) => nearest(t, allTags, 2).map((n) => `${t} -> ${n}`))
      throw new CmcError('DEP_NOT_FOUND', `dep "${d.tags}" of ${req.artifact.alias} matches no component`, {
        where: where(),
        hint: sugg.length
          ? `nearest tags: ${sugg.join(', ')}`
          : missing.length
            ? `no component has tag(s) ${missing.join(', ')}; see \`cmc find\``
            : 'no component has all of these tags; see `cmc find --tags ...`',
      })
    }
    if (d.version) {
      const range = semver().validRange(d.version)
      if (!range)
        throw new CmcError('VERSION_RANGE_INVALID', `"${d.version}" is not a semver range`, { where: where(), hint: 'write e.g. ">=3.10 <3.13" or "^12.0"' })
      const ok = candidates.filter((a) => a.version && semver().satisfies(semver().coerce(a.version) ?? '0.0.0', range))
      if (!ok.length) {
        const versions = candidates.map((a) => `${a.alias} ${a.version ?? '(no version)'}`)
        throw new CmcError('VERSION_UNSATISFIABLE', `no version of "${d.tags}" satisfies ${d.version}`, {
          where: where(),
          hint: `available: ${versions.join(', ')}`,
        })
      }
      candidates = ok
    }
    // Highest version wins; then the earlier repo/alias (index order) for determinism.
    const chosen = [...candidates].sort((a, b) => {
      const va = semver().coerce(a.version ?? ''),
        vb = semver().coerce(b.version ?? '')
      if (va && vb && !semver().eq(va, vb)) return semver().rcompare(va, vb)
      if (va && !vb) return -1
      if (vb && !va) return 1
      return 0
    })[0]
    const id = this.resolveComponent(chosen, q.variations, req, chain)
    if (d.env) this.depEnv.set(id, { ...(this.depEnv.get(id) ?? {}), ...d.env })
    return id
  }

  private selectVariations(a: Artifact, requested: string[], req: Requester): string[] {
    const vars = variationsOf(a)
    const selected = new Set(requested)
    // Platform variations (e.g. cuda) apply where the component has them and
    // the request did not pick another member of the same group.
    for (const pv of this.platform.variations) {
      if (!vars[pv] || selected.has(pv)) continue
      const g = vars[pv].group
      if (g && [...selected].some((s) => vars[s]?.group === g)) continue
      selected.add(pv)
    }
    for (const s of [...selected]) if (!whenHolds(vars[s]?.when, this.platform)) selected.delete(s)
    const groups = new Map<string, string[]>()
    for (const [name, v] of Object.entries(vars)) if (v.group) groups.set(v.group, [...(groups.get(v.group) ?? []), name])
    for (const [group, members] of groups) {
      const chosen = members.filter((m) => selected.has(m))
      if (chosen.length > 1) {
        throw new CmcError(
          'VARIATION_CONFLICT',
          `variations ${chosen.map((c) => `_${c}`).join(' and ')} of ${a.alias} are both selected, but they belong to one group "${group}"`,
          {
            where: positionIn(req.artifact, req.keyPath),
            hint: `select one of ${members.map((m) => `_${m}`).join(', ')}`,
          },
        )
      }
      if (!chosen.length) {
        const def = members.find((m) => vars[m].default && whenHolds(vars[m].when, this.platform))
        if (def) selected.add(def)
      }
    }
    return [...selected].sort()
  }

  resolveComponent(a: Artifact, requested: string[], req: Requester, chain: string[]): string {
    const variations = this.selectVariations(a, requested, req)
    const id = variations.length ? `${a.alias}[${variations.map((v) => `_${v}`).join(',')}]` : a.alias
    if (chain.includes(a.uid)) {
      const names = chain.map((uid) => this.components.find((c) => c.uid === uid)?.alias ?? uid)
      const cycle = [...names.slice(names.indexOf(a.alias)), a.alias].join(' -> ')
      throw new CmcError('DEP_CYCLE', `dependency cycle: ${cycle}`, { where: { file: a.file }, hint: 'remove one of these deps' })
    }
    if (this.nodes.has(id)) return id
    const m = a.meta as ComponentMeta
    const vars = variationsOf(a)
    const node: PlanNode = {
      id,
      uid: a.uid,
      alias: a.alias,
      kind: 'component',
      repo: a.repo,
      relDir: a.relDir,
      dir: a.dir,
      version: variations.map((v) => vars[v].version).find(Boolean) ?? a.version,
      variations,
      layer: (m.layer ?? 'library') as LayerName,
      install: { apt: [], pip: [], run: [], files: [], env: {} },
      runtime: { apt: [], copy: [], env: {} },
      deps: [],
    }
    const parts = [
      { install: m.install, runtime: m.runtime, env: m.env },
      ...variations.map((v) => ({ install: vars[v].install, runtime: vars[v].runtime, env: vars[v].env })),
    ]
    for (const p of parts) {
      node.install.apt.push(...(p.install?.apt ?? []))
      node.install.pip.push(...(p.install?.pip ?? []))
      const run = p.install?.run
      node.install.run.push(...(run === undefined ? [] : Array.isArray(run) ? run : [run]))
      node.install.files.push(...(p.install?.files ?? []))
      node.install.env = { ...node.install.env, ...p.env, ...p.install?.env }
      node.runtime.apt.push(...(p.runtime?.apt ?? []))
      node.runtime.copy.push(...(p.runtime?.copy ?? []))
      node.runtime.env = { ...node.runtime.env, ...p.runtime?.env }
    }
    if (m.cross) node.cross = Object.fromEntries(Object.entries(m.cross).map(([arch, c]) => [arch, { apt: c?.apt ?? [], env: c?.env ?? {} }]))
    node.install.apt = [...new Set(node.install.apt)]
    node.runtime.apt = [...new Set(node.runtime.apt)]
    this.nodes.set(id, node)
    const next = [...chain, a.uid]
    const deps: Array<{ dep: Dep; keyPath: Array<string | number> }> = [
      ...(m.deps ?? []).map((dep, i) => ({ dep, keyPath: ['deps', i] })),
      ...variations.flatMap((v) => (vars[v].deps ?? []).map((dep, i) => ({ dep, keyPath: ['variations', v, 'deps', i] }))),
    ]
    for (const { dep, keyPath } of deps) {
      const depId = this.resolveDep(dep, { artifact: a, keyPath }, next)
      if (depId && !node.deps.includes(depId)) node.deps.push(depId)
    }
    return id
  }

  envFor(id: string): Record<string, string> | undefined {
    return this.depEnv.get(id)
  }
}

function benchmarkSection(b: Artifact): PlanBenchmark {
  const m = b.meta as BenchmarkMeta
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v])
  return {
    alias: b.alias,
    uid: b.uid,
    repo: b.repo,
    relDir: b.relDir,
    dir: b.dir,
    files: m.files ?? [],
    build: m.build ? { run: list(m.build.run), artifacts: m.build.artifacts, apt: m.build.apt ?? [], ...(m.build.cross ? { cross: true } : {}) } : undefined,
    workdir: m.workdir ?? `/opt/cmc/${b.alias}`,
    command: m.command,
    params: m.params ?? {},
    inputs: m.inputs ?? {},
    outputs: { dir: m.outputs?.dir ?? '/cmc/out', metrics: m.outputs?.metrics, maxBytes: m.outputs?.maxBytes ?? 64 * 1024 * 1024 },
    devices: { gpu: m.devices?.gpu, paths: m.devices?.paths ?? [] },
    secrets: m.secrets ?? [],
    repeat: m.repeat ?? 1,
    warmup: m.warmup ?? 0,
    timeout: m.timeout,
    env: m.env ?? {},
  }
}

function dropNames(env: Record<string, string>, names: Set<string>): Record<string, string> {
  return names.size ? Object.fromEntries(Object.entries(env).filter(([k]) => !names.has(k))) : env
}

/** A node whose env lines leave out the benchmark's secrets (a component may set the same name). */
function withoutSecrets(n: PlanNode, secrets: Set<string>): PlanNode {
  if (!secrets.size) return n
  return { ...n, install: { ...n.install, env: dropNames(n.install.env, secrets) }, runtime: { ...n.runtime, env: dropNames(n.runtime.env, secrets) } }
}

/**
 * The image or benchmark a command names. Aliases are unique per kind, not
 * across kinds (an image may share its alias with a component), so
 * benchmarks and images are looked for first; where two repos have one, that
 * of a repo given with --repo is the one the user pointed at.
 */
export function findTarget(index: ArtifactSource, target: string): Artifact {
  const given = new Set((index.repos?.() ?? []).filter((r) => r.kind === 'extra').map((r) => r.name))
  const hits = index.all().filter((a) => (a.kind === 'benchmark' || a.kind === 'image') && (a.uid === target || a.alias === target))
  return hits.find((a) => given.has(a.repo)) ?? hits[0] ?? index.get(target)
}

/** The image of a target (itself, or a benchmark's image). */
export function imageOfTarget(index: ArtifactSource, target: string): Artifact {
  const t = findTarget(index, target)
  return t.kind === 'benchmark' ? index.get((t.meta as BenchmarkMeta).image, { kind: 'image' }) : t
}

/** Resolve an image or benchmark (alias or uid) for one platform. */
export function resolvePlan(index: ArtifactSource, target: string, opts: ResolveOptions): BuildPlan {
  const t = findTarget(index, target)
  if (t.format === 'cm') refuseCmScript(t)
  if (t.kind !== 'image' && t.kind !== 'benchmark') {
    throw new CmcError('TARGET_KIND', `${t.alias} is a ${t.kind}; plans are made for images and benchmarks`, {
      hint: 'give the alias of an image or a benchmark (`cmc find --kind image`)',
    })
  }
  const bench = t.kind === 'benchmark' ? t : undefined
  const image = bench ? index.get((bench.meta as BenchmarkMeta).image, { kind: 'image' }) : t
  const im = image.meta as ImageMeta
  const platform = platformProfile(index, opts.platform)
  if (im.platforms && !im.platforms.includes(platform.name)) {
    throw new CmcError('PLATFORM_NOT_SUPPORTED', `image ${image.alias} does not target platform ${platform.name}`, {
      where: positionIn(image, ['platforms']),
      hint: `its platforms: ${im.platforms.join(', ')}; add ${platform.name} there or choose one of them`,
    })
  }
  const override = im.base?.[platform.name]
  if (override) platform.base = { build: override.build ?? platform.base.build, runtime: override.runtime ?? platform.base.runtime }

  const r = new Resolver(index, platform)
  im.components.forEach((dep, i) => r.resolveDep(dep, { artifact: image, keyPath: ['components', i] }, []))
  const benchmark = bench ? benchmarkSection(bench) : undefined
  // A declared secret's value reaches only the running container (src/pipeline/secrets.ts): in the
  // plan it would become an ENV line, a layer and a pushed image, and it would be printed and hashed.
  const secrets = new Set(benchmark?.secrets ?? [])
  const nodes = r.plan().map((n) => withoutSecrets(n, secrets))
  if (benchmark) benchmark.env = dropNames(benchmark.env, secrets)
  const env = dropNames(
    mergeEnv(nodes, (id) => r.envFor(id), im.env, benchmark?.env, opts.env),
    secrets,
  )
  const plan: Omit<BuildPlan, 'hash'> = {
    format: 1,
    target: { kind: t.kind, alias: t.alias, uid: t.uid },
    image: { alias: image.alias, uid: image.uid, repo: image.repo, relDir: image.relDir, workdir: im.workdir ?? '/opt/cmc' },
    platform,
    nodes,
    env,
    benchmark,
  }
  return { ...plan, hash: planHash(plan) }
}
