// Reading a repository's cmc-repo.yaml (name, uid, description, deps), or
// telling a CM/MLC repository by its own markers (cmr.yaml, meta.yaml).
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { makeFolders, replaceFile } from '../files.js'
import { parseMetaText } from '../meta/parse.js'
import type { RepoMeta as RepoMetaT } from '../meta/schema.js'
import { schemaFingerprint, validateMeta } from '../meta/validate.js'
import { cmcHome } from '../paths.js'
import { detectCmRepo, type CmLayout } from '../cm/layout.js'

export const REPO_FILE = 'cmc-repo.yaml'

interface KnownRepoMeta {
  /** the schema it was checked against */
  schema: string
  mtimeMs: number
  size: number
  meta: RepoMetaT
}

// Every command reads the builtin repo's cmc-repo.yaml, and each --repo's: the
// meta read from each is kept beside the index cache under the file's mtime and
// size (and the schema it was checked against), so that a warm command loads
// no YAML parser.
const knownFile = () => path.join(cmcHome(), 'index', 'repo-meta.json')
let known: Record<string, KnownRepoMeta> | undefined

function readKnown(): Record<string, KnownRepoMeta> {
  if (!known) {
    try {
      known = JSON.parse(readFileSync(knownFile(), 'utf8')) as Record<string, KnownRepoMeta>
    } catch {
      known = {} // none yet, or damaged: read the files
    }
  }
  return known
}

/** What names a repository: its cmc-repo.yaml, else a CM/MLC repository's own marker. */
export interface RepoIdentity {
  name: string
  uid?: string
  /** For a CM/MLC repository: its layout and the folder its entries sit under. */
  layout?: CmLayout
  base?: string
}

/** A repository's name and uid, from cmc-repo.yaml or CM/MLC markers; cmc writes nothing into a CM repository. */
export function repoIdentity(root: string): RepoIdentity {
  if (existsSync(path.join(root, REPO_FILE))) {
    const meta = readRepoMeta(root)
    return { name: meta.name, uid: meta.uid }
  }
  const cm = knownCm(root) ?? rememberCm(root)
  if (cm) return cm
  throw notARepo(root)
}

/** What a CM/MLC marker said, kept like cmc-repo.yaml's meta under the marker's mtime and size. */
interface KnownCm {
  schema: 'cm'
  marker: string
  mtimeMs: number
  size: number
  id: RepoIdentity
}

function knownCm(root: string): RepoIdentity | undefined {
  const seen = readKnown()[`cm:${root}`] as unknown as KnownCm | undefined
  if (seen?.schema !== 'cm') return undefined
  try {
    const { mtimeMs, size } = statSync(seen.marker)
    return mtimeMs === seen.mtimeMs && size === seen.size ? seen.id : undefined
  } catch {
    return undefined
  }
}

function rememberCm(root: string): RepoIdentity | undefined {
  const cm = detectCmRepo(root)
  if (!cm) return undefined
  const id: RepoIdentity = { name: cm.name, uid: cm.uid, layout: cm.layout, base: cm.base }
  const { mtimeMs, size } = statSync(cm.marker)
  const entry: KnownCm = { schema: 'cm', marker: cm.marker, mtimeMs, size, id }
  readKnown()[`cm:${root}`] = entry as unknown as KnownRepoMeta
  saveKnown()
  return id
}

function saveKnown(): void {
  try {
    makeFolders(path.dirname(knownFile()))
    replaceFile(knownFile(), JSON.stringify(known))
  } catch {
    // a read-only home: read the file again next time
  }
}

export function isRepoRoot(dir: string): boolean {
  return existsSync(path.join(dir, REPO_FILE)) || detectCmRepo(dir) !== undefined
}

function notARepo(root: string): CmcError {
  return new CmcError(
    'REPO_NOT_A_REPO',
    `${root} is not a cmc repository (no ${REPO_FILE}) nor a CM/MLC one (no cmr.yaml, nor meta.yaml with an alias beside a script/ folder)`,
    {
      hint: `for a cmc repository create ${path.join(root, REPO_FILE)} with at least \`name: my-repo\`; a CM/MLC repository is added from the folder holding its cmr.yaml or meta.yaml`,
    },
  )
}

export function readRepoMeta(root: string): RepoMetaT {
  const file = path.join(root, REPO_FILE)
  if (!existsSync(file)) throw notARepo(root)
  const { mtimeMs, size } = statSync(file)
  const seen = readKnown()[file]
  if (seen && seen.mtimeMs === mtimeMs && seen.size === size && seen.schema === schemaFingerprint()) return seen.meta
  const meta = parseRepoMeta(file)
  readKnown()[file] = { schema: schemaFingerprint(), mtimeMs, size, meta }
  saveKnown()
  return meta
}

function parseRepoMeta(file: string): RepoMetaT {
  const parsed = parseMetaText(readFileSync(file, 'utf8'), file)
  const problems = validateMeta('repo', parsed.data)
  if (problems.length) {
    const p = problems[0]
    throw new CmcError(p.code, p.message, { where: { file, ...parsed.position(p.path, p.atKey) }, hint: p.hint })
  }
  return parsed.data as RepoMetaT
}
