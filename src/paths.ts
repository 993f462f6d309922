// Where cmc keeps its own state. CMC_HOME overrides the default (~/.cmc) so tests
// and CI can use throw-away homes.
import { statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CmcError } from './errors.js'

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

/** The package root (holds templates/, images/, schema/). */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const templatesDir = path.join(packageRoot, 'templates')
export const builtinRepoDir = path.join(packageRoot, 'images')
export const schemaDir = path.join(packageRoot, 'schema')
