// The meta/ part of a `cmc export` bundle: which files of which repos it
// carries (each artifact of the plan as its build read it, and each repo's
// cmc-repo.yaml), and how `cmc import --meta-dir DIR` writes them back: the
// target's repo as DIR itself, so that `--repo DIR` resolves the same plan
// from the same files, and nothing ever outside DIR.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Header } from 'tar-stream'
import type { ContextEntry } from '../compile/types.js'
import { listContextFiles, type ContextFile } from '../engine/context.js'
import { CmcError } from '../errors.js'
import { yaml } from '../lazy.js'
import type { Artifact } from '../meta/artifact.js'
import type { ArtifactIndex } from '../repos/index.js'
import { readRepoMeta, REPO_FILE } from '../repos/repoMeta.js'
import type { BuildPlan } from '../resolve/plan.js'

export interface BundleRepo {
  name: string
  uid?: string
}

/** A file of the bundle: from disk (as the build context reads it), or made here (data). */
export type BundleFile = ContextFile & { data?: Buffer }

/** Each repo's cmc-repo.yaml and each artifact of the plan as its build used it, under meta/<repo>/. */
export function bundleFiles(index: ArtifactIndex, plan: BuildPlan): { entries: BundleFile[]; repos: BundleRepo[] } {
  const artifacts = planArtifacts(index, plan)
  const names = [...new Set([plan.benchmark?.repo ?? plan.image.repo, ...artifacts.map((a) => a.repo)])]
  const repos: BundleRepo[] = []
  const entries = new Map<string, BundleFile>()
  for (const name of names) {
    const repo = index.repos().find((r) => r.name === name)
    if (!repo) continue
    const { uid, description } = readRepoMeta(repo.path)
    repos.push({ name, uid })
    const data = Buffer.from(yaml().stringify({ name, uid, description }))
    const entry = `meta/${name}/${REPO_FILE}`
    entries.set(entry, { name: entry, src: '', mode: 0o644, size: data.length, data })
  }
  for (const a of artifacts) for (const f of artifactFiles(a, listedFiles(plan, a))) entries.set(f.name, f)
  const bench = plan.benchmark && artifacts.find((a) => a.uid === plan.benchmark!.uid)
  if (bench) {
    const name = `meta/${bench.repo}/${bench.relDir}/${path.basename(bench.file)}`
    const data = withoutSecretValues(bench.file, plan.benchmark!.secrets)
    if (data) entries.set(name, { ...entries.get(name)!, linkname: undefined, size: data.length, data })
  }
  return { entries: [...entries.values()], repos }
}

/**
 * A benchmark's meta file as the bundle carries it when its env gives a declared secret a value:
 * without that value (it reaches only a container; src/pipeline/secrets.ts), comments and the rest
 * kept. Undefined when there is nothing to leave out.
 */
function withoutSecretValues(file: string, secrets: string[]): Buffer | undefined {
  if (!secrets.length) return undefined
  const doc = yaml().parseDocument(readFileSync(file, 'utf8'))
  const present = secrets.filter((name) => doc.hasIn(['env', name]))
  if (!present.length) return undefined
  for (const name of present) doc.deleteIn(['env', name])
  return Buffer.from(file.endsWith('.json') ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString())
}

/** The artifacts a plan was resolved from: target, image, components and the platform profile. */
function planArtifacts(index: ArtifactIndex, plan: BuildPlan): Artifact[] {
  const uids = new Set([plan.benchmark?.uid, plan.image.uid, ...plan.nodes.map((n) => n.uid)].filter((u): u is string => Boolean(u)))
  return [...[...uids].map((uid) => index.get(uid)), index.get(plan.platform.name, { kind: 'platform' })]
}

/** The paths of an artifact's folder its build took: a benchmark's `files:`, a component's `install.files`. */
function listedFiles(plan: BuildPlan, a: Artifact): string[] {
  if (a.uid === plan.benchmark?.uid) return plan.benchmark.files
  return [...new Set(plan.nodes.filter((n) => n.uid === a.uid).flatMap((n) => n.install.files))]
}

/**
 * An artifact's meta file and its listed paths (its whole folder when none are
 * listed), read as the build context reads them: links as links, nothing
 * outside the folder, a folder's .dockerignore honoured. That .dockerignore
 * travels too, so the folder written on import walks to the same files.
 */
function artifactFiles(a: Artifact, listed: string[]): BundleFile[] {
  const prefix = `meta/${a.repo}/${a.relDir}`
  const entries: ContextEntry[] = listed.length
    ? listed.map((f) => ({ src: path.join(a.dir, f), dest: `${prefix}/${f}`, root: a.dir }))
    : [{ src: a.dir, dest: prefix, root: a.dir }]
  for (const e of [...entries]) {
    const ignore = path.join(e.src, '.dockerignore')
    const walked = e.src === a.dir || lstatSync(e.src, { throwIfNoEntry: false })?.isDirectory()
    if (walked && lstatSync(ignore, { throwIfNoEntry: false })?.isFile()) entries.push({ src: ignore, dest: `${e.dest}/.dockerignore`, root: a.dir })
  }
  entries.push({ src: a.file, dest: `${prefix}/${path.basename(a.file)}`, root: a.dir })
  return listContextFiles(entries)
}

/** Where the other repos of a plan go under --meta-dir: a dot folder, which DIR's own index never walks into. */
const OTHER_REPOS = '.repos'

/**
 * Where a meta/ entry goes under DIR: the target's repo is DIR itself, other
 * repos go below DIR/.repos/, the builtin one nowhere (every cmc ships its
 * own). A bundle that names no repos (older cmc) is written one folder a repo.
 */
export function metaDest(metaDir: string, repos: BundleRepo[] | undefined, name: string): { root: string; rel: string } | undefined {
  const [, repo, ...rest] = name.split('/')
  if (!repo || !rest.length) return undefined
  const target = repos?.[0]?.name
  if (!target) return { root: path.join(metaDir, repo), rel: rest.join('/') }
  if (repo === 'builtin') return undefined
  return { root: repo === target ? metaDir : path.join(metaDir, OTHER_REPOS, repo), rel: rest.join('/') }
}

/** The repo folders an import wrote (each holds its cmc-repo.yaml), the target's first. */
export function writtenRepos(metaDir: string, repos: BundleRepo[] | undefined): string[] {
  return (repos ?? []).map((r, i) => (i === 0 ? metaDir : path.join(metaDir, OTHER_REPOS, r.name))).filter((dir) => existsSync(path.join(dir, REPO_FILE)))
}

const unsafeEntry = (rel: string) =>
  new CmcError('BUNDLE_INVALID', `the bundle's meta entry ${rel} would be written outside its folder`, {
    hint: 'the file was not written by `cmc export`: ask for it again',
  })

/**
 * One meta/ entry written below root and never outside it: no `..` or absolute
 * name, nothing written through a link an earlier entry made. What an import
 * into the same folder wrote before is kept when it is the same, and never
 * overwritten when it is not.
 */
export async function writeEntry(root: string, rel: string, h: Header, body: Readable): Promise<void> {
  const parts = rel.split('/')
  if (path.isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..')) throw unsafeEntry(rel)
  const dest = path.join(root, ...parts)
  for (let dir = path.dirname(dest); dir.length > root.length; dir = path.dirname(dir)) {
    if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) throw unsafeEntry(rel)
  }
  const there = lstatSync(dest, { throwIfNoEntry: false })
  const conflict = () =>
    new CmcError('ARTIFACT_EXISTS', `${dest} is already there and differs from the bundle's`, {
      hint: 'import into an empty folder (`--meta-dir NEW_DIR`), or remove that one first',
    })
  if (h.type === 'symlink') {
    await drain(body)
    if (there) {
      if (!there.isSymbolicLink() || readlinkSync(dest) !== h.linkname) throw conflict()
      return
    }
    mkdirSync(path.dirname(dest), { recursive: true })
    symlinkSync(h.linkname ?? '', dest)
  } else if (h.type === 'file' || h.type === undefined) {
    if (there) {
      if (!there.isFile() || (await sha256(body)) !== (await sha256(createReadStream(dest)))) throw conflict()
      return
    }
    mkdirSync(path.dirname(dest), { recursive: true })
    // the executable bit is part of the build context: it comes back as it left
    await pipeline(body, createWriteStream(dest, { flags: 'wx', mode: (h.mode ?? 0o644) & 0o111 ? 0o755 : 0o644 }))
  } else await drain(body)
}

export function drain(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => body.on('end', resolve).on('error', reject).resume())
}

async function sha256(body: Readable): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of body) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
