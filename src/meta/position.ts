// Position of a key path inside an artifact's meta file, for errors found after
// loading (by the resolver): re-parses the file only when an error is raised.
import { readFileSync } from 'node:fs'
import type { SourcePosition } from '../errors.js'
import type { Artifact } from './artifact.js'
import { parseMetaText } from './parse.js'

export function positionIn(a: Artifact, keyPath: Array<string | number>): SourcePosition {
  try {
    const pos = parseMetaText(readFileSync(a.file, 'utf8'), a.file).position(keyPath, false)
    return { file: a.file, ...pos }
  } catch {
    return { file: a.file }
  }
}
