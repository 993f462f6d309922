// A source folder's .dockerignore, read with Docker's own rules through
// @balena/dockerignore (a port of moby's matcher): `*`, `?`, `**`, character
// classes, `!` exceptions where the last matching line wins, leading and
// trailing `/` dropped, paths cleaned, `#` comments.
import { dockerignore } from '../lazy.js'

export interface Dockerignore {
  /** Whether a path (relative to the folder, `/`-separated) is left out of the context. */
  ignores(relPath: string): boolean
  /**
   * Whether a `!` line may bring back a path below an ignored folder: only then
   * must the walk enter a folder that is itself ignored.
   */
  hasExceptions: boolean
}

const NOTHING_IGNORED: Dockerignore = { ignores: () => false, hasExceptions: false }

export function parseDockerignore(text: string): Dockerignore {
  const lines = text.split(/\r?\n/)
  // Most folders have no patterns; the matcher would still clean every path.
  if (lines.every((line) => line.startsWith('#') || !line.trim())) return NOTHING_IGNORED
  // Docker matches case-sensitively; the library's default does not.
  const ig = dockerignore()({ ignorecase: false }).add(text)
  return {
    ignores: (relPath) => ig.ignores(relPath),
    // The library also reads `/!x` and `./!x` as exceptions, so any `!` counts:
    // a false positive costs a walk through an ignored folder, never a file.
    hasExceptions: lines.some((line) => !line.startsWith('#') && line.includes('!')),
  }
}
