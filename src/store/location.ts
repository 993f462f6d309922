// Where the experiment store is: --store, else the nearest `.cmc/` folder
// walking up from the current folder (its `store/`), else ${CMC_HOME}/store.
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { cmcHome } from '../paths.js'

export function findStoreRoot(opts: { path?: string; cwd?: string } = {}): string {
  if (opts.path) return path.resolve(opts.path)
  if (process.env.CMC_STORE) return path.resolve(process.env.CMC_STORE)
  let dir = path.resolve(opts.cwd ?? process.cwd())
  for (;;) {
    const candidate = path.join(dir, '.cmc')
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return path.join(candidate, 'store')
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return path.join(cmcHome(), 'store')
}
