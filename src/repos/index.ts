// The artifact index: every artifact of every repo, found by alias, uid or tag
// query. Parsed meta is cached per repo in ${CMC_HOME}/index/ and reused while
// the folders' and meta files' mtimes are unchanged, so a warm `cmc find` over
// thousands of artifacts only stats files.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import type { Artifact } from '../meta/artifact.js'
import { CM_META_FILES, CMC_META_FILES, loadArtifactFile } from '../meta/load.js'
import { nearest } from '../meta/nearest.js'
import type { Kind } from '../meta/schema.js'
import { cmcHome } from '../paths.js'
import { listRepos, type RepoEntry } from './registry.js'
import { matchesQuery, parseTagQuery } from './tagQuery.js'

const CACHE_FORMAT = 2
const META_FILES = [...CMC_META_FILES, ...CM_META_FILES]
const SKIP_DIRS = new Set(['node_modules', '.git', '.cmc', 'dist'])

export interface IndexProblem {
  file: string
  /** Alias read from the file's text when it could not be loaded (for `cmc show`). */
  aliasGuess?: string
  error: { code: string; message: string; where?: { file: string; line?: number; col?: number }; hint?: string }
}

interface CacheEntry { file: string; mtimeMs: number; size: number; artifact?: Artifact; problem?: IndexProblem }
interface RepoCache { format: number; root: string; dirs: Record<string, number>; entries: CacheEntry[] }

function cacheFile(repo: RepoEntry): string {
  const key = createHash('sha256').update(repo.path).digest('hex').slice(0, 16)
  return path.join(cmcHome(), 'index', `${repo.name.replace(/[^\w.-]/g, '_')}-${key}.json`)
}

function readCache(repo: RepoEntry): RepoCache | undefined {
  try {
    const c = JSON.parse(readFileSync(cacheFile(repo), 'utf8')) as RepoCache
    return c.format === CACHE_FORMAT && c.root === repo.path ? c : undefined
  } catch {
    return undefined
  }
}

function cacheIsFresh(c: RepoCache): boolean {
  try {
    for (const [d, m] of Object.entries(c.dirs)) if (statSync(d).mtimeMs !== m) return false
    for (const e of c.entries) {
      const s = statSync(e.file)
      if (s.mtimeMs !== e.mtimeMs || s.size !== e.size) return false
    }
    return true
  } catch {
    return false
  }
}

/** Walk a repo: a folder holding a meta file is an artifact (its subfolders are its files). */
function scan(root: string): { dirs: Record<string, number>; metaFiles: string[] } {
  const dirs: Record<string, number> = {}
  const metaFiles: string[] = []
  const walk = (dir: string) => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    const meta = META_FILES.find((f) => names.includes(f))
    if (meta && dir !== root) {
      metaFiles.push(path.join(dir, meta))
      return
    }
    dirs[dir] = statSync(dir).mtimeMs
    for (const n of names.sort()) {
      if (n.startsWith('.') || SKIP_DIRS.has(n)) continue
      const p = path.join(dir, n)
      let isDir = false
      try {
        isDir = statSync(p).isDirectory()
      } catch {
        continue
      }
      if (isDir) walk(p)
    }
  }
  walk(root)
  return { dirs, metaFiles }
}

function guessAlias(file: string): string | undefined {
  try {
    return /^\s*"?alias"?\s*:\s*"?([\w.-]+)/m.exec(readFileSync(file, 'utf8'))?.[1]
  } catch {
    return undefined
  }
}

function indexRepo(repo: RepoEntry, events?: EventSink): CacheEntry[] {
  const cached = readCache(repo)
  if (cached && cacheIsFresh(cached)) return cached.entries
  const previous = new Map((cached?.entries ?? []).map((e) => [e.file, e]))
  const { dirs, metaFiles } = scan(repo.path)
  const entries: CacheEntry[] = metaFiles.map((file) => {
    const s = statSync(file)
    const old = previous.get(file)
    if (old && old.mtimeMs === s.mtimeMs && old.size === s.size) return old
    try {
      const artifact = loadArtifactFile(file, { name: repo.name, root: repo.path, uid: repo.uid })
      return { file, mtimeMs: s.mtimeMs, size: s.size, artifact }
    } catch (e) {
      if (!(e instanceof CmcError)) throw e
      return { file, mtimeMs: s.mtimeMs, size: s.size, problem: { file, aliasGuess: guessAlias(file), error: { code: e.code, message: e.message, where: e.where, hint: e.hint } } }
    }
  })
  const out = cacheFile(repo)
  try {
    mkdirSync(path.dirname(out), { recursive: true })
    const tmp = `${out}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, root: repo.path, dirs, entries } satisfies RepoCache))
    renameSync(tmp, out)
  } catch (e) {
    events?.({ type: 'log', level: 'debug', message: `index cache not written: ${(e as Error).message}` })
  }
  return entries
}

export class ArtifactIndex {
  private readonly byUid = new Map<string, Artifact>()
  constructor(
    private readonly artifacts: Artifact[],
    private readonly repoList: RepoEntry[],
    private readonly broken: IndexProblem[],
  ) {
    for (const a of artifacts) this.byUid.set(a.uid, a)
  }

  all(): Artifact[] {
    return this.artifacts
  }

  repos(): RepoEntry[] {
    return this.repoList
  }

  /** Meta files that failed to load (reported as warnings by `cmc find`). */
  problems(): IndexProblem[] {
    return this.broken
  }

  find(query: string, opts: { kind?: Kind } = {}): Artifact[] {
    const q = parseTagQuery(query)
    return this.artifacts.filter((a) => (!opts.kind || a.kind === opts.kind) && matchesQuery(a, q))
  }

  /** By uid, then alias (the first repo wins, builtin first). Throws with suggestions. */
  get(aliasOrUid: string, opts: { kind?: Kind } = {}): Artifact {
    const ok = (a: Artifact | undefined) => a && (!opts.kind || a.kind === opts.kind)
    const byUid = this.byUid.get(aliasOrUid)
    if (ok(byUid)) return byUid!
    const byAlias = this.artifacts.find((a) => a.alias === aliasOrUid && ok(a))
    if (byAlias) return byAlias
    const broken = this.broken.find((p) => p.aliasGuess === aliasOrUid)
    if (broken) {
      throw new CmcError('input', broken.error.code, broken.error.message, { where: broken.error.where, hint: broken.error.hint })
    }
    const pool = this.artifacts.filter((a) => !opts.kind || a.kind === opts.kind).map((a) => a.alias)
    const near = nearest(aliasOrUid, pool)
    throw new CmcError('input', 'ARTIFACT_NOT_FOUND', `no ${opts.kind ?? 'artifact'} with alias or uid "${aliasOrUid}"`, {
      hint: near.length ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : 'list them with `cmc find` (register repos with `cmc repo add PATH` or pass --repo PATH)',
    })
  }
}

export async function loadIndex(opts: { extraRepos?: string[]; events?: EventSink; builtin?: boolean } = {}): Promise<ArtifactIndex> {
  // builtin: false leaves the shipped repo out (isolated fixtures in tests).
  const repos = listRepos(opts.extraRepos ?? []).filter((r) => opts.builtin !== false || r.kind !== 'builtin')
  const artifacts: Artifact[] = []
  const broken: IndexProblem[] = []
  for (const repo of repos) {
    for (const e of indexRepo(repo, opts.events)) {
      if (e.artifact) artifacts.push(e.artifact)
      if (e.problem) {
        broken.push(e.problem)
        opts.events?.({ type: 'log', level: 'warn', message: `skipped ${e.problem.error.where?.file ?? e.file}${e.problem.error.where?.line ? `:${e.problem.error.where.line}` : ''}: ${e.problem.error.message}` })
      }
    }
  }
  return new ArtifactIndex(artifacts, repos, broken)
}
