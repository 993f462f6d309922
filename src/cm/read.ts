// One CM/MLC entry folder read into an index entry: a script becomes an
// artifact (format 'cm', its meta kept as written), any other entry (an
// automation, a contributor, a challenge, cfg, flex.*) is kept apart, listed
// by `cmc repo entries`, never searched as a component. What CM would read
// differently from what is written (a repeated key, a key of a shape CM does
// not take) is a note, said once when the folder is indexed.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'
import type { ArtifactMeta } from '../meta/schema.js'
import { derivedUid } from '../meta/uid.js'
import { parseCmText } from './parse.js'
import { DEP_LISTS, scalarText, searchTags, type CmRaw } from './script.js'
import { isRecord } from '../values.js'

export interface CmEntry {
  /** The automation it belongs to (the folder above it: script, automation, challenge, ...). */
  automation: string
  alias: string
  uid: string
  /** Meta file, relative to the repo root, '/' separated. */
  file: string
}

export type CmRead = { artifact: Artifact; entry?: undefined; notes: string[] } | { entry: CmEntry; artifact?: undefined; notes: string[] }

export interface CmRepoRef {
  name: string
  root: string
  uid?: string
}

/**
 * Read one entry's meta file. `automation` is the folder the entry sits in
 * (CM/MLC layouts), or undefined inside a cmc repository, where the meta's
 * automation_alias says. Throws CmcError (META_*) with the file for text that
 * is not YAML/JSON or not a mapping; nothing else throws.
 */
export function readCmEntry(file: string, repo: CmRepoRef, automation: string | undefined, text?: string, opts: { inCmcRepo?: boolean } = {}): CmRead {
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new CmcError('META_READ', `cannot read ${file}: ${(e as Error).message}`, { where: { file } })
    }
  }
  const parsed = parseCmText(text, file)
  const raw = parsed.data
  if (!isRecord(raw)) {
    throw new CmcError(
      'META_INVALID',
      `${path.basename(file)} holds ${raw === null || raw === undefined ? 'nothing' : `a ${Array.isArray(raw) ? 'list' : typeof raw}`}, not a mapping`,
      {
        where: { file, line: 1 },
        hint: 'a CM script meta is a mapping: alias: NAME, uid: 16 hex digits, tags: [...]',
      },
    )
  }
  if (opts.inCmcRepo && raw.alias === undefined && raw.automation_alias === undefined) {
    throw new CmcError('META_KIND', `${path.basename(file)} is neither cmc meta (no kind) nor CM meta (no alias)`, {
      where: { file, line: 1 },
      hint: 'a cmc artifact has cmc.yaml with kind: component (or image, benchmark); a CM script has alias: NAME',
    })
  }
  const dir = path.dirname(file)
  const relDir = path.relative(repo.root, dir).split(path.sep).join('/') || '.'
  const notes: string[] = []
  if (parsed.duplicate)
    notes.push(`${file}:${parsed.duplicate.line}: key "${parsed.duplicate.key}" is repeated in its mapping; the last value is used, as CM does`)
  const alias = scalarText(raw.alias) ?? path.basename(dir)
  let uid = scalarText(raw.uid)
  if (uid === undefined) {
    uid = derivedUid(repo.uid ?? repo.name, relDir)
    notes.push(`${file}: no uid; cmc names it ${uid} (CM would skip it)`)
  }
  const kindOf = automation ?? scalarText(raw.automation_alias) ?? 'script'
  if (kindOf !== 'script') return { entry: { automation: kindOf, alias, uid, file: `${relDir}/${path.basename(file)}` }, notes }
  notes.push(...shapeNotes(raw, file))
  const artifact: Artifact = {
    kind: 'component',
    alias,
    uid,
    tags: searchTags(raw),
    version: scalarText(raw.default_version),
    dir,
    file,
    repo: repo.name,
    relDir,
    format: 'cm',
    meta: raw as unknown as ArtifactMeta,
  }
  return { artifact, notes }
}

const LIST_KEYS = ['tags', 'new_env_keys', 'new_state_keys', ...DEP_LISTS]
const MAP_KEYS = ['variations', 'env', 'default_env', 'versions', 'docker', 'input_mapping', 'add_deps_recursive', 'adr', 'default_variations']

/** Keys whose shape CM would not read as written (they are ignored where CM would fail). */
function shapeNotes(raw: CmRaw, file: string): string[] {
  const out: string[] = []
  const what = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : isRecord(v) ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)
  for (const k of LIST_KEYS) {
    const v = raw[k]
    if (v !== undefined && v !== null && !Array.isArray(v) && !(k === 'tags' && typeof v === 'string'))
      out.push(`${file}: ${k} is ${what(v)}, not a list; cmc ignores it`)
  }
  for (const k of MAP_KEYS) {
    const v = raw[k]
    if (v !== undefined && v !== null && !isRecord(v)) out.push(`${file}: ${k} is ${what(v)}, not a mapping; cmc ignores it`)
  }
  if (Array.isArray(raw.tags) && raw.tags.some((t) => typeof t !== 'string'))
    out.push(
      `${file}: tags ${raw.tags
        .filter((t) => typeof t !== 'string')
        .map((t) => JSON.stringify(t))
        .join(', ')} are not text; CM's queries never find them, nor does cmc`,
    )
  return out
}
