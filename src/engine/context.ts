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
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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
}

function modeOf(m: number): number {
  return m & 0o111 ? 0o755 : 0o644
}

/** Expand entries (files and folders) into a sorted file list. */
export function listContextFiles(entries: ContextEntry[]): ContextFile[] {
  const files = new Map<string, ContextFile>()
  for (const e of entries) {
    if (!existsSync(e.src)) {
      throw new CmcError('CONTEXT_MISSING', `${e.src} does not exist`, { hint: 'check the `files:` list in the artifact meta' })
    }
    const st = statSync(e.src)
    if (st.isFile()) {
      files.set(e.dest, { name: e.dest, src: e.src, mode: modeOf(st.mode), size: st.size })
      continue
    }
    const ignoreFile = path.join(e.src, '.dockerignore')
    const dockerignore = parseDockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '')
    const walk = (dir: string, rel: string) => {
      for (const n of readdirSync(dir).sort()) {
        if (n === '.dockerignore') continue
        const r = rel ? `${rel}/${n}` : n
        const ignored = dockerignore.ignores(r)
        // an ignored folder is entered only when a `!` line may bring back something inside it
        if (ignored && !dockerignore.hasExceptions) continue
        const p = path.join(dir, n)
        const s = statSync(p)
        if (s.isDirectory()) walk(p, r)
        else if (s.isFile() && !ignored) files.set(`${e.dest}/${r}`, { name: `${e.dest}/${r}`, src: p, mode: modeOf(s.mode), size: s.size })
      }
    }
    walk(e.src, '')
  }
  return [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** sha256 over the Dockerfile and every file's name, mode and content. */
export function contextHash(dockerfile: string, files: ContextFile[]): string {
  const h = createHash('sha256').update('Dockerfile\0').update(dockerfile)
  for (const f of files) h.update(`\0${f.name}\0${f.mode.toString(8)}\0`).update(readFileSync(f.src))
  return h.digest('hex')
}

const header = (name: string, size: number, mode: number, type: 'file' | 'directory' = 'file') => ({
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
