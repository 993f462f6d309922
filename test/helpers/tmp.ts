// Temp folders and a throw-away CMC_HOME per test file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function tmpDir(prefix = 'cmc-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Every entry below dir, relative and sorted: folders end in /, links show their target (never followed); [] when dir is missing. */
export function listTree(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(r + '/', ...listTree(path.join(dir, e.name), r))
    else out.push(e.isSymbolicLink() ? `${r} -> ${readlinkSync(path.join(dir, e.name))}` : r)
  }
  return out.sort()
}

/** Write files given as { 'a/cmc.yaml': 'text' } under root. */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel)
    mkdirSync(path.dirname(p), { recursive: true })
    writeFileSync(p, text)
  }
  return root
}

export function useTmpHome(): { home: string; cleanup: () => void } {
  const home = tmpDir('cmc-home-')
  const prev = process.env.CMC_HOME
  process.env.CMC_HOME = home
  return {
    home,
    cleanup: () => {
      if (prev === undefined) delete process.env.CMC_HOME
      else process.env.CMC_HOME = prev
      rmSync(home, { recursive: true, force: true })
    },
  }
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')
export const examplesDir = path.join(repoRoot, 'examples')
