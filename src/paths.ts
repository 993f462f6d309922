// Where cmc keeps its own state. CMC_HOME overrides the default (~/.cmc) so tests
// and CI can use throw-away homes.
import { existsSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CmcError } from './errors.js'
import { makeFolders } from './files.js'

/** The home last found usable: asked for many times a command, it is looked at once. */
let usable: string | undefined

export function cmcHome(): string {
  const home = process.env.CMC_HOME ? path.resolve(process.env.CMC_HOME) : path.join(os.homedir(), '.cmc')
  if (home !== usable) {
    // one not made yet is made when something is written there; a file in its place (or its path) would read as an empty home
    let folder: boolean | undefined
    try {
      folder = statSync(home, { throwIfNoEntry: false })?.isDirectory()
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e
      folder = false
    }
    if (folder === false)
      throw new CmcError('HOME_UNUSABLE', `cmc's home ${home} is not a folder: a file is in its place or in its path`, {
        hint: process.env.CMC_HOME ? 'point CMC_HOME at a folder (or unset it for ~/.cmc)' : `move ${home} out of the way, or set CMC_HOME to a folder`,
      })
    usable = home
  }
  return home
}

/** Makes a folder in cmc's home (the home itself included); a home that cannot hold it is HOME_UNUSABLE. */
export function makeHomeFolder(dir: string): void {
  try {
    makeFolders(dir)
  } catch (e) {
    const home = cmcHome()
    const what = path.resolve(dir) === home ? 'cannot be made' : `cannot hold ${dir}`
    throw new CmcError('HOME_UNUSABLE', `cmc's home ${home} ${what}: ${(e as Error).message}`, {
      hint: process.env.CMC_HOME ? 'point CMC_HOME at a folder you can write (or unset it for ~/.cmc)' : 'set CMC_HOME to a folder you can write',
      cause: e,
    })
  }
}

/**
 * The package root (holds package.json, templates/, images/, schema/): the
 * nearest folder above this module with a package.json, so it is found from
 * the sources, from tsc's dist/ and from the bundle's chunks alike.
 */
export const packageRoot: string = nearestPackage(path.dirname(fileURLToPath(import.meta.url)))

/** Whether this code runs as TypeScript sources (the tests) rather than as the build. */
export const fromSources: boolean = import.meta.url.endsWith('.ts')

function nearestPackage(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) return path.resolve(from, '..')
  }
}

export const templatesDir = path.join(packageRoot, 'templates')
export const builtinRepoDir = path.join(packageRoot, 'images')
export const schemaDir = path.join(packageRoot, 'schema')
