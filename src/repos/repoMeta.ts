// Reading a repository's cmc-repo.yaml (name, uid, description, deps).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { replaceFile } from '../files.js'
import { parseMetaText } from '../meta/parse.js'
import type { RepoMeta as RepoMetaT } from '../meta/schema.js'
import { schemaFingerprint, validateMeta } from '../meta/validate.js'
import { cmcHome } from '../paths.js'

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

export function readRepoMeta(root: string): RepoMetaT {
  const file = path.join(root, REPO_FILE)
  if (!existsSync(file)) {
    throw new CmcError('REPO_NOT_A_REPO', `${root} is not a cmc repository (no ${REPO_FILE})`, {
      hint: `create ${file} with at least \`name: my-repo\``,
    })
  }
  const { mtimeMs, size } = statSync(file)
  const seen = readKnown()[file]
  if (seen && seen.mtimeMs === mtimeMs && seen.size === size && seen.schema === schemaFingerprint()) return seen.meta
  const meta = parseRepoMeta(file)
  readKnown()[file] = { schema: schemaFingerprint(), mtimeMs, size, meta }
  try {
    mkdirSync(path.dirname(knownFile()), { recursive: true })
    replaceFile(knownFile(), JSON.stringify(known))
  } catch {
    // a read-only home: read the file again next time
  }
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
