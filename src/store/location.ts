// Where the experiment store is: --store, else the nearest `.cmc/` folder
// walking up from the current folder (its `store/`), else ${CMC_HOME}/store;
// and what to tell a user whose store cannot be made there. A store may also be a
// hub's project, named by its address (https://HUB/PROJECT).
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'
import { folderBlock } from '../files.js'
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

/** The error for a store folder that cannot be made or read at root: the file in its way, or what the system said. */
export function storeUnusable(root: string, cause: unknown): CmcError {
  const block = folderBlock(path.join(root, 'records'), cause)
  const { existing, inTheWay } = block
  const noFolders = block.noFolders && existing !== root
  const why = inTheWay ? `${existing} is a file, not a folder` : noFolders ? `${existing} takes no new folders` : ((cause as Error).message ?? String(cause))
  return new CmcError('STORE_UNUSABLE', `the experiment store at ${root} cannot be used: ${why}`, {
    hint: `give --store (or CMC_STORE) a folder${inTheWay ? `, or move ${existing} out of the way` : ''}`,
    cause,
  })
}

/** A hub's project as a store: `--store https://HUB/PROJECT`. */
export interface HubAddress {
  /** scheme, host and port: https://hub.example.org:8443 */
  origin: string
  project: string
  /** origin/project, as a user writes it */
  url: string
}

/** Whether a --store (or CMC_STORE, --to, --from) value names a hub rather than a folder. */
export const isHubAddress = (spec: string | undefined): spec is string => spec !== undefined && /^https?:\/\//i.test(spec)

/**
 * An address as it may be shown: anything before an `@` (a user and token
 * written into it) is `***`. A project name has no `@`, so any `@` is taken for
 * one, even in an address that does not parse, where a URL reader would not
 * find the user part.
 */
export function shownAddress(spec: string): string {
  const at = spec.lastIndexOf('@')
  if (at < 0) return spec
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(spec)?.[0] ?? ''
  return `${scheme}***${spec.slice(at)}`
}

/** A hub address read strictly: http(s)://HOST[:PORT]/PROJECT, nothing after the project. */
export function parseHubAddress(spec: string): HubAddress {
  const bad = (why: string) =>
    new CmcError('HUB_URL_INVALID', `${shownAddress(spec)} is not a hub address: ${why}`, {
      hint: 'write it as https://HOST[:PORT]/PROJECT, e.g. --store https://hub.example.org/team-a',
    })
  let u: URL
  try {
    u = new URL(spec)
  } catch {
    throw bad('it cannot be read as a URL')
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('it must start with https:// or http://')
  if (u.username || u.password) throw bad('a token belongs in CMC_HUB_TOKEN or ~/.cmc/config.yaml, not in the address')
  if (u.search || u.hash) throw bad('it has a query or a fragment')
  const parts = u.pathname.split('/').filter(Boolean)
  if (parts.length !== 1 || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(parts[0]!)) throw bad('it must end in one project name (letters, digits, . _ -)')
  return { origin: u.origin, project: parts[0]!, url: `${u.origin}/${parts[0]}` }
}
