// Safe extraction of a container's outputs into a record folder, from either
// source the run has: a tar stream from the archive API, or the folder of the
// outputs volume when the engine is local and its volumes readable here. Both
// become the same entries and go through one policy. Refused, and reported:
// names with `..` or an absolute path, links (symbolic or hard) whose target
// leaves the folder, device files, fifos and sockets, files beyond the
// per-file or total size cap. Nothing is ever written outside `dest`: every
// path is resolved and checked, and a symlink is never followed while writing
// (nor while reading a volume: entries are lstat'ed and opened O_NOFOLLOW).
import { createHash } from 'node:crypto'
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  unlinkSync,
  type Stats,
} from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable, Transform } from 'node:stream'
import type { Header as Headers } from 'tar-stream'
import type { OutputFile } from '../store/record.js'
import { tarStream } from '../lazy.js'

export interface ExtractLimits {
  maxFileBytes: number
  maxTotalBytes: number
  /** Leading path component to strip (the archive API puts entries under the folder's name). */
  stripFirst?: boolean
}

export interface ExtractResult {
  files: OutputFile[]
  refused: Array<{ path: string; reason: string }>
}

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep)
}

/** No component of the path below root may be a symlink (or we would write through it). */
function noSymlinkOnPath(root: string, target: string): boolean {
  let cur = path.dirname(target)
  while (within(root, cur) && cur !== root) {
    try {
      if (lstatSync(cur).isSymbolicLink()) return false
    } catch {
      /* not created yet */
    }
    cur = path.dirname(cur)
  }
  return true
}

/**
 * Where a path leads on disk, following every symlink on the way like the
 * kernel does (`a/..` is the parent of wherever `a` leads, not a no-op), and
 * tolerant of components that do not exist yet. undefined for a link loop.
 */
function resolveOnDisk(p: string): string | undefined {
  let hops = 0
  const walk = (base: string, rel: string): string | undefined => {
    let cur = path.isAbsolute(rel) ? path.sep : base
    for (const comp of rel.split(/[\\/]+/).filter((c) => c && c !== '.')) {
      if (comp === '..') {
        cur = path.dirname(cur)
        continue
      }
      const next = path.join(cur, comp)
      let link: string | undefined
      try {
        if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next)
      } catch {
        /* does not exist (yet): take it as written */
      }
      if (link === undefined) {
        cur = next
        continue
      }
      if (++hops > 40) return undefined
      const r = walk(cur, link)
      if (r === undefined) return undefined
      cur = r
    }
    return cur
  }
  return walk(path.sep, p)
}

/** One entry of a container's outputs, whichever way they came. */
export interface OutputEntry {
  /** As the source names it: relative, `/`-separated (a tar may say anything). */
  name: string
  /** tar-stream's type names: file, directory, symlink, link, fifo, character-device, ... */
  type: string
  size: number
  linkname?: string
  /** The content of a file entry; not called for refused entries. */
  body?: () => Readable
}

/** The entries of a tar stream, in archive order. */
export async function* tarEntries(tar: Readable): AsyncGenerator<OutputEntry> {
  // tar-stream and its streams only when outputs come as an archive
  const { extract } = tarStream()
  const ex = extract()
  const piped = pipeline(tar, ex)
  piped.catch(() => {})
  for await (const entry of ex) {
    const h = entry.header as Headers
    let taken = false
    yield {
      name: h.name,
      type: h.type ?? 'file',
      size: h.size ?? 0,
      linkname: h.linkname ?? undefined,
      body: () => {
        taken = true
        return entry as unknown as Readable
      },
    }
    // an entry not read must still be drained before the next one arrives
    if (!taken) entry.resume()
  }
  await piped
}

function typeOf(st: Stats): string {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'directory'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isCharacterDevice()) return 'character-device'
  if (st.isBlockDevice()) return 'block-device'
  return 'socket'
}

/** Writing into the record folder failed (a full disk, say): fatal whichever way the outputs came. */
export class OutputsWriteError extends Error {
  constructor(
    readonly entry: string,
    cause: Error,
  ) {
    super(`cannot write output ${entry}: ${cause.message}`, { cause })
  }
}

const SLASH = Buffer.from('/')

/**
 * The entries of a folder on this machine (a stopped container's outputs
 * volume), as the archive API lists them: parents before children, names in
 * byte order, sockets left out, any non-folder seen again through another hard
 * link as a `link`. Names are handled as the bytes the container wrote (not
 * every name is UTF-8) and shown decoded, as tar-stream decodes them. Nothing
 * is followed: symlinks are read as links; a file is opened O_NOFOLLOW and
 * O_NONBLOCK and must still be the regular file of the size lstat gave.
 */
export async function* dirEntries(root: string): AsyncGenerator<OutputEntry> {
  const seen = new Map<string, string>()
  function* walk(dir: Buffer, rel: string): Generator<OutputEntry> {
    const names = readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare)
    for (const n of names) {
      const name = rel ? `${rel}/${n.toString('utf8')}` : n.toString('utf8')
      const full = Buffer.concat([dir, SLASH, n])
      const st = lstatSync(full)
      const type = typeOf(st)
      if (type === 'directory') {
        yield { name, type, size: 0 }
        yield* walk(full, name)
        continue
      }
      if (type === 'socket') continue
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`
        const first = seen.get(key)
        if (first !== undefined) {
          yield { name, type: 'link', size: 0, linkname: first }
          continue
        }
        seen.set(key, name)
      }
      if (type === 'symlink') yield { name, type, size: 0, linkname: readlinkSync(full, { encoding: 'buffer' }).toString('utf8') }
      else if (type === 'file') yield { name, type, size: st.size, body: () => openListed(full, st) }
      else yield { name, type, size: 0 }
    }
  }
  yield* walk(Buffer.from(root), '')
}

/** A listed file's content, when it is still that file (the container has exited; this is belt and braces). */
function openListed(full: Buffer, listed: Stats): Readable {
  const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  const st = fstatSync(fd)
  if (!st.isFile() || st.ino !== listed.ino || st.dev !== listed.dev || st.size !== listed.size) {
    closeSync(fd)
    throw new Error(`${full.toString('utf8')} changed while the outputs were read`)
  }
  if (listed.size === 0) {
    closeSync(fd)
    return Readable.from([])
  }
  return createReadStream('', { fd, start: 0, end: listed.size - 1 })
}

export async function safeExtract(tar: Readable, dest: string, limits: ExtractLimits): Promise<ExtractResult> {
  return extractEntries(tarEntries(tar), dest, limits)
}

/** Copies a local outputs folder (a stopped container's volume) under the same rules as an archive. */
export async function safeCopy(src: string, dest: string, limits: Omit<ExtractLimits, 'stripFirst'>): Promise<ExtractResult> {
  return extractEntries(dirEntries(src), dest, { ...limits, stripFirst: false })
}

function exists(p: string): boolean {
  try {
    lstatSync(p)
    return true
  } catch {
    return false
  }
}

/** Creates the folders above `target`; false where one of them is a file (a crafted archive). */
function folderFor(target: string): boolean {
  try {
    mkdirSync(path.dirname(target), { recursive: true })
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR' || (e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new OutputsWriteError(path.dirname(target), e as Error)
  }
}

export async function extractEntries(entries: AsyncIterable<OutputEntry>, dest: string, limits: ExtractLimits): Promise<ExtractResult> {
  mkdirSync(dest, { recursive: true })
  const root = realpathSync.native(path.resolve(dest))
  const links: Array<{ at: string; shown: string; linkTarget: string }> = []
  const files: OutputFile[] = []
  const refused: ExtractResult['refused'] = []
  let total = 0

  for await (const h of entries) {
    // Refusals name the entry as the record would (without the archive's top folder).
    let shown = h.name
    const refuse = (reason: string) => {
      refused.push({ path: shown, reason })
    }
    let name = h.name.replace(/\\/g, '/')
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
      refuse('absolute path')
      continue
    }
    if (name.split('/').includes('..')) {
      refuse('path contains ..')
      continue
    }
    if (limits.stripFirst) shown = name = name.split('/').slice(1).join('/')
    if (!name || name === '.') continue
    const target = path.resolve(root, name)
    if (!within(root, target)) {
      refuse('path leaves the output folder')
      continue
    }
    if (!noSymlinkOnPath(root, target)) {
      refuse('a parent folder is a symlink')
      continue
    }
    switch (h.type) {
      case 'directory':
        if (!folderFor(path.join(target, 'x'))) refuse('a file of the same name came first')
        continue
      case 'symlink': {
        const linkTarget = h.linkname ?? ''
        const resolved = path.resolve(path.dirname(target), linkTarget)
        if (path.isAbsolute(linkTarget) || !within(root, resolved)) {
          refuse(`symlink to ${linkTarget} leaves the output folder`)
          continue
        }
        if (!folderFor(target)) {
          refuse('a parent of it is not a folder')
          continue
        }
        try {
          symlinkSync(linkTarget, target)
          links.push({ at: target, shown, linkTarget })
        } catch (e) {
          refuse(`symlink not created: ${(e as Error).message}`)
        }
        continue
      }
      case 'link':
        refuse('hard links are not extracted')
        continue
      case 'file':
      case 'contiguous-file': {
        const size = h.size
        if (size > limits.maxFileBytes) {
          refuse(`file of ${size} bytes exceeds the cap of ${limits.maxFileBytes}`)
          continue
        }
        if (total + size > limits.maxTotalBytes) {
          refuse(`total output would exceed ${limits.maxTotalBytes} bytes`)
          continue
        }
        // an entry already there (a tar may name a path twice) is kept, never replaced
        if (exists(target)) {
          refuse('another entry of the same name came first')
          continue
        }
        if (!folderFor(target)) {
          refuse('a parent of it is not a folder')
          continue
        }
        total += size
        const hash = createHash('sha256')
        const tap = new Transform({
          transform(chunk, _enc, cb) {
            hash.update(chunk)
            cb(null, chunk)
          },
        })
        const body = h.body?.()
        if (!body) {
          refuse('no content')
          continue
        }
        // 'wx' never follows or replaces an existing entry (e.g. a planted symlink).
        const out = createWriteStream(target, { flags: 'wx', mode: 0o644 })
        let writeError: Error | undefined
        out.on('error', (e) => {
          writeError = e
        })
        try {
          await pipeline(body, tap, out)
        } catch (e) {
          throw writeError ? new OutputsWriteError(shown, writeError) : e
        }
        files.push({ path: path.relative(root, target).split(path.sep).join('/'), size, sha256: hash.digest('hex') })
        continue
      }
      default:
        refuse(`${h.type} entries are not extracted`)
    }
  }
  // Links are checked one by one as they arrive; together they can still lead
  // out (self -> ., up -> self/..). Check each one again as the disk has it now.
  for (const l of links) {
    const r = resolveOnDisk(l.at)
    if (r === undefined || !within(root, r)) {
      unlinkSync(l.at)
      refused.push({ path: l.shown, reason: r === undefined ? 'symlink loop' : `symlink to ${l.linkTarget} leaves the output folder through other links` })
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { files, refused }
}
