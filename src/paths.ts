// Where cmc keeps its own state. CMC_HOME overrides the default (~/.cmc) so tests
// and CI can use throw-away homes.
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export function cmcHome(): string {
  return process.env.CMC_HOME ? path.resolve(process.env.CMC_HOME) : path.join(os.homedir(), '.cmc')
}

/** The package root (holds templates/, images/, schema/). */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const templatesDir = path.join(packageRoot, 'templates')
export const builtinRepoDir = path.join(packageRoot, 'images')
export const schemaDir = path.join(packageRoot, 'schema')
