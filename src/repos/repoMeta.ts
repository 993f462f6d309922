// Reading a repository's cmc-repo.yaml (name, uid, description, deps).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { parseMetaText } from '../meta/parse.js'
import type { RepoMeta as RepoMetaT } from '../meta/schema.js'
import { validateMeta } from '../meta/validate.js'

export const REPO_FILE = 'cmc-repo.yaml'

export function readRepoMeta(root: string): RepoMetaT {
  const file = path.join(root, REPO_FILE)
  if (!existsSync(file)) {
    throw new CmcError('REPO_NOT_A_REPO', `${root} is not a cmc repository (no ${REPO_FILE})`, {
      hint: `create ${file} with at least \`name: my-repo\``,
    })
  }
  const parsed = parseMetaText(readFileSync(file, 'utf8'), file)
  const problems = validateMeta('repo', parsed.data)
  if (problems.length) {
    const p = problems[0]
    throw new CmcError(p.code, p.message, { where: { file, ...parsed.position(p.path, p.atKey) }, hint: p.hint })
  }
  return parsed.data as RepoMetaT
}
