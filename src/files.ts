// Small file-system and process helpers shared across stages.
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from './errors.js'

/**
 * Writes a whole file so that a reader sees the old content or the new, never
 * a part: a temp file beside it, renamed over it. `durable` also syncs the
 * data before the rename (records and the index; caches need not).
 */
export function replaceFile(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): void {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`
  try {
    const fd = openSync(tmp, 'w')
    try {
      writeFileSync(fd, data)
      if (opts.durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
}

/**
 * Makes a folder and the folders above it that are missing, as `mkdir -p`
 * does, for the roots a user names (a store, a home, an output folder). Node's
 * own recursive mkdir never returns where mkdir says ENOENT under a folder that
 * exists (procfs, sysfs): here that is the error, thrown for the caller to
 * word.
 */
export function makeFolders(dir: string): void {
  // as mkdir -p: a file where the folder should be is an error, not a folder made
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: dir })
  const missing: string[] = []
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.push(d)
    if (path.dirname(d) === d) break
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
}

/** The nearest of p and the folders above it that exists. */
function nearestExisting(p: string): string {
  let d = path.resolve(p)
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d)
  return d
}

/**
 * What stopped a folder from being made (`cause`, what mkdir threw), as the
 * file system shows it: the nearest path above it that exists, whether that
 * is a file in the way, and whether it is a folder that takes no new ones.
 */
export function folderBlock(dir: string, cause: unknown): { existing: string; inTheWay: boolean; noFolders: boolean } {
  const existing = nearestExisting(dir)
  const inTheWay = !statSync(existing).isDirectory()
  // mkdir says ENOENT under a folder that exists where that folder takes no new ones (procfs, sysfs)
  return { existing, inTheWay, noFolders: !inTheWay && (cause as NodeJS.ErrnoException).code === 'ENOENT' }
}

/**
 * Makes a folder the user named (`-o DIR`, `--job-dir`) and those above it;
 * one that cannot be made is OUTPUT_UNWRITABLE, saying why in the user's terms.
 */
export function makeOutputFolder(dir: string, flag: string): void {
  try {
    makeFolders(dir)
  } catch (e) {
    const { existing, inTheWay, noFolders } = folderBlock(dir, e)
    const code = (e as NodeJS.ErrnoException).code ?? ''
    const reasons: Record<string, string> = { EACCES: `${existing} is not writable`, EROFS: `${existing} is read-only` }
    const why = inTheWay ? `${existing} is a file, not a folder` : noFolders ? `${existing} takes no new folders` : (reasons[code] ?? (e as Error).message)
    throw new CmcError('OUTPUT_UNWRITABLE', `cannot make ${dir} (${flag}): ${why}`, {
      hint: `give ${flag} a folder you can write${inTheWay ? `, or move ${existing} out of the way` : ''}`,
      cause: e,
    })
  }
}

/** Whether a process exists (EPERM: it does, and belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The error for a file the user named with -o that cannot be written, in the user's terms. */
export function outputUnwritable(file: string, err: unknown): CmcError {
  const dir = path.dirname(path.resolve(file))
  const missing = `the folder ${dir} does not exist`
  const reasons: Record<string, string> = {
    ENOENT: missing,
    ENOTDIR: missing,
    EISDIR: `${file} is a folder`,
    EACCES: `${dir} is not writable`,
    EROFS: `${dir} is read-only`,
  }
  const code = (err as NodeJS.ErrnoException).code ?? ''
  return new CmcError('OUTPUT_UNWRITABLE', `cannot write ${file}: ${reasons[code] ?? (err as Error).message}`, {
    hint: reasons[code] === missing ? `create ${dir} first, or give -o a file in a folder that exists` : 'give -o a file you can write',
    cause: err,
  })
}

/** Writes the file the user named with -o (or only checks that it can be written, before a tool writes it). */
export function writeOutputFile(file: string, data?: string | Uint8Array): void {
  try {
    if (data === undefined) closeSync(openSync(file, 'a'))
    else writeFileSync(file, data)
  } catch (err) {
    throw outputUnwritable(file, err)
  }
}
