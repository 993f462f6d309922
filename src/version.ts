// The cmc version, read once from package.json (recorded in labels and records).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { packageRoot } from './paths.js'

export const cmcVersion: string = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
