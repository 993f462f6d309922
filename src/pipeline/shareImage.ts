// Sharing adaptive containers: an image plus its meta and provenance.
// - push/pull: the image through a registry; provenance travels as labels.
// - export/import: ONE tar file holding cmc-bundle.json (provenance: plan,
//   labels, refs), meta/<repo>/<relDir>/<meta file> for every artifact of the
//   plan, and image.tar (docker save), so another engine gets the image and
//   another cmc gets the artifacts that describe it.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { extract, pack } from 'tar-stream'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { imageInfo } from '../engine/images.js'
import { loadImage, pullImage, pushImage, saveImage } from '../engine/share.js'
import { pingEngine } from '../engine/docker.js'
import { loadIndex } from '../repos/index.js'
import type { BuildPlan } from '../resolve/plan.js'
import { resolvePlan } from '../resolve/resolvePlan.js'

export interface Bundle {
  format: 1
  refs: string[]
  id: string
  labels: Record<string, string>
  plan?: BuildPlan
  meta: string[]
}

/** The newest local build of a target for a platform (cmc/<alias>:<platform>). */
export async function localBuild(target: string, platform: string): Promise<{ ref: string; id: string; labels: Record<string, string> }> {
  await pingEngine()
  const ref = target.includes(':') || target.includes('/') ? target : `cmc/${target}:${platform}`
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('IMAGE_NOT_BUILT', `no local image ${ref}`, { hint: `build it first: \`cmc build ${target} --platform ${platform}\`` })
  return { ref, id: info.id, labels: info.labels }
}

export async function pushBuilt(target: string, platform: string, registry: string, events?: EventSink) {
  const local = await localBuild(target, platform)
  const name = local.ref.split(':')[0]
  const hash = (local.labels['cmc.plan-hash'] ?? local.id.slice(7)).slice(0, 12)
  const pushed = []
  for (const tag of [`${platform}-${hash}`, platform]) pushed.push(await pushImage(local.ref, `${registry.replace(/\/$/, '')}/${name}:${tag}`, events))
  return { local: local.ref, pushed }
}

export async function pullShared(ref: string, events?: EventSink) {
  await pingEngine()
  await pullImage(ref, events)
  const info = await imageInfo(ref)
  if (!info) throw new CmcError('PULL_FAILED', `${ref} is not on the engine after the pull`)
  return { ref, id: info.id, digest: info.digest, labels: info.labels }
}

export async function exportBundle(target: string, platform: string, file: string, opts: { extraRepos?: string[] } = {}): Promise<Bundle> {
  const local = await localBuild(target, platform)
  let plan: BuildPlan | undefined
  const metaFiles: Array<{ name: string; src: string }> = []
  try {
    const index = await loadIndex({ extraRepos: opts.extraRepos })
    plan = resolvePlan(index, local.labels['cmc.target']?.split(':')[1] ?? target, { platform })
    const uids = new Set((local.labels['cmc.artifacts'] ?? '').split(','))
    for (const a of index.all()) {
      if (uids.has(a.uid)) metaFiles.push({ name: `meta/${a.repo}/${a.relDir}/${path.basename(a.file)}`, src: a.file })
    }
  } catch {
    // The image may come from elsewhere (pulled); its labels still carry the provenance.
  }
  const bundle: Bundle = { format: 1, refs: [local.ref], id: local.id, labels: local.labels, plan, meta: metaFiles.map((m) => m.name) }
  const p = pack()
  const out = pipeline(p, createWriteStream(file))
  const json = Buffer.from(JSON.stringify(bundle, null, 2))
  p.entry({ name: 'cmc-bundle.json', size: json.length, mode: 0o644 }, json)
  for (const m of metaFiles) p.entry({ name: m.name, size: statSync(m.src).size, mode: 0o644 }, readFileSync(m.src))
  // docker save's size is not known ahead: spool it to a temp file first.
  const tmp = `${file}.image.tmp`
  await pipeline(await saveImage(local.ref), createWriteStream(tmp))
  await new Promise<void>((resolve, reject) => {
    const entry = p.entry({ name: 'image.tar', size: statSync(tmp).size, mode: 0o644 }, (err) => (err ? reject(err) : resolve()))
    createReadStream(tmp).pipe(entry)
  })
  p.finalize()
  await out
  rmSync(tmp, { force: true })
  return bundle
}

export async function importBundle(file: string, opts: { metaDir?: string } = {}): Promise<Bundle & { loaded: string[] }> {
  if (!existsSync(file)) throw new CmcError('IMPORT_MISSING', `${file} does not exist`, { hint: 'give the path of a file `cmc export IMAGE -o FILE` wrote' })
  await pingEngine()
  let bundle: Bundle | undefined
  let loaded: string[] = []
  const ex = extract()
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
    } else if (h.name.startsWith('meta/') && opts.metaDir && !h.name.split('/').includes('..')) {
      const dest = path.join(opts.metaDir, h.name.slice(5))
      mkdirSync(path.dirname(dest), { recursive: true })
      const chunks: Buffer[] = []
      stream
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => {
          writeFileSync(dest, Buffer.concat(chunks))
          next()
        })
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
  return { ...bundle, loaded }
}
