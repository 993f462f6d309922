// The artifact index: every artifact of every repo, found by alias, uid or tag
// query. Parsed meta is cached per repo in ${CMC_HOME}/index/ and reused while
// the walked folders' mtimes and the meta files' mtimes and sizes are
// unchanged (and the repo's name, uid and root, and the schemas, are the same).
// A warm `cmc find` over thousands of artifacts reads one file per repo, stats
// the meta files and builds only the artifacts it prints: it loads neither the
// YAML parser nor the validators, and decodes no meta. CM/MLC scripts are
// read as CM reads them (src/cm/read.ts) and kept as written; CM entries that
// are not scripts are kept apart from the artifacts.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError, isErrorCode, type ErrorCode } from '../errors.js'
import type { EventSink } from '../events.js'
import type { Artifact } from '../meta/artifact.js'
import type { Kind } from '../meta/kinds.js'
import type { CmEntry } from '../cm/read.js'
import { nearest } from '../meta/nearest.js'
import { schemaFingerprint } from '../meta/validate.js'
import type { ArtifactMeta } from '../meta/schema.js'
import { reindexer } from '../lazy.js'
import { cmcHome } from '../paths.js'
import { listRepos, type RepoEntry } from './registry.js'
import { matchesQuery, needsMeta, parseTagQuery, type TagQuery } from './tagQuery.js'

export const CACHE_FORMAT = 6

export interface IndexProblem {
  file: string
  /** Alias read from the file's text when it could not be loaded (for `cmc show`). */
  aliasGuess?: string
  error: { code: ErrorCode; message: string; where?: { file: string; line?: number; col?: number }; hint?: string; details?: string[] }
}

/**
 * A repo's cache file is two lines. First this header, in columns so that one
 * JSON.parse of a short text builds few objects: meta file i is files[i]
 * (relative to the root, '/' separated), with its mtime and size; kinds[i] is
 * its kind's letter (KIND_LETTERS), or '-' where problems[i] says why it could
 * not be loaded; its tags are tagNames[id] for the ids in tagIds from
 * tagEnd[i - 1] to tagEnd[i]. Then the artifacts' metas as JSON one after the
 * other, artifact i's ending at byte metaEnd[i] of that line; each is decoded
 * when first used.
 */
export interface CacheHeader {
  format: number
  /** The schemas the metas were checked against (a problem cached under others may be none now, or the reverse). */
  schema: string
  root: string
  name: string
  uid: string | null
  /** Folders walked (not artifact folders) and their mtimes: a new or removed artifact folder changes one. */
  dirs: Record<string, number>
  files: string[]
  mtimeMs: number[]
  size: number[]
  kinds: string
  alias: string[]
  uids: string[]
  tagNames: string[]
  tagIds: number[]
  tagEnd: number[]
  /** Versions, where given. */
  versions: Record<number, string>
  /** '1' where the artifact is CM meta (format 'cm'), else '0'. */
  cm: string
  metaEnd: number[]
  problems: Record<number, IndexProblem>
  /** CM entries that are not scripts (kind letter 'e'): kept apart, never searched. */
  entries: Record<number, CmEntry>
}

export const KIND_LETTERS: Record<Kind, string> = { component: 'c', image: 'i', benchmark: 'b', platform: 'p' }
const KIND_OF_LETTER: Record<string, Kind | undefined> = { c: 'component', i: 'image', b: 'benchmark', p: 'platform' }

/** A file name key for a repo's folder: 16 hex digits of its sha256. */
function pathKey(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16)
}

export function cacheFile(repo: RepoEntry): string {
  return path.join(cmcHome(), 'index', `${repo.name.replace(/[^\w.-]/g, '_')}-${pathKey(repo.path)}.json`)
}

/**
 * Builds artifact folder paths as path.join(root, relDir) does, by
 * concatenation (thousands of them on every command).
 */
function dirJoiner(root: string): (relDir: string) => string {
  const prefix = path.join(root, '_').slice(0, -1) // the normalized root and a separator
  return path.sep === '/' ? (relDir) => prefix + relDir : (relDir) => prefix + relDir.split('/').join(path.sep)
}

/**
 * One repo's artifacts: the cache's columns, and the artifacts, built when
 * asked for (freshly loaded ones are there from the start).
 */
export class RepoArtifacts {
  readonly count: number
  private readonly join: (relDir: string) => string
  /** Notes on the meta files read this time (none for a repo read from its cache). */
  freshNotes: string[] = []

  constructor(
    readonly repo: RepoEntry,
    readonly columns: CacheHeader,
    /** The cache file's bytes and where its metas start, when read from it. */
    private readonly bytes: Buffer | undefined,
    private readonly metaStart: number,
    private readonly made: Array<Artifact | undefined>,
  ) {
    this.count = columns.files.length
    this.join = dirJoiner(repo.path)
  }

  /** Kind of artifact i; undefined where its meta file could not be loaded. */
  kind(i: number): Kind | undefined {
    return KIND_OF_LETTER[this.columns.kinds[i]]
  }

  tags(i: number): string[] {
    const { tagNames, tagIds, tagEnd } = this.columns
    const out: string[] = []
    for (let k = i ? tagEnd[i - 1] : 0; k < tagEnd[i]; k++) out.push(tagNames[tagIds[k]])
    return out
  }

  /** For a query without variations: a test of artifact i's tags, on the tag ids. */
  tagMatcher(q: TagQuery): (i: number) => boolean {
    const { tagNames, tagIds, tagEnd } = this.columns
    const id = new Map(tagNames.map((t, k) => [t, k]))
    const include = q.include.map((t) => id.get(t) ?? -1)
    const exclude = q.exclude.map((t) => id.get(t) ?? -1).filter((k) => k >= 0)
    if (include.includes(-1)) return () => false // a tag no artifact here has
    const has = (i: number, tag: number) => {
      for (let k = i ? tagEnd[i - 1] : 0; k < tagEnd[i]; k++) if (tagIds[k] === tag) return true
      return false
    }
    return (i) => include.every((tag) => has(i, tag)) && !exclude.some((tag) => has(i, tag))
  }

  metaFile(i: number): string {
    return this.join(this.columns.files[i])
  }

  /** The meta of artifact i as JSON, as the cache file holds it. */
  metaJson(i: number): string {
    if (!this.bytes) return JSON.stringify(this.made[i]!.meta)
    return this.bytes.toString('utf8', this.metaStart + (i ? this.columns.metaEnd[i - 1] : 0), this.metaStart + this.columns.metaEnd[i])
  }

  /** Artifact i (one whose kind(i) is defined). */
  artifact(i: number): Artifact {
    let a = this.made[i]
    if (!a) {
      const columns = this.columns
      const rel = columns.files[i]
      const slash = rel.lastIndexOf('/')
      const relDir = rel.slice(0, slash)
      const dir = this.join(relDir)
      a = {
        kind: this.kind(i)!,
        alias: columns.alias[i],
        uid: columns.uids[i],
        tags: this.tags(i),
        version: columns.versions[i],
        dir,
        file: `${dir}${path.sep}${rel.slice(slash + 1)}`,
        repo: this.repo.name,
        relDir,
        format: columns.cm[i] === '1' ? 'cm' : 'cmc',
      } as Artifact
      // meta stays an own, enumerable property (spread and JSON see it), decoded on first use
      let meta: ArtifactMeta | undefined
      const json = () => this.metaJson(i)
      Object.defineProperty(a, 'meta', {
        enumerable: true,
        configurable: true,
        get: () => (meta ??= JSON.parse(json()) as ArtifactMeta),
        set: (m: ArtifactMeta) => {
          meta = m
        },
      })
      this.made[i] = a
    }
    return a
  }

  all(): Artifact[] {
    const out: Artifact[] = []
    for (let i = 0; i < this.count; i++) if (this.kind(i)) out.push(this.artifact(i))
    return out
  }
}

function readCache(repo: RepoEntry): RepoArtifacts | undefined {
  try {
    const bytes = readFileSync(cacheFile(repo))
    const nl = bytes.indexOf(10)
    if (nl < 0) return undefined
    const header = JSON.parse(bytes.toString('utf8', 0, nl)) as CacheHeader
    if (
      header.format !== CACHE_FORMAT ||
      header.schema !== schemaFingerprint() ||
      header.root !== repo.path ||
      header.name !== repo.name ||
      header.uid !== (repo.uid ?? null)
    )
      return undefined
    // a file cut short (the metas' line ends with a newline) is not used
    if (bytes.length !== nl + 1 + (header.metaEnd.length ? header.metaEnd[header.metaEnd.length - 1] : 0) + 1) return undefined
    return new RepoArtifacts(repo, header, bytes, nl + 1, new Array(header.files.length))
  } catch {
    return undefined
  }
}

/** Whether no walked folder and no meta file changed since the cache was written. */
function isFresh(cached: RepoArtifacts): boolean {
  const { dirs, mtimeMs, size } = cached.columns
  try {
    for (const d in dirs) if (statSync(d).mtimeMs !== dirs[d]) return false
    for (let i = 0; i < cached.count; i++) {
      const stat = statSync(cached.metaFile(i))
      if (stat.mtimeMs !== mtimeMs[i] || stat.size !== size[i]) return false
    }
  } catch {
    return false
  }
  return true
}

export class ArtifactIndex {
  private list?: Artifact[]

  constructor(
    private readonly sources: RepoArtifacts[],
    private readonly repoList: RepoEntry[],
    private readonly broken: IndexProblem[],
  ) {}

  all(): Artifact[] {
    return (this.list ??= this.sources.flatMap((s) => s.all()))
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
    if (this.list) return this.list.filter((a) => (!opts.kind || a.kind === opts.kind) && matchesQuery(a, q))
    // from the columns: only the matches are built (and, for _variation queries, their metas decoded)
    const out: Artifact[] = []
    for (const s of this.sources) {
      const tagsMatch = needsMeta(q) ? undefined : s.tagMatcher(q)
      for (let i = 0; i < s.count; i++) {
        const kind = s.kind(i)
        if (!kind || (opts.kind && kind !== opts.kind)) continue
        if (tagsMatch ? tagsMatch(i) : matchesQuery(s.artifact(i), q)) out.push(s.artifact(i))
      }
    }
    return out
  }

  /** CM entries that are not scripts (automations, contributors, challenges, cfg, ...), per repo. */
  cmEntries(): Array<CmEntry & { repo: string }> {
    return this.sources.flatMap((s) => Object.values(s.columns.entries).map((e) => ({ ...e, repo: s.repo.name })))
  }

  /** Artifacts sharing one uid, where one of them is a CM script (CM names a script by its uid alone). */
  uidClashes(): Artifact[][] {
    const byUid = new Map<string, Artifact[]>()
    for (const a of this.all()) byUid.set(a.uid, [...(byUid.get(a.uid) ?? []), a])
    return [...byUid.values()].filter((list) => list.length > 1 && list.some((a) => a.format === 'cm'))
  }

  /**
   * By uid (the last repo wins: given with --repo, else the last registered),
   * then alias (a repo given with --repo wins, else the first: builtin, then
   * registered in order); `repo:alias` or
   * `repo:uid` picks within one repo. Where a CM script is among several
   * artifacts of one uid or alias, none is chosen: the error names each and
   * how to pick it. Throws with suggestions.
   */
  get(aliasOrUid: string, opts: { kind?: Kind } = {}): Artifact {
    const ok = (kind: Kind) => !opts.kind || kind === opts.kind
    const colon = aliasOrUid.indexOf(':')
    const inRepo = colon > 0 ? this.sources.find((s) => s.repo.name === aliasOrUid.slice(0, colon)) : undefined
    if (inRepo) return this.pick(aliasOrUid.slice(colon + 1), [inRepo], ok) ?? this.notFound(aliasOrUid, opts)
    return this.pick(aliasOrUid, this.sources, ok) ?? this.notFound(aliasOrUid, opts)
  }

  private pick(name: string, sources: RepoArtifacts[], ok: (kind: Kind) => boolean): Artifact | undefined {
    const byUid: Array<[RepoArtifacts, number]> = []
    for (const s of sources) for (let i = 0; i < s.count; i++) if (s.columns.uids[i] === name && s.kind(i) && ok(s.kind(i)!)) byUid.push([s, i])
    // the last one of a uid wins among cmc artifacts, as a map filled in order does
    if (byUid.length) return this.unique(name, 'uid', byUid) ?? byUid[byUid.length - 1][0].artifact(byUid[byUid.length - 1][1])
    const byAlias: Array<[RepoArtifacts, number]> = []
    for (const s of sources) for (let i = 0; i < s.count; i++) if (s.columns.alias[i] === name && s.kind(i) && ok(s.kind(i)!)) byAlias.push([s, i])
    // among cmc artifacts of one alias, one from a repo given with --repo is the one the user pointed at
    const given = byAlias.find(([s]) => s.repo.kind === 'extra') ?? byAlias[0]
    if (byAlias.length) return this.unique(name, 'alias', byAlias) ?? given[0].artifact(given[1])
    return undefined
  }

  /** The one artifact, or undefined for cmc's own order to choose; throws where CM scripts are among several. */
  private unique(name: string, by: 'uid' | 'alias', found: Array<[RepoArtifacts, number]>): Artifact | undefined {
    if (found.length === 1) return found[0][0].artifact(found[0][1])
    const list = found.map(([s, i]) => s.artifact(i))
    if (!list.some((a) => a.format === 'cm')) return undefined
    const lines = list.map((a) => `${a.repo}:${by === 'uid' ? a.uid : a.alias} (${a.alias} ${a.uid}, ${a.file})`)
    const sameRepo = new Set(list.map((a) => a.repo)).size < list.length
    throw new CmcError('ARTIFACT_AMBIGUOUS', `${list.length} artifacts have the ${by} "${name}": ${lines.join('; ')}`, {
      hint: sameRepo
        ? `name one by repo:alias (${list.map((a) => `${a.repo}:${a.alias}`).join(', ')}); scripts sharing a uid in one repo need a new uid in one of their metas`
        : `name one by repo:${by} (${list.map((a) => `${a.repo}:${by === 'uid' ? a.uid : a.alias}`).join(', ')})`,
      data: { candidates: list.map((a) => ({ repo: a.repo, alias: a.alias, uid: a.uid, file: a.file })) },
    })
  }

  private notFound(aliasOrUid: string, opts: { kind?: Kind }): never {
    const ok = (kind: Kind) => !opts.kind || kind === opts.kind
    const broken = this.broken.find((p) => p.aliasGuess === aliasOrUid)
    if (broken) {
      throw new CmcError(isErrorCode(broken.error.code) ? broken.error.code : 'META_INVALID', broken.error.message, {
        where: broken.error.where,
        hint: broken.error.hint,
        details: broken.error.details,
      })
    }
    const pool: string[] = []
    for (const s of this.sources) {
      for (let i = 0; i < s.count; i++) {
        const kind = s.kind(i)
        if (kind && ok(kind)) pool.push(s.columns.alias[i])
      }
    }
    const near = nearest(aliasOrUid, pool)
    throw new CmcError('ARTIFACT_NOT_FOUND', `no ${opts.kind ?? 'artifact'} with alias or uid "${aliasOrUid}"`, {
      hint: near.length
        ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
        : 'list them with `cmc find` (register repos with `cmc repo add PATH` or pass --repo PATH)',
    })
  }
}

/**
 * Every registered repo's artifacts, each repo's cache refreshed where its
 * files changed; a meta file that cannot be loaded is skipped with a warning,
 * but for that of `target` (the alias or uid a command is for): its looking
 * up is the command's error, said once.
 */
export async function loadIndex(opts: { extraRepos?: string[]; events?: EventSink; builtin?: boolean; target?: string } = {}): Promise<ArtifactIndex> {
  // builtin: false leaves the shipped repo out (isolated fixtures in tests).
  const repos = listRepos(opts.extraRepos ?? []).filter((r) => opts.builtin !== false || r.kind !== 'builtin')
  const sources: RepoArtifacts[] = []
  const broken: IndexProblem[] = []
  for (const repo of repos) {
    if (repo.kind !== 'builtin' && repo.kind !== 'extra' && !existsSync(repo.path)) {
      opts.events?.({ type: 'log', level: 'warn', message: goneRepoNote(repo) })
      continue
    }
    const cached = readCache(repo)
    let source = cached && isFresh(cached) ? cached : undefined
    if (!source) {
      source = await (await reindexer()).indexRepo(repo, cached, opts.events)
      for (const n of source.freshNotes) opts.events?.({ type: 'log', level: 'warn', message: n })
    }
    sources.push(source)
    for (let i = 0; i < source.count; i++) {
      const p = source.kind(i) ? undefined : source.columns.problems[i]
      if (p) {
        broken.push(p)
        if (opts.target !== undefined && p.aliasGuess === opts.target) continue
        opts.events?.({
          type: 'log',
          level: 'warn',
          message: `skipped ${p.error.where?.file ?? p.file}${p.error.where?.line ? `:${p.error.where.line}` : ''}: ${p.error.message}`,
        })
      }
    }
  }
  return new ArtifactIndex(sources, repos, broken)
}

/** What to say of a registered repo whose folder is gone: its artifacts are not found, and how to stop seeing this. */
export function goneRepoNote(repo: RepoEntry): string {
  return `repo ${repo.name}: ${repo.path} is gone, so its artifacts are left out (\`cmc repo remove ${repo.name}\`, or \`cmc repo add ${repo.source}\` again)`
}

export interface RepoIndexSummary {
  artifacts: Artifact[]
  problems: IndexProblem[]
  /** What CM reads differently from what is written, one line each. */
  notes: string[]
  /** CM entries that are not scripts. */
  entries: number
}

/** Index one repo afresh (as `cmc repo add` does before registering it) and write its cache. */
export async function indexRepoFresh(repo: RepoEntry, events?: EventSink): Promise<RepoIndexSummary> {
  const source = await (await reindexer()).indexRepo(repo, undefined, events)
  const problems: IndexProblem[] = []
  for (let i = 0; i < source.count; i++) if (!source.kind(i) && source.columns.problems[i]) problems.push(source.columns.problems[i])
  return { artifacts: source.all(), problems, notes: source.freshNotes, entries: Object.keys(source.columns.entries).length }
}
