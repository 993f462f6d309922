// Walking a repository for its meta files: a cmc repository's artifact
// folders (a folder holding a meta file is an artifact; a folder reached
// through links as well as under its own name counts once), or a CM/MLC
// repository's entries as CM lists them (src/cm/layout.ts); and reading a
// file with the mtime and size of what was read.
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs'
import path from 'node:path'
import { scanCmRepo } from '../cm/layout.js'
import { CM_META_FILES, CMC_META_FILES } from '../meta/files.js'
import type { RepoEntry } from './registry.js'

const META_FILES = [...CMC_META_FILES, ...CM_META_FILES]
const SKIP_DIRS = new Set(['node_modules', '.git', '.cmc', 'dist'])

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

export interface MetaFile {
  file: string
  /** Its folder relative to the repo root, '/' separated (as path.relative would give it). */
  relDir: string
  base: string
}

/** Walk a repo: a folder holding a meta file is an artifact (its subfolders are its files). */
export function scan(root: string): { dirs: Record<string, number>; metaFiles: MetaFile[] } {
  const dirs: Record<string, number> = {}
  const metaFiles: MetaFile[] = []
  // the meta files found through a link: only their folders need realpath to be told apart
  const viaLinks = new Set<MetaFile>()
  const walk = (dir: string, rel: string, viaLink: boolean) => {
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    if (dir !== root) {
      const base = META_FILES.find((f) => entries.some((e) => e.name === f))
      if (base) {
        const m = { file: path.join(dir, base), relDir: rel, base }
        metaFiles.push(m)
        if (viaLink) viaLinks.add(m)
        return
      }
    }
    dirs[dir] = statSync(dir).mtimeMs
    for (const e of entries.sort(byName)) {
      const n = e.name
      if (n.startsWith('.') || SKIP_DIRS.has(n)) continue
      const p = path.join(dir, n)
      let isDir = e.isDirectory()
      const link = !isDir && !e.isFile()
      if (link) {
        // a symbolic link (followed, as stat does) or a type the listing did not give
        try {
          isDir = statSync(p).isDirectory()
        } catch {
          continue
        }
      }
      if (isDir) walk(p, rel ? `${rel}/${n}` : n, viaLink || link)
    }
  }
  walk(root, '', false)
  return { dirs, metaFiles: onceEach(root, metaFiles, viaLinks) }
}

/**
 * An artifact folder reached through links as well as under its own name
 * (a by-category folder of links) is indexed once, under its own name.
 */
function onceEach(root: string, metaFiles: MetaFile[], viaLinks: Set<MetaFile>): MetaFile[] {
  if (!viaLinks.size) return metaFiles
  const realRoot = realpathSync(root)
  const byReal = new Map<string, MetaFile>()
  const own = (m: MetaFile, real: string) => real === path.join(realRoot, m.relDir)
  for (const m of metaFiles) {
    // a folder reached through no link is where its name says
    let real = path.join(realRoot, m.relDir)
    if (viaLinks.has(m)) {
      try {
        real = realpathSync(path.dirname(m.file))
      } catch {
        real = path.dirname(m.file)
      }
    }
    const seen = byReal.get(real)
    if (!seen || (own(m, real) && !own(seen, real))) byReal.set(real, m)
  }
  const kept = new Set(byReal.values())
  return metaFiles.filter((m) => kept.has(m))
}

export function guessAlias(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /^\s*"?alias"?\s*:\s*"?([\w.-]+)/m.exec(text)?.[1]
}

/** Read a file with the mtime and size of what was read (text undefined when it cannot be read). */
export function readWithStat(file: string): { text?: string; mtimeMs: number; size: number } {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    const s = statSync(file)
    return { mtimeMs: s.mtimeMs, size: s.size }
  }
  try {
    const s = fstatSync(fd)
    let text: string | undefined
    try {
      // as readFileSync does: the size fstat gave, or less at an early end
      const buf = Buffer.allocUnsafe(s.size)
      let n = 0
      while (n < s.size) {
        const r = readSync(fd, buf, n, s.size - n, null)
        if (r === 0) break
        n += r
      }
      text = buf.toString('utf8', 0, n)
    } catch {
      text = undefined // loadArtifactFile reads it again and reports why it cannot
    }
    return { text, mtimeMs: s.mtimeMs, size: s.size }
  } finally {
    closeSync(fd)
  }
}

/** A repo's meta files: a CM/MLC repository's entries as CM lists them, else every artifact folder. */
export function metaFilesOf(repo: RepoEntry): { dirs: Record<string, number>; metaFiles: Array<MetaFile & { automation?: string }> } {
  if (!repo.layout) return scan(repo.path)
  const { dirs, entries } = scanCmRepo(repo.path, { layout: repo.layout, base: repo.base ?? '' })
  return { dirs, metaFiles: entries }
}
