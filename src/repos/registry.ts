// The repository registry: which artifact repositories cmc knows, kept in
// ${CMC_HOME}/repos.yaml. The built-in repo (platform profiles and common
// components shipped in the package's images/) is always first. Extra folders
// can be used without registering them (CMC_REPOS, --repo).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { replaceFile } from '../files.js'
import { fastParseYaml } from '../meta/yamlFastPath.js'
import { builtinRepoDir, cmcHome, makeHomeFolder } from '../paths.js'
import { isRepoRoot, readRepoMeta, repoIdentity, REPO_FILE } from './repoMeta.js'
import type { CmLayout } from '../cm/layout.js'
import { execa as lazyExeca, fflate, yaml } from '../lazy.js'

export interface RepoEntry {
  name: string
  uid?: string
  path: string
  /** Where it came from: "builtin", a local path, a git URL or an archive. */
  source: string
  kind: 'builtin' | 'path' | 'git' | 'archive' | 'extra'
  /** A CM/MLC repository, read as CM reads it (no cmc-repo.yaml). */
  layout?: CmLayout
  /** Its entries' folder, relative to path (CM's `prefix`). */
  base?: string
}

const cmFields = (id: { layout?: CmLayout; base?: string }) => (id.layout ? { layout: id.layout, base: id.base ?? '' } : {})

const registryFile = () => path.join(cmcHome(), 'repos.yaml')

function readRegistry(): RepoEntry[] {
  const f = registryFile()
  if (!existsSync(f)) return []
  const text = readFileSync(f, 'utf8')
  // writeRegistry writes JSON, which is YAML: every command reads this file, and
  // JSON.parse needs no YAML parser loaded; one edited by hand is read as YAML
  const data = (text.trimStart().startsWith('{') ? tryJson(text) : undefined) ?? fastParseYaml(text)?.value ?? yaml().parse(text)
  return (data as { repos?: RepoEntry[] } | null)?.repos ?? []
}

function writeRegistry(repos: RepoEntry[]): void {
  makeHomeFolder(cmcHome())
  replaceFile(registryFile(), JSON.stringify({ repos }, null, 2) + '\n')
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined // YAML that starts like a flow mapping
  }
}

export function builtinRepo(): RepoEntry {
  return { name: 'builtin', uid: readRepoMeta(builtinRepoDir).uid, path: builtinRepoDir, source: 'builtin', kind: 'builtin' }
}

/** Repos passed with --repo or CMC_REPOS: used for this invocation only. */
export function extraRepos(dirs: string[] = []): RepoEntry[] {
  const fromEnv = (process.env.CMC_REPOS ?? '').split(':').filter(Boolean)
  return [...dirs, ...fromEnv].map((d) => {
    const abs = path.resolve(d)
    const id = repoIdentity(abs)
    return { name: id.name, uid: id.uid, path: abs, source: abs, kind: 'extra' as const, ...cmFields(id) }
  })
}

/** What makes two folders the same repository: its uid, else its name (unique among registered ones). */
const identity = (r: RepoEntry) => r.uid ?? `name:${r.name}`

/**
 * All repos in lookup order: builtin, registered, then extra ones. Duplicates
 * (same path) dropped. A repository given with --repo (or CMC_REPOS) that is
 * also registered from another folder (a second clone, a working copy) is used
 * instead of the registered copy for this invocation: the user pointed at it.
 */
export function listRepos(extra: string[] = []): RepoEntry[] {
  const extras = extraRepos(extra)
  const given = new Set(extras.map(identity))
  const seen = new Set<string>()
  const out: RepoEntry[] = []
  for (const r of [builtinRepo(), ...readRegistry().filter((x) => !given.has(identity(x))), ...extras]) {
    if (seen.has(r.path)) continue
    seen.add(r.path)
    out.push(r)
  }
  return out
}

const isGitUrl = (s: string) => /^(https?|git|ssh|file):\/\//.test(s) || /^[\w.-]+@[\w.-]+:/.test(s) || (s.endsWith('.git') && !existsSync(s))
const isArchive = (s: string) => /\.(tar\.gz|tgz|zip)$/i.test(s)

/** Find the repository's folder (cmc-repo.yaml, or a CM/MLC marker): the root or its single top-level folder. */
function repoRootIn(dir: string, source: string): string {
  if (isRepoRoot(dir)) return dir
  const subs = readdirSync(dir).filter((d) => statSync(path.join(dir, d)).isDirectory())
  if (subs.length === 1 && isRepoRoot(path.join(dir, subs[0]))) return path.join(dir, subs[0])
  throw new CmcError('REPO_NOT_A_REPO', `${source} holds no ${REPO_FILE} and no CM/MLC marker (cmr.yaml, meta.yaml) at its top level`, {
    hint: `a repository is a folder with ${REPO_FILE} (name: ..., uid: ...), or a CM/MLC repository as published`,
  })
}

async function fetchInto(source: string, kind: 'git' | 'archive', staging: string): Promise<void> {
  // loaded here, not at start: every command lists the repos, few fetch one
  const { execa } = await lazyExeca()
  if (kind === 'git') {
    try {
      await execa('git', ['clone', '--quiet', '--depth', '1', source, staging], { timeout: 300_000 })
    } catch (e) {
      const err = e as { stderr?: string; shortMessage?: string }
      throw new CmcError('REPO_CLONE_FAILED', `git clone ${source} failed: ${(err.stderr || err.shortMessage || '').trim().split('\n').pop()}`, {
        hint: 'check the URL and that git can reach it (try `git ls-remote URL`)',
      })
    }
    return
  }
  mkdirSync(staging, { recursive: true })
  if (/\.zip$/i.test(source)) {
    const { unzipSync } = fflate()
    let files: Record<string, Uint8Array>
    try {
      files = unzipSync(readFileSync(source))
    } catch (e) {
      throw archiveCorrupt(source, [(e as Error).message], e)
    }
    for (const [name, data] of Object.entries(files)) {
      const dest = path.resolve(staging, name)
      // refuse entries escaping the staging folder (zip-slip)
      if (!dest.startsWith(staging + path.sep)) throw new CmcError('REPO_ARCHIVE_UNSAFE', `archive entry ${name} escapes the folder`)
      if (name.endsWith('/')) {
        mkdirSync(dest, { recursive: true })
        continue
      }
      mkdirSync(path.dirname(dest), { recursive: true })
      writeFileSync(dest, data)
    }
  } else {
    // GNU tar refuses absolute and `..` member names by default.
    await execa('tar', ['-xzf', path.resolve(source), '-C', staging, '--no-same-owner', '--no-same-permissions']).catch((e: unknown) => {
      const said = String((e as { stderr?: unknown }).stderr || (e as Error).message)
      throw archiveCorrupt(
        source,
        said.split('\n').filter((l) => l.trim()),
        e,
      )
    })
  }
}

/** A repo archive that would not unpack: nothing is registered. */
function archiveCorrupt(source: string, details: string[], cause: unknown): CmcError {
  return new CmcError('REPO_ARCHIVE_CORRUPT', `${source} cannot be unpacked: it is damaged or cut short, and no repo was added`, {
    details,
    hint: 'copy or download the archive again; a folder or a git URL can be added as well',
    cause,
  })
}

/**
 * Registers a repo; `replace` takes its name over from another registration
 * of that name. All or nothing: `check` (indexing it, say) runs before the
 * registry is written, and where anything fails the registry and any copy
 * cmc keeps are as they were.
 */
export async function addRepo(source: string, opts: { replace?: boolean; check?: (entry: RepoEntry) => Promise<void> } = {}): Promise<RepoEntry> {
  const repos = readRegistry()
  let entry: RepoEntry
  let commit = () => {}
  let rollback = () => {}
  if (!isGitUrl(source) && existsSync(source) && statSync(source).isDirectory()) {
    const abs = path.resolve(source)
    const id = repoIdentity(abs)
    entry = { name: id.name, uid: id.uid, path: abs, source: abs, kind: 'path', ...cmFields(id) }
  } else if (isGitUrl(source) || (isArchive(source) && existsSync(source))) {
    const kind = isGitUrl(source) ? 'git' : 'archive'
    const reposDir = path.join(cmcHome(), 'repos')
    const staging = path.join(reposDir, `.staging-${process.pid}-${Date.now()}`)
    makeHomeFolder(reposDir)
    try {
      await fetchInto(source, kind, staging)
      const root = repoRootIn(staging, source)
      const id = repoIdentity(root)
      const dest = path.join(reposDir, id.name.replace(/[^\w.@-]/g, '_'))
      // the copy it replaces is kept aside until the add has succeeded
      const aside = `${dest}.old-${process.pid}`
      const hadOld = existsSync(dest)
      if (hadOld) renameSync(dest, aside)
      renameSync(root, dest)
      commit = () => rmSync(aside, { recursive: true, force: true })
      rollback = () => {
        rmSync(dest, { recursive: true, force: true })
        if (hadOld) renameSync(aside, dest)
      }
      entry = { name: id.name, uid: id.uid, path: dest, source: kind === 'archive' ? path.resolve(source) : source, kind, ...cmFields(id) }
    } finally {
      rmSync(staging, { recursive: true, force: true })
    }
  } else {
    throw new CmcError(
      'REPO_SOURCE',
      `cannot add ${source}: ${existsSync(source) ? 'not a folder, git URL or .tar.gz/.zip archive' : 'no such folder or file'}`,
      {
        hint: 'give a local folder with cmc-repo.yaml, a git URL (https://, file://, git@host:path) or an archive path',
      },
    )
  }
  try {
    if (entry.name === 'builtin') throw new CmcError('REPO_NAME_TAKEN', 'the name "builtin" is reserved', { hint: `rename the repo in ${REPO_FILE}` })
    // a registration whose folder is gone (a deleted or moved clone) gives its name up
    const clash = !opts.replace && repos.find((r) => r.name === entry.name && r.path !== entry.path && existsSync(r.path))
    if (clash)
      throw new CmcError('REPO_NAME_TAKEN', `a repo named ${entry.name} is already registered (${clash.source})`, {
        hint: `run \`cmc repo remove ${entry.name}\` first, or add --replace`,
      })
    await opts.check?.(entry)
    writeRegistry([...repos.filter((r) => r.name !== entry.name), entry])
  } catch (err) {
    rollback()
    throw err
  }
  commit()
  return entry
}

export function removeRepo(name: string): RepoEntry {
  const repos = readRegistry()
  const entry = repos.find((r) => r.name === name)
  if (!entry) {
    throw new CmcError('REPO_NOT_FOUND', `no registered repo named ${name}`, {
      hint: repos.length ? `registered: ${repos.map((r) => r.name).join(', ')}` : 'no repos are registered (`cmc repo list`)',
    })
  }
  writeRegistry(repos.filter((r) => r.name !== name))
  // cmc owns copies it fetched; a local path stays untouched.
  if (entry.kind === 'git' || entry.kind === 'archive') rmSync(entry.path, { recursive: true, force: true })
  return entry
}
