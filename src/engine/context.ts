// The build context as a tar stream (tar-stream): the Dockerfile plus the
// compiler's context entries. Entries are sorted, owners are 0:0, mtimes are
// one fixed instant and modes are normalized (0644, 0755 for executables and
// folders), so identical inputs give identical bytes and identical layers.
// Each source folder's .dockerignore is honoured with Docker's rules (the
// file itself is never sent: it configures the context, it is not content;
// the Dockerfile at the root is the compiled one, whatever a folder's
// patterns say). The context hash is
// computed from the same file list without building the tar, so an unchanged
// input can be recognised before anything is sent to the daemon.
//
// Nothing outside an artifact's folder is read. A symbolic link is sent as a
// link, its target as written, whether `files:` names it or a folder walk
// meets it: that is what Docker's own context does, so a folder builds the
// same under cmc as under `docker build`, links within the folder keep
// working (library chains, `current -> v2`), and a link out of the folder
// arrives dangling instead of carrying a file of the builder's machine into
// the image. Refusing links would break every checkout that holds one to
// protect nothing more. A listed path whose own folders lead outside through
// a link has no link to send, and is refused.
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import type { Pack } from 'tar-stream'
import { CmcError } from '../errors.js'
import type { ContextEntry } from '../compile/types.js'
import { parseDockerignore } from './dockerignore.js'
import { tarStream } from '../lazy.js'

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z')

export interface ContextFile {
  /** posix path inside the context */
  name: string
  src: string
  mode: number
  size: number
  /** A symbolic link's target, as written: sent as the link, never followed. */
  linkname?: string
}

function modeOf(m: number): number {
  return m & 0o111 ? 0o755 : 0o644
}

const regularFile = (name: string, src: string, st: Stats): ContextFile => ({ name, src, mode: modeOf(st.mode), size: st.size })

const symlink = (name: string, src: string): ContextFile => ({ name, src, mode: 0o777, size: 0, linkname: readlinkSync(src) })

/** One spelling for one path (`./a`, `a/`, `a//b`), so the hash does not depend on how `files:` wrote it. */
const cleanDest = (dest: string) => path.posix.normalize(dest).replace(/\/+$/, '')

const missing = (src: string) => new CmcError('CONTEXT_MISSING', `${src} does not exist`, { hint: 'check the `files:` list in the artifact meta' })

const isInside = (folder: string, p: string) => {
  const rel = path.relative(folder, p)
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

function lstatOrMissing(src: string): Stats {
  try {
    return lstatSync(src)
  } catch {
    throw missing(src)
  }
}

/**
 * What an entry is, read without following a link at `src` itself; its folders
 * between `root` and `src` may be links, as long as they lead to a folder
 * inside `root`.
 */
function entryStat(e: ContextEntry, root: string): Stats {
  if (e.src === root) {
    // the artifact's folder is the folder the meta was found in, link or not
    if (!existsSync(root)) throw missing(root)
    return statSync(root)
  }
  const listed = path.relative(root, e.src).split(path.sep).join('/')
  if (!isInside(root, e.src)) {
    throw new CmcError('CONTEXT_OUTSIDE', `"${listed}" is not inside the artifact folder ${root}`, {
      hint: 'list paths relative to the folder of the meta file, without `..`',
    })
  }
  const parent = path.dirname(e.src)
  if (parent !== root) {
    if (!existsSync(parent)) throw missing(e.src)
    if (!isInside(realpathSync(root), realpathSync(parent))) {
      const link = escapingLink(root, e.src)
      throw new CmcError('CONTEXT_OUTSIDE', `"${listed}" in ${root} leads out of the artifact folder through the link ${link}`, {
        hint: 'list the link itself (it is copied as a link) or a path inside the folder; copy what it points to into the folder',
      })
    }
  }
  return lstatOrMissing(e.src)
}

/** The first folder on the way from root to src that is a link leading outside root ("a -> /b"). */
function escapingLink(root: string, src: string): string {
  const realRoot = realpathSync(root)
  let p = root
  for (const part of path.relative(root, path.dirname(src)).split(path.sep)) {
    p = path.join(p, part)
    if (lstatSync(p).isSymbolicLink() && !isInside(realRoot, realpathSync(p))) return `${path.relative(root, p)} -> ${readlinkSync(p)}`
  }
  return path.relative(root, path.dirname(src))
}

/** Expand entries (files, links and folders) into a sorted file list. */
export function listContextFiles(entries: ContextEntry[]): ContextFile[] {
  const files = new Map<string, ContextFile>()
  const add = (f: ContextFile) => files.set(f.name, f)
  for (const e of entries) {
    const dest = cleanDest(e.dest)
    const st = entryStat(e, e.root ?? path.dirname(e.src))
    if (st.isSymbolicLink()) add(symlink(dest, e.src))
    else if (st.isFile()) add(regularFile(dest, e.src, st))
    else if (st.isDirectory()) walkFolder(e.src, dest, add)
  }
  return [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** A folder's files and links below `dest`, by its .dockerignore; links are never entered. */
function walkFolder(folder: string, dest: string, add: (f: ContextFile) => void): void {
  const ignoreFile = path.join(folder, '.dockerignore')
  const dockerignore = parseDockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '')
  const walk = (dir: string, rel: string) => {
    for (const n of readdirSync(dir).sort()) {
      if (n === '.dockerignore') continue
      const r = rel ? `${rel}/${n}` : n
      const ignored = dockerignore.ignores(r)
      // an ignored folder is entered only when a `!` line may bring back something inside it
      if (ignored && !dockerignore.hasExceptions) continue
      const p = path.join(dir, n)
      const s = lstatSync(p)
      if (s.isDirectory()) walk(p, r)
      else if (ignored) continue
      else if (s.isSymbolicLink()) add(symlink(`${dest}/${r}`, p))
      else if (s.isFile()) add(regularFile(`${dest}/${r}`, p, s))
    }
  }
  walk(folder, '')
}

/** sha256 over the Dockerfile and every file's name, mode and content (a link's: its target). */
export function contextHash(dockerfile: string, files: ContextFile[]): string {
  const h = createHash('sha256').update('Dockerfile\0').update(dockerfile)
  for (const f of files) {
    // a link hashes as its target text, marked so that no file's mode reads the same
    if (f.linkname !== undefined) h.update(`\0${f.name}\0link\0`).update(f.linkname)
    else h.update(`\0${f.name}\0${f.mode.toString(8)}\0`).update(readFileSync(f.src))
  }
  return h.digest('hex')
}

const header = (name: string, size: number, mode: number, type: 'file' | 'directory' | 'symlink' = 'file') => ({
  name,
  size,
  mode,
  type,
  mtime: FIXED_MTIME,
  uid: 0,
  gid: 0,
  uname: '',
  gname: '',
})

/** A tar stream of the context (Dockerfile at the root). */
export function contextTar(dockerfile: string, files: ContextFile[]): Pack {
  // tar-stream only when a context is sent: a no-op build needs the hash alone
  const { pack } = tarStream()
  const p = pack()
  const run = async () => {
    const df = Buffer.from(dockerfile)
    p.entry(header('Dockerfile', df.length, 0o644), df)
    const dirs = new Set<string>()
    for (const f of files) {
      const parts = f.name.split('/')
      for (let i = 1; i < parts.length; i++) {
        const d = parts.slice(0, i).join('/')
        if (!dirs.has(d)) {
          dirs.add(d)
          p.entry(header(d, 0, 0o755, 'directory'))
        }
      }
      if (f.linkname !== undefined) {
        const linkname = f.linkname
        await new Promise<void>((resolve, reject) => p.entry({ ...header(f.name, 0, f.mode, 'symlink'), linkname }, (err) => (err ? reject(err) : resolve())))
        continue
      }
      await new Promise<void>((resolve, reject) => {
        const entry = p.entry(header(f.name, f.size, f.mode), (err) => (err ? reject(err) : resolve()))
        createReadStream(f.src).on('error', reject).pipe(entry)
      })
    }
    p.finalize()
  }
  run().catch((e) => p.destroy(e))
  return p
}
