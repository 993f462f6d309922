// CM and MLC repositories as published, told by their own markers: a CM
// repository has cmr.yaml (or cmr.json) at its root, its entries under the
// folder its `prefix` names; an MLC repository has meta.yaml (or meta.json)
// with an alias or uid at its root and a script/ folder. Entries are the
// folders one level below an automation folder (script/NAME), as CM and MLC
// list them: a folder of links (script/by-category/...) is not an entry, and a
// link to an entry is the entry once.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { parseCmText } from './parse.js'
import { scalarText } from './script.js'
import { isRecord } from '../values.js'

export type CmLayout = 'cm' | 'mlc'

export interface CmRepoInfo {
  layout: CmLayout
  name: string
  uid?: string
  /** The marker file it was told by. */
  marker: string
  /** The folder holding the automation folders, relative to the root ('' for the root). */
  base: string
}

const CM_MARKERS = ['cmr.yaml', 'cmr.json']
const MLC_MARKERS = ['meta.yaml', 'meta.json']

/** The meta file names of entries, in the order a folder's one is picked. */
export const ENTRY_META: Record<CmLayout, string[]> = { cm: ['_cm.yaml', '_cm.json'], mlc: ['meta.yaml', 'meta.json'] }

/** A marker's mapping; a marker that does not parse is the error at its line, not "no repository here". */
function readMarker(file: string): Record<string, unknown> | undefined {
  const data = parseCmText(readFileSync(file, 'utf8'), file).data
  return isRecord(data) ? data : undefined
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** The CM/MLC repository rooted at `root`, or undefined where it has neither marker. */
export function detectCmRepo(root: string): CmRepoInfo | undefined {
  for (const m of CM_MARKERS) {
    const file = path.join(root, m)
    if (!existsSync(file)) continue
    const meta = readMarker(file) ?? {}
    const prefix = scalarText(meta.prefix)
    const base = prefix && isDir(path.join(root, prefix)) ? prefix : ''
    return { layout: 'cm', name: scalarText(meta.alias) ?? path.basename(root), uid: scalarText(meta.uid), marker: file, base }
  }
  for (const m of MLC_MARKERS) {
    const file = path.join(root, m)
    if (!existsSync(file) || !isDir(path.join(root, 'script'))) continue
    const meta = readMarker(file)
    if (!meta || (meta.alias === undefined && meta.uid === undefined)) continue
    return { layout: 'mlc', name: scalarText(meta.alias) ?? path.basename(root), uid: scalarText(meta.uid), marker: file, base: '' }
  }
  return undefined
}

export interface CmScan {
  /** Folders listed and their mtimes: an entry added or removed changes one. */
  dirs: Record<string, number>
  entries: Array<{ file: string; relDir: string; base: string; automation: string }>
  /** Links to a folder already listed under its own name, skipped. */
  linked: string[]
}

/** List a CM/MLC repository's entries: BASE/AUTOMATION/NAME/<meta file>. */
export function scanCmRepo(root: string, info: Pick<CmRepoInfo, 'layout' | 'base'>): CmScan {
  const dirs: Record<string, number> = {}
  const entries: CmScan['entries'] = []
  const linked: string[] = []
  const baseDir = info.base ? path.join(root, info.base) : root
  const names = ENTRY_META[info.layout]
  const list = (dir: string) => {
    try {
      dirs[dir] = statSync(dir).mtimeMs
      return readdirSync(dir)
        .filter((n) => !n.startsWith('.'))
        .sort()
    } catch {
      return []
    }
  }
  for (const automation of list(baseDir)) {
    const autoDir = path.join(baseDir, automation)
    if (automation === 'node_modules' || !isDir(autoDir)) continue
    const found: Array<{ file: string; relDir: string; base: string; real: string; own: boolean }> = []
    for (const name of readdirSafe(autoDir)) {
      const dir = path.join(autoDir, name)
      const base = names.find((n) => existsSync(path.join(dir, n)))
      if (!base) continue
      let real = dir
      try {
        real = realpathSync(dir)
      } catch {
        // a broken link: listed as it is, and its meta fails to read
      }
      const relDir = path.relative(root, dir).split(path.sep).join('/')
      found.push({ file: path.join(dir, base), relDir, base, real, own: real === path.join(realpathSafe(autoDir), name) })
    }
    if (!found.length) continue
    list(autoDir)
    const byReal = new Map<string, (typeof found)[number]>()
    for (const f of found) {
      const seen = byReal.get(f.real)
      if (!seen) byReal.set(f.real, f)
      else if (f.own && !seen.own) {
        linked.push(seen.relDir)
        byReal.set(f.real, f)
      } else linked.push(f.relDir)
    }
    for (const f of [...byReal.values()].sort((a, b) => (a.relDir < b.relDir ? -1 : 1)))
      entries.push({ file: f.file, relDir: f.relDir, base: f.base, automation })
  }
  return { dirs, entries, linked }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort()
  } catch {
    return []
  }
}

function realpathSafe(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return p
  }
}
