// The compiler: build plan + platform profile -> a multi-stage Dockerfile,
// rendered from handlebars templates in templates/. The logic lives here (a
// view model); the templates only lay out text. Layers are ordered for the
// cache: OS packages -> toolchains -> libraries -> app, benchmark files last.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { BuildPlan, LayerName, PlanNode } from '../resolve/plan.js'
import { templatesDir } from '../paths.js'
import { cmcVersion } from '../version.js'
import { provenanceLabels } from './labels.js'
import type { CompiledImage, ContextEntry } from './types.js'
import { handlebars } from '../lazy.js'

export type Builder = 'buildkit' | 'classic'

const LAYERS: LayerName[] = ['os', 'toolchain', 'library', 'app']

let template: HandlebarsTemplateDelegate | undefined
function dockerfileTemplate(): HandlebarsTemplateDelegate {
  if (!template) {
    const hb = handlebars().create()
    hb.registerPartial('layer', readFileSync(path.join(templatesDir, 'partials', 'layer.hbs'), 'utf8'))
    template = hb.compile(readFileSync(path.join(templatesDir, 'Dockerfile.hbs'), 'utf8'), { noEscape: false, strict: false })
  }
  return template
}

const safeId = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_+$/, '')
/** ENV lines quote values so spaces and `$` survive. */
const envLine = (env: Record<string, string>) =>
  Object.entries(env)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' \\\n    ')
const pkgList = (pkgs: string[]) => [...new Set(pkgs)].sort().join(' ')

/**
 * One apt install step. BuildKit keeps apt's lists and downloads in cache
 * mounts across builds; the classic builder has no mounts, so downloads, apt's
 * package caches (~70 MB of *.bin) and lists are removed in the same step.
 * (Debian's docker images do this through docker-clean; a debootstrapped base has none.)
 */
function aptInstall(pkgs: string, buildkit: boolean): string {
  if (!pkgs) return ''
  const mounts = buildkit
    ? '--mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    '
    : ''
  const clean = buildkit ? '' : ' \\\n && apt-get clean \\\n && rm -rf /var/lib/apt/lists/*'
  return `${mounts}apt-get update \\\n && apt-get install -y --no-install-recommends ${pkgs}${clean}`
}

function renamePkgs(pkgs: string[], map: Record<string, string> | undefined): string[] {
  return map ? pkgs.map((p) => map[p] ?? p) : pkgs
}

const dockerPlatformOf = (arch: 'amd64' | 'arm64') => `linux/${arch}`

/**
 * Can the build stage run on the build host instead of under emulation? Only
 * with BuildKit (it knows $BUILDPLATFORM), on a platform that allows it, for a
 * host of another arch, when the benchmark's build honours $CC, and when every
 * component installed in the build stage says how it is provided across
 * (cross.<arch>) and has no install script of its own. Otherwise: emulation,
 * which is always correct, only slower.
 */
export function canCrossBuild(plan: BuildPlan, builder: Builder, buildArch: string | undefined): boolean {
  const arch = plan.platform.arch
  if (builder !== 'buildkit' || !plan.platform.crossCompile || !buildArch || buildArch === arch) return false
  if (!plan.benchmark?.build?.cross) return false
  return plan.nodes.every((n) => {
    const installs = n.install.apt.length || n.install.run.length || n.install.pip.length || Object.keys(n.install.env).length
    return !installs || (Boolean(n.cross?.[arch]) && !n.install.run.length && !n.install.pip.length)
  })
}

/** Does the plan need a separate build stage? Only when something is built or copied over. */
export function needsBuildStage(plan: BuildPlan): boolean {
  return Boolean(plan.benchmark?.build) || plan.nodes.some((n) => n.install.run.length > 0 || n.runtime.copy.length > 0)
}

/**
 * A context entry with the artifact folder it comes from: the engine reads
 * nothing outside that folder (a link is sent as a link), so a `files:` entry
 * can never carry a file of the builder's machine into the image.
 */

/** The context entries of an artifact folder: the listed paths, or the whole folder. */
function artifactFiles(dir: string, files: string[], ctx: string): ContextEntry[] {
  if (!files.length) return [{ src: dir, dest: ctx, root: dir }]
  return files.map((f) => ({ src: path.join(dir, f), dest: `${ctx}/${f}`, root: dir }))
}

export function compile(plan: BuildPlan, opts: { builder: Builder; packageRenames?: Record<string, string>; buildArch?: 'amd64' | 'arm64' }): CompiledImage {
  const buildkit = opts.builder === 'buildkit'
  const context: ContextEntry[] = []
  const buildStage = needsBuildStage(plan)
  const cross = buildStage && canCrossBuild(plan, opts.builder, opts.buildArch)
  const arch = plan.platform.arch
  // Across, a component contributes its cross recipe (host packages, env such as CC) instead of its install.
  const installOf = (n: PlanNode) => (cross ? { ...n.install, apt: n.cross?.[arch]?.apt ?? [], env: { ...n.install.env, ...n.cross?.[arch]?.env } } : n.install)
  const hostPkgs = (pkgs: string[]) => (cross ? pkgs : renamePkgs(pkgs, opts.packageRenames))

  const stepFor = (n: PlanNode) => {
    const install = installOf(n)
    const needsFiles = install.run.length > 0
    let ctx: string | undefined
    if (needsFiles) {
      ctx = `components/${safeId(n.id)}`
      context.push(...artifactFiles(n.dir, install.files, ctx))
    }
    return { id: n.id, safeId: safeId(n.id), context: ctx, run: install.run, env: Object.keys(install.env).length ? envLine(install.env) : '' }
  }

  const buildLayers = LAYERS.map((name) => {
    const nodes = plan.nodes.filter((n) => n.layer === name)
    return {
      name,
      apt: aptInstall(pkgList(hostPkgs(nodes.flatMap((n) => installOf(n).apt))), buildkit),
      steps: nodes.filter((n) => installOf(n).run.length || Object.keys(installOf(n).env).length).map(stepFor),
    }
  }).filter((l) => l.apt || l.steps.length)

  const b = plan.benchmark
  let benchBuild: { alias: string; srcDir: string; context: string; run: string[] } | undefined
  let benchFiles: string | undefined
  const workdir = b?.workdir ?? plan.image.workdir
  if (b) {
    const files = b.files.length ? b.files : []
    if (b.build) {
      benchBuild = { alias: b.alias, srcDir: `/opt/cmc/build/${b.alias}`, context: 'benchmark-src', run: b.build.run }
      context.push(...artifactFiles(b.dir, files, 'benchmark-src'))
      if (b.build.apt.length) buildLayers.push({ name: 'app', apt: aptInstall(pkgList(hostPkgs(b.build.apt)), buildkit), steps: [] })
    }
    // Without a build step the listed files are what runs; with one, the
    // artifacts are, and the sources are not copied again.
    if (!b.build && files.length) {
      benchFiles = 'benchmark'
      context.push(...artifactFiles(b.dir, files, 'benchmark'))
    }
  }
  const benchArtifacts = (b?.build?.artifacts ?? []).map((a) => ({
    from: a.startsWith('/') ? a : `${benchBuild!.srcDir}/${a}`,
    to: a.startsWith('/') ? a : `${workdir}/${a}`,
  }))

  const runtimeApt = aptInstall(
    pkgList(
      renamePkgs(
        plan.nodes.flatMap((n) => n.runtime.apt),
        opts.packageRenames,
      ),
    ),
    buildkit,
  )
  const runtimeCopies = [...new Set(plan.nodes.flatMap((n) => n.runtime.copy))].sort()
  const labels = provenanceLabels(plan)

  const view = {
    cmcVersion,
    target: plan.target.alias,
    platform: plan.platform.name,
    dockerPlatform: plan.platform.dockerPlatform,
    planHash: plan.hash,
    bases: plan.platform.base,
    builder: opts.builder,
    buildStage,
    crossBuild: cross,
    buildArch: opts.buildArch,
    targetArch: arch,
    buildLayers,
    benchBuild,
    runtimeApt,
    runtimeCopies: buildStage ? runtimeCopies : [],
    env: Object.keys(plan.env).length ? envLine(plan.env) : '',
    workdir,
    benchArtifacts,
    benchFiles,
    labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' \\\n      '),
    // Debian's images delete apt downloads after each install (docker-clean);
    // with a cache mount we want them kept.
    aptSetup: buildkit
      ? `rm -f /etc/apt/apt.conf.d/docker-clean \\\n && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache`
      : '',
  }
  const dockerfile = dockerfileTemplate()(view).replace(/\n{3,}/g, '\n\n')
  return {
    dockerfile,
    context: context.sort((x, y) => (x.dest < y.dest ? -1 : x.dest > y.dest ? 1 : 0)),
    platform: plan.platform.dockerPlatform,
    bases: plan.platform.base,
    buildPlatform: cross ? dockerPlatformOf(opts.buildArch!) : plan.platform.dockerPlatform,
    crossBuild: cross,
    labels,
    stages: buildStage ? ['build', 'runtime'] : ['runtime'],
    builder: opts.builder,
    planHash: plan.hash,
  }
}
