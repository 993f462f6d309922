// Where the experiment store is: --store, else the nearest `.cmc/` folder
// walking up from the current folder (its `store/`), else ${CMC_HOME}/store;
// and what to tell a user whose store cannot be made there.
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
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

/** The error for a store folder that cannot be made at root: the file in its way, or what the system said. */
export function storeUnusable(root: string, cause: unknown): CmcError {
  let existing = path.join(root, 'records')
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing)
  const inTheWay = statSync(existing).isDirectory() ? undefined : existing
  const why = inTheWay ? `${inTheWay} is a file, not a folder` : ((cause as Error).message ?? String(cause))
  return new CmcError('STORE_UNUSABLE', `the experiment store cannot be made at ${root}: ${why}`, {
    hint: `give --store (or CMC_STORE) a folder you can write to${inTheWay ? `, or move ${inTheWay} out of the way` : ''}`,
    cause,
  })
}
