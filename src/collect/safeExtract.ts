// Safe extraction of a container's outputs (a tar stream from the archive
// API) into a record folder. Refused, and reported: names with `..` or an
// absolute path, links (symbolic or hard) whose target leaves the folder,
// device files and fifos, files beyond the per-file or total size cap.
// Nothing is ever written outside `dest`: every path is resolved and checked,
// and a symlink is never followed while writing.
import { createHash } from 'node:crypto'
import { createWriteStream, lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform, type Readable } from 'node:stream'
import { extract, type Header as Headers } from 'tar-stream'
import type { OutputFile } from '../store/record.js'

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
      if (comp === '..') { cur = path.dirname(cur); continue }
      const next = path.join(cur, comp)
      let link: string | undefined
      try {
        if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next)
      } catch {
        /* does not exist (yet): take it as written */
      }
      if (link === undefined) { cur = next; continue }
      if (++hops > 40) return undefined
      const r = walk(cur, link)
      if (r === undefined) return undefined
      cur = r
    }
    return cur
  }
  return walk(path.sep, p)
}

export async function safeExtract(tar: Readable, dest: string, limits: ExtractLimits): Promise<ExtractResult> {
  mkdirSync(dest, { recursive: true })
  const root = realpathSync.native(path.resolve(dest))
  const links: Array<{ at: string; shown: string; linkTarget: string }> = []
  const files: OutputFile[] = []
  const refused: ExtractResult['refused'] = []
  let total = 0
  const ex = extract()

  ex.on('entry', (h: Headers, stream, next) => {
    // Refusals name the entry as the record would (without the archive's top folder).
    let shown = h.name
    const drain = (reason?: string) => {
      if (reason) refused.push({ path: shown, reason })
      stream.on('end', () => next())
      stream.resume()
    }
    let name = h.name.replace(/\\/g, '/')
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return drain('absolute path')
    if (name.split('/').includes('..')) return drain('path contains ..')
    if (limits.stripFirst) shown = name = name.split('/').slice(1).join('/')
    if (!name || name === '.') return drain()
    const target = path.resolve(root, name)
    if (!within(root, target)) return drain('path leaves the output folder')
    if (!noSymlinkOnPath(root, target)) return drain('a parent folder is a symlink')
    switch (h.type) {
      case 'directory':
        mkdirSync(target, { recursive: true })
        return drain()
      case 'symlink': {
        const linkTarget = h.linkname ?? ''
        const resolved = path.resolve(path.dirname(target), linkTarget)
        if (path.isAbsolute(linkTarget) || !within(root, resolved)) return drain(`symlink to ${linkTarget} leaves the output folder`)
        mkdirSync(path.dirname(target), { recursive: true })
        try {
          symlinkSync(linkTarget, target)
          links.push({ at: target, shown, linkTarget })
        } catch (e) {
          return drain(`symlink not created: ${(e as Error).message}`)
        }
        return drain()
      }
      case 'link':
        return drain('hard links are not extracted')
      case 'file':
      case 'contiguous-file': {
        const size = h.size ?? 0
        if (size > limits.maxFileBytes) return drain(`file of ${size} bytes exceeds the cap of ${limits.maxFileBytes}`)
        if (total + size > limits.maxTotalBytes) return drain(`total output would exceed ${limits.maxTotalBytes} bytes`)
        total += size
        mkdirSync(path.dirname(target), { recursive: true })
        const hash = createHash('sha256')
        const tap = new Transform({ transform(chunk, _enc, cb) { hash.update(chunk); cb(null, chunk) } })
        // 'wx' never follows or replaces an existing entry (e.g. a planted symlink).
        pipeline(stream, tap, createWriteStream(target, { flags: 'wx', mode: 0o644 }))
          .then(() => {
            files.push({ path: path.relative(root, target).split(path.sep).join('/'), size, sha256: hash.digest('hex') })
            next()
          })
          .catch((e) => {
            refused.push({ path: shown, reason: `not written: ${(e as Error).message}` })
            stream.resume()
            next()
          })
        return
      }
      default:
        return drain(`${h.type} entries are not extracted`)
    }
  })
  await pipeline(tar, ex)
  // Links are checked one by one as they arrive; together they can still lead
  // out (self -> ., up -> self/..). Check each one again as the disk has it now.
  for (const l of links) {
    const r = resolveOnDisk(l.at)
    if (r === undefined || !within(root, r)) {
      unlinkSync(l.at)
      refused.push({ path: l.shown, reason: r === undefined ? 'symlink loop' : `symlink to ${l.linkTarget} leaves the output folder through other links` })
    }
  }
  files.sort((a, b) => a.path.localeCompare(b.path))
  return { files, refused }
}
