// Sharing adaptive containers: an image plus its meta and provenance.
// - push/pull (pushPull.ts): the image through a registry; provenance travels as labels.
// - export/import: ONE tar file holding cmc-bundle.json (provenance: plan,
//   labels, every tag of the image, its bases, its repos), then under
//   meta/<repo>/ the repo's cmc-repo.yaml and each artifact of the plan as its
//   build used it (the files its meta lists, else its folder), then image.tar
//   (docker save of the image under all its tags, and of its base images).
//   Imported, the image is found under its content tag, and `--meta-dir DIR`
//   writes the target's repo as DIR, so that `cmc run --repo DIR` resolves the
//   same plan from the same files and finds that tag instead of building.
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Pack } from 'tar-stream'
import { compileMemo } from '../compile/memo.js'
import { CmcError } from '../errors.js'
import { resolveBase } from '../engine/baseImages.js'
import { contextHash, listContextFiles } from '../engine/context.js'
import { imageInfo, tagImage } from '../engine/images.js'
import { autoBuilder } from '../engine/info.js'
import { imageTags, loadImage, saveImages } from '../engine/share.js'
import { engineVersion, pingEngine } from '../engine/docker.js'
import { tarStream } from '../lazy.js'
import { loadIndex, type ArtifactIndex } from '../repos/index.js'
import type { ImageMeta } from '../meta/schema.js'
import type { BuildPlan } from '../resolve/plan.js'
import { imageOfTarget, resolvePlan } from '../resolve/resolvePlan.js'
import { localBuild } from './pushPull.js'
import { bundleFiles, drain, metaDest, writeEntry, writtenRepos, type BundleFile, type BundleRepo } from './bundleMeta.js'

export interface Bundle {
  format: 2
  /** Every tag the image had: cmc/<target>:<platform>, its content tag, any other. */
  refs: string[]
  id: string
  labels: Record<string, string>
  plan?: BuildPlan
  /** The base images its content tag was computed from (saved by id: an engine's own tags are not moved). */
  bases?: BaseImage[]
  /** The repos of its artifacts, the target's first. */
  repos?: BundleRepo[]
  /** The entries under meta/. */
  meta: string[]
  /** Written by `cmc export --all-platforms`: every platform's image (this one first), all in the one image.tar. */
  platforms?: Bundle[]
}

export interface BaseImage {
  ref: string
  id: string
}

export { localBuild, pullShared, pushAllPlatforms, pushBuilt, pushedRefOf, type MultiPlatformPush } from './pushPull.js'

export interface Exported extends Bundle {
  /** Why `cmc run` of the exported meta would build again (meta changed since the build, a base missing). */
  warnings: string[]
}

export async function exportBundle(target: string, platform: string, file: string, opts: { extraRepos?: string[] } = {}): Promise<Exported> {
  const one = await platformBundle(target, platform, opts.extraRepos)
  await writeBundle(file, one.bundle, one.files, one.images)
  return { ...one.bundle, warnings: one.warnings }
}

/**
 * Every local build of a target in one file: one docker save of all their
 * images (layers they share are written once), the meta of every platform's
 * plan, and cmc-bundle.json describing the first platform as a one-platform
 * bundle does, with `platforms` listing them all.
 */
export async function exportAllPlatforms(target: string, file: string, opts: { extraRepos?: string[] } = {}): Promise<Exported & { notBuilt: string[] }> {
  await pingEngine()
  const index = await loadIndex({ extraRepos: opts.extraRepos })
  const platforms = (imageOfTarget(index, target).meta as ImageMeta).platforms ?? []
  const parts: Array<Awaited<ReturnType<typeof platformBundle>>> = []
  const notBuilt: string[] = []
  for (const platform of platforms) {
    try {
      parts.push(await platformBundle(target, platform, opts.extraRepos))
    } catch (e) {
      if (!(e instanceof CmcError && e.code === 'IMAGE_NOT_BUILT')) throw e
      notBuilt.push(platform)
    }
  }
  if (!parts.length)
    throw new CmcError('IMAGE_NOT_BUILT', `no local build of ${target} for any of its platforms (${platforms.join(', ')})`, {
      hint: `build them first: \`cmc build ${target} --all-platforms\``,
    })
  const files = new Map<string, BundleFile>()
  for (const part of parts) for (const f of part.files) if (!files.has(f.name)) files.set(f.name, f)
  const bundle: Bundle = { ...parts[0]!.bundle, meta: [...files.keys()], platforms: parts.map((p) => p.bundle) }
  await writeBundle(
    file,
    bundle,
    [...files.values()],
    parts.flatMap((p) => p.images),
  )
  return { ...bundle, warnings: parts.flatMap((p) => p.warnings), notBuilt }
}

/** What a bundle of one platform's build holds: its description, its meta files, and the images to save (its tags and bases). */
async function platformBundle(target: string, platform: string, extraRepos?: string[]) {
  const local = await localBuild(target, platform)
  const refs = [...new Set([local.ref, ...(await imageTags(local.ref))])]
  const source = await sourceOf(local.labels['cmc.target']?.split(':')[1] ?? target, platform, extraRepos)
  const inputs = source ? await buildInputs(source.plan, local.labels) : { bases: [], warnings: [] }
  const files = source ? bundleFiles(source.index, source.plan) : { entries: [], repos: [] }
  const bundle: Bundle = {
    format: 2,
    refs,
    id: local.id,
    labels: local.labels,
    plan: source?.plan,
    bases: inputs.bases,
    repos: files.repos,
    meta: files.entries.map((f) => f.name),
  }
  return { bundle, files: files.entries, images: [...refs, ...inputs.bases.map((b) => b.id)], warnings: inputs.warnings }
}

/** The plan of the image's target from the meta here; none where the image came from elsewhere (pulled). */
async function sourceOf(target: string, platform: string, extraRepos?: string[]): Promise<{ index: ArtifactIndex; plan: BuildPlan } | undefined> {
  try {
    const index = await loadIndex({ extraRepos })
    return { index, plan: resolvePlan(index, target, { platform }) }
  } catch (e) {
    if (e instanceof CmcError) return undefined // its labels still carry the provenance
    throw e
  }
}

/**
 * What a content tag is computed from (`buildFromPlan`), as the meta here gives
 * it: the base images, and whether the plan and the build context are still
 * the image's. Where they are not, `cmc run` of this meta builds again.
 */
async function buildInputs(plan: BuildPlan, labels: Record<string, string>): Promise<{ bases: BaseImage[]; warnings: string[] }> {
  const warnings: string[] = []
  const what = `${plan.target.alias} for ${plan.platform.name}`
  const planHash = labels['cmc.plan-hash']
  if (planHash && planHash !== plan.hash)
    warnings.push(`the meta of ${what} resolves to plan ${plan.hash.slice(0, 12)}, the image's is ${planHash.slice(0, 12)}: \`cmc run\` of it builds again`)
  const arch = await engineVersion().then(
    (v) => v.Arch,
    () => undefined,
  )
  const compiled = await compileMemo(plan, {
    builder: labels['cmc.builder'] === 'classic' ? 'classic' : 'buildkit',
    buildArch: arch === 'amd64' || arch === 'arm64' ? arch : undefined,
  })
  const ctxHash = labels['cmc.context-hash']
  if (ctxHash && ctxHash !== contextHash(compiled.dockerfile, listContextFiles(compiled.context)))
    warnings.push(`the files of ${what} are not those its image was built from: \`cmc run\` of them builds again`)
  const wanted: Array<[string, string]> = [[compiled.bases.runtime, compiled.platform]]
  if (compiled.stages.includes('build')) wanted.unshift([compiled.bases.build, compiled.buildPlatform])
  const bases: BaseImage[] = []
  for (const [requested, dockerPlatform] of wanted) {
    try {
      const { ref, id } = await resolveBase(requested, dockerPlatform, { pull: false })
      if (!bases.some((b) => b.ref === ref)) bases.push({ ref, id })
    } catch (e) {
      if (!(e instanceof CmcError)) throw e
      warnings.push(`the base image ${requested} (${dockerPlatform}) is not on this engine: \`cmc run\` of ${what} needs it`)
    }
  }
  return { bases, warnings }
}

/** cmc-bundle.json first (an import knows where meta goes before it comes), then meta/, then image.tar. */
async function writeBundle(file: string, bundle: Bundle, files: BundleFile[], images: string[]): Promise<void> {
  const { pack } = tarStream()
  const p = pack()
  const out = pipeline(p, createWriteStream(file))
  // docker save's size is not known ahead: spool it to a temp file first.
  const tmp = `${file}.image.tmp`
  try {
    const json = Buffer.from(JSON.stringify(bundle, null, 2))
    await addEntry(p, { name: 'cmc-bundle.json', src: '', mode: 0o644, size: json.length, data: json })
    for (const f of files) await addEntry(p, f)
    await pipeline(await saveImages([...new Set(images)]), createWriteStream(tmp))
    await addEntry(p, { name: 'image.tar', src: tmp, mode: 0o644, size: statSync(tmp).size })
    p.finalize()
    await out
  } catch (e) {
    p.destroy()
    await out.catch(() => {})
    rmSync(file, { force: true })
    throw e
  } finally {
    rmSync(tmp, { force: true })
  }
}

function addEntry(p: Pack, f: BundleFile): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve())
    if (f.linkname !== undefined) p.entry({ name: f.name, type: 'symlink', linkname: f.linkname, mode: 0o777 }, done)
    else if (f.data) p.entry({ name: f.name, size: f.data.length, mode: f.mode }, f.data, done)
    else
      createReadStream(f.src)
        .on('error', reject)
        .pipe(p.entry({ name: f.name, size: f.size, mode: f.mode }, done))
  })
}

export interface Imported extends Bundle {
  loaded: string[]
  /** Tags set after the load: those it did not give back (a Podman load, a base absent here). */
  tagged: string[]
  /** With --meta-dir: the folders written as repos, the target's first; `cmc run --repo` takes each. */
  repoDirs: string[]
  /** Why `cmc run` of the imported meta would build again. */
  warnings: string[]
}

export async function importBundle(file: string, opts: { metaDir?: string } = {}): Promise<Imported> {
  if (!existsSync(file)) throw new CmcError('IMPORT_MISSING', `${file} does not exist`, { hint: 'give the path of a file `cmc export IMAGE -o FILE` wrote' })
  await pingEngine()
  let bundle: Bundle | undefined
  let loaded: string[] = []
  const metaDir = opts.metaDir === undefined ? undefined : path.resolve(opts.metaDir)
  const ex = tarStream().extract()
  ex.on('entry', (h, stream, next) => {
    if (h.name === 'cmc-bundle.json') {
      const chunks: Buffer[] = []
      stream
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => {
          try {
            bundle = JSON.parse(Buffer.concat(chunks).toString()) as Bundle
            next()
          } catch (err) {
            ex.destroy(err as Error)
          }
        })
    } else if (h.name === 'image.tar') {
      const pt = new PassThrough()
      ;(stream as unknown as Readable).pipe(pt)
      loadImage(pt).then(
        (refs) => {
          loaded = refs
          next()
        },
        (e) => ex.destroy(e),
      )
    } else if (h.name.startsWith('meta/') && metaDir) {
      const to = metaDest(metaDir, bundle?.repos, h.name)
      const body = stream as unknown as Readable
      ;(to ? writeEntry(to.root, to.rel, h, body) : drain(body)).then(
        () => next(),
        (e) => ex.destroy(e),
      )
    } else {
      stream.on('end', () => next()).resume()
    }
  })
  try {
    await pipeline(createReadStream(file), ex)
  } catch (err) {
    if (err instanceof CmcError) throw err
    // tar-stream's and the file system's complaints: a truncated or foreign file, a folder
    throw new CmcError('BUNDLE_INVALID', `${file} cannot be read as a cmc export: ${(err as Error).message}`, {
      hint: 'give a file `cmc export IMAGE -o FILE` wrote; one cut short in copying reads like this, so copy it again',
      cause: err,
    })
  }
  if (!bundle) throw new CmcError('BUNDLE_INVALID', `${file} is not a cmc export (no cmc-bundle.json)`, { hint: 'create one with `cmc export IMAGE -o FILE`' })
  const tagged: string[] = []
  const warnings: string[] = []
  const repoDirs = metaDir ? writtenRepos(metaDir, bundle.repos) : []
  for (const one of bundle.platforms ?? [bundle]) {
    const restored = await restoreTags(one, file)
    tagged.push(...restored.tagged)
    warnings.push(...restored.warnings, ...(repoDirs.length ? await checkImported(one, repoDirs) : []))
  }
  return { ...bundle, loaded, tagged, repoDirs, warnings }
}

/**
 * Every tag the image had back on it (a Docker load gives them back itself),
 * and its bases under their names where this engine has no image of that name:
 * an engine's own base is never replaced, which `cmc run` then builds on anew.
 */
async function restoreTags(bundle: Bundle, file: string): Promise<{ tagged: string[]; warnings: string[] }> {
  if (!(await imageInfo(bundle.id)))
    throw new CmcError('BUNDLE_INVALID', `${file} holds no image ${bundle.id}`, { hint: 'write it again with `cmc export IMAGE -o FILE`' })
  const tagged: string[] = []
  const warnings: string[] = []
  for (const ref of bundle.refs) {
    if ((await imageInfo(ref))?.id === bundle.id) continue
    await tagImage(bundle.id, ref)
    tagged.push(ref)
  }
  for (const base of bundle.bases ?? []) {
    const here = await imageInfo(base.ref)
    if (!here) {
      await tagImage(base.id, base.ref)
      tagged.push(base.ref)
    } else if (here.id !== base.id) {
      warnings.push(
        `${base.ref} here is another image than the base of ${bundle.refs[0]}: \`cmc run\` builds on it anew (\`docker tag ${base.id.slice(7, 19)} ${base.ref}\` takes the bundle's)`,
      )
    }
  }
  return { tagged, warnings }
}

/**
 * Whether `cmc run --repo DIR` will find the imported image: the plan resolved
 * from the written repos (and this cmc's builtin one), its files and bases,
 * against the image's.
 */
async function checkImported(bundle: Bundle, repoDirs: string[]): Promise<string[]> {
  const exported = bundle.plan
  if (!exported) return []
  try {
    const index = await loadIndex({ extraRepos: repoDirs })
    const plan = resolvePlan(index, exported.target.uid, { platform: exported.platform.name })
    const { bases, warnings } = await buildInputs(plan, bundle.labels)
    const wanted = new Set((bundle.bases ?? []).map((b) => b.id))
    // a base of the bundle's name that is another image here was named by restoreTags
    const named = new Set((bundle.bases ?? []).map((b) => b.ref))
    for (const b of bases)
      if (wanted.size && !wanted.has(b.id) && !named.has(b.ref)) warnings.push(`the base ${b.ref} here is not the image's: \`cmc run\` builds again`)
    const builder = bundle.labels['cmc.builder']
    if (builder && builder !== (await autoBuilder()))
      warnings.push(`this engine builds with another builder than ${builder}, which built the image: \`cmc run\` builds again`)
    return warnings
  } catch (e) {
    if (!(e instanceof CmcError)) throw e
    return [`${repoDirs[0]} does not resolve ${exported.target.alias}: ${e.message}`]
  }
}
