// The content hashes (recordCheck.ts recordHash, the hub's key) of a local
// store's records, kept in <store>/hub-hashes.tsv so that a re-push compares
// the hashes the hub answers with kept ones instead of reading and hashing
// every record it holds again. A push keeps the hash of each record it sends
// (it has just read it) or has to hash (held, and not kept yet), so a run's
// commit pays nothing; the store is touched only through its root and record
// folders, the hub's key staying with the hub's code.
//
// A committed record is immutable, but its record.json can still be edited by
// hand. A kept hash is therefore tied to the file as it was before it was
// read: its size, mtime, ctime and inode. Any write changes the ctime (which
// no user can set back), a write by rename the inode, so an edited record
// misses and is hashed again. Taking the key before reading keeps this safe
// when the file changes while it is read: the hash is then kept under a key
// the file no longer has.
//
// The file is a cache, one `id size mtime ctime inode sha256` line a hash
// (tab-separated, the last line of an id wins): lines are appended in one
// write, a line that does not parse (a torn write) is skipped, and a lost or
// missing file (a store written by an older cmc, a read-only one; lines two
// pushes at once lost to a rewrite) only means hashing on demand.
import { appendFileSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { replaceFile } from '../files.js'
import type { ExperimentRecord } from '../store/record.js'
import type { Store } from '../store/store.js'
import { recordHash } from './recordCheck.js'

/** One version of a record file: size, mtime, ctime and inode, as the file's lines hold them. */
export type FileKey = string

interface Kept {
  key: FileKey
  hash: string
}

const LINE = /^([^\t]+)\t(\d+\t[\d.]+\t[\d.]+\t\d+)\t([0-9a-f]{64})$/

export class KeptHashes {
  private kept?: Map<string, Kept>
  private lines = 0
  private endsTorn = false
  private fresh: string[] = []

  constructor(private readonly store: Store) {}

  get file(): string {
    return path.join(this.store.root, 'hub-hashes.tsv')
  }

  /** The record file's key now; undefined when there is no such file. */
  keyOf(id: string): FileKey | undefined {
    const st = statSync(path.join(this.store.recordDir(id), 'record.json'), { throwIfNoEntry: false })
    return st && `${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.ino}`
  }

  /**
   * The record's content hash: the kept one while its file has the key it was
   * kept under, else read (store.get, and its errors), hashed and kept.
   * `key` is the file's key taken before, or now.
   */
  hashOf(id: string, key: FileKey | undefined = this.keyOf(id)): string {
    const kept = this.load().get(id)
    if (key !== undefined && kept?.key === key) return kept.hash
    const record = this.store.get(id)
    return key === undefined ? recordHash(record) : this.keep(id, key, record)
  }

  /** Hashes a record read after its file had `key`, and keeps the hash under it. */
  keep(id: string, key: FileKey, record: ExperimentRecord): string {
    const hash = recordHash(record)
    const kept = this.load()
    if (kept.get(id)?.key !== key || kept.get(id)?.hash !== hash) {
      kept.set(id, { key, hash })
      this.fresh.push(`${id}\t${key}\t${hash}\n`)
    }
    return hash
  }

  /**
   * Writes the hashes kept since the last flush: appended, or the whole file
   * rewritten once most of its lines are superseded. A store that cannot be
   * written keeps nothing, and is hashed again next time.
   */
  flush(): void {
    if (!this.fresh.length) return
    const kept = this.load()
    try {
      if (this.lines + this.fresh.length > 2 * kept.size + 1000) {
        replaceFile(this.file, [...kept].map(([id, k]) => `${id}\t${k.key}\t${k.hash}\n`).join(''))
        this.lines = kept.size
      } else {
        // a torn last line gets its own: glued to the next one, both would be skipped
        appendFileSync(this.file, (this.endsTorn ? '\n' : '') + this.fresh.join(''))
        this.lines += this.fresh.length
      }
      this.endsTorn = false
    } catch {
      // a cache: nothing lost but time
    }
    this.fresh = []
  }

  private load(): Map<string, Kept> {
    if (this.kept) return this.kept
    this.kept = new Map()
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch {
      return this.kept
    }
    this.endsTorn = text !== '' && !text.endsWith('\n')
    for (const line of text.split('\n')) {
      if (!line) continue
      this.lines++
      const m = LINE.exec(line)
      if (m) this.kept.set(m[1]!, { key: m[2]!, hash: m[3]! })
    }
    return this.kept
  }
}
