// Reading a repo's meta files into its index cache: a walk of the repo, the
// files that changed since the cache (all of them without one) read by CM's
// rules or cmc's, and the cache written. A warm index (src/repos/index.ts)
// loads none of this.
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { readCmEntry, type CmEntry } from '../cm/read.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { makeFolders, replaceFile } from '../files.js'
import { metaLoader } from '../lazy.js'
import type { Artifact } from '../meta/artifact.js'
import { CM_META_FILES } from '../meta/files.js'
import { schemaFingerprint } from '../meta/validate.js'
import { CACHE_FORMAT, cacheFile, KIND_LETTERS, RepoArtifacts, type CacheHeader, type IndexProblem } from './index.js'
import type { RepoEntry } from './registry.js'
import { guessAlias, metaFilesOf, readWithStat } from './scan.js'

type MetaLoader = Awaited<ReturnType<typeof metaLoader>>

/** A meta file after a walk: loaded now, or unchanged since the cache (entry `i` of `from`). */
type Walked = { relDir: string; base: string; mtimeMs: number; size: number; notes?: string[] } & (
  | { artifact: Artifact; problem?: undefined; from?: undefined; entry?: undefined }
  | { problem: IndexProblem; artifact?: undefined; from?: undefined; entry?: undefined }
  | { entry: CmEntry; artifact?: undefined; problem?: undefined; from?: undefined }
  | { from: RepoArtifacts; i: number; artifact?: undefined; problem?: undefined; entry?: undefined }
)

/** One meta file read: CM/MLC meta by CM's rules, cmc meta validated. */
function readMeta(file: string, base: string, automation: string | undefined, repo: RepoEntry, load: MetaLoader | undefined, text: string | undefined) {
  const ref = { name: repo.name, root: repo.path, uid: repo.uid }
  if (repo.layout || CM_META_FILES.includes(base)) {
    try {
      return readCmEntry(file, ref, automation, text, { inCmcRepo: !repo.layout })
    } catch (err) {
      if (err instanceof CmcError) throw err
      // whatever the file holds, reading it is no crash: a bug here skips the file, named
      throw new CmcError('META_INVALID', `${file} cannot be read as CM meta: ${(err as Error).message}`, { where: { file } })
    }
  }
  return { artifact: load!.loadArtifactFile(file, ref, text), notes: [] }
}

/** Walk the repo, load what changed (or all, without a cache) and write the cache. */
export async function indexRepo(repo: RepoEntry, cached: RepoArtifacts | undefined, events?: EventSink): Promise<RepoArtifacts> {
  const previous = new Map<string, number>()
  if (cached) for (let i = 0; i < cached.count; i++) previous.set(cached.columns.files[i], i)
  const { dirs, metaFiles } = metaFilesOf(repo)
  // a CM/MLC repository needs no cmc meta reader (nor its validators)
  const load = repo.layout ? undefined : await metaLoader()
  const walked: Walked[] = metaFiles.map(({ file, relDir, base, automation }): Walked => {
    const old = previous.get(`${relDir}/${base}`)
    let text: string | undefined
    let mtimeMs: number, size: number
    if (cached && old !== undefined) {
      ;({ mtimeMs, size } = statSync(file))
      if (cached.columns.mtimeMs[old] === mtimeMs && cached.columns.size[old] === size) return { relDir, base, mtimeMs, size, from: cached, i: old }
    } else {
      ;({ text, mtimeMs, size } = readWithStat(file))
    }
    try {
      const read = readMeta(file, base, automation, repo, load, text)
      return read.entry
        ? { relDir, base, mtimeMs, size, entry: read.entry, notes: read.notes }
        : { relDir, base, mtimeMs, size, artifact: read.artifact, notes: read.notes }
    } catch (err) {
      if (!(err instanceof CmcError)) throw err
      let t = text
      if (t === undefined) {
        try {
          t = readFileSync(file, 'utf8')
        } catch {
          t = undefined
        }
      }
      return {
        relDir,
        base,
        mtimeMs,
        size,
        problem: {
          file,
          aliasGuess: guessAlias(t),
          error: { code: err.code, message: err.message, where: err.where, hint: err.hint, ...(err.details.length && { details: err.details }) },
        },
      }
    }
  })

  const columns: CacheHeader = {
    format: CACHE_FORMAT,
    schema: schemaFingerprint(),
    root: repo.path,
    name: repo.name,
    uid: repo.uid ?? null,
    dirs,
    files: [],
    mtimeMs: [],
    size: [],
    kinds: '',
    alias: [],
    uids: [],
    tagNames: [],
    tagIds: [],
    tagEnd: [],
    versions: {},
    cm: '',
    metaEnd: [],
    problems: {},
    entries: {},
  }
  const tagId = new Map<string, number>()
  const fresh: string[] = []
  const made: Array<Artifact | undefined> = []
  const metas: string[] = []
  let end = 0
  walked.forEach((w, j) => {
    columns.files.push(`${w.relDir}/${w.base}`)
    columns.mtimeMs.push(w.mtimeMs)
    columns.size.push(w.size)
    const problem = w.from ? w.from.columns.problems[w.i] : w.problem
    const a = w.from ? (w.from.kind(w.i) ? w.from.artifact(w.i) : undefined) : w.artifact
    const entry = w.from ? w.from.columns.entries[w.i] : w.entry
    // what CM reads differently is said when a file is read, not kept: a warm command says nothing
    if (w.notes?.length) fresh.push(...w.notes)
    columns.kinds += a ? KIND_LETTERS[a.kind] : entry ? 'e' : '-'
    columns.alias.push(a ? a.alias : '')
    columns.uids.push(a ? a.uid : '')
    for (const t of a ? a.tags : []) {
      let k = tagId.get(t)
      if (k === undefined) {
        k = columns.tagNames.length
        tagId.set(t, k)
        columns.tagNames.push(t)
      }
      columns.tagIds.push(k)
    }
    columns.tagEnd.push(columns.tagIds.length)
    if (a?.version !== undefined) columns.versions[j] = a.version
    columns.cm += a?.format === 'cm' ? '1' : '0'
    const json = !a ? '' : w.from ? w.from.metaJson(w.i) : JSON.stringify(a.meta)
    metas.push(json)
    end += Buffer.byteLength(json)
    columns.metaEnd.push(end)
    if (entry) columns.entries[j] = entry
    else if (!a) columns.problems[j] = problem!
    made.push(a)
  })
  const out = cacheFile(repo)
  try {
    makeFolders(path.dirname(out))
    replaceFile(out, `${JSON.stringify(columns)}\n${metas.join('')}\n`)
  } catch (err) {
    events?.({ type: 'log', level: 'debug', message: `index cache not written: ${(err as Error).message}` })
  }
  const result = new RepoArtifacts(repo, columns, undefined, 0, made)
  result.freshNotes = fresh
  return result
}
