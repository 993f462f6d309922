// An import's record folders, written by a second thread while the first
// reads, parses and hashes the next results. Making a folder and its files is
// the kernel's work (finding free inodes, more of it on a file system that
// skips recently deleted ones): on one thread it adds to the parsing, on two
// they overlap. The importing thread builds each
// record's bytes and hands them over; this thread stages the folder and
// renames it into place, as a run's is, and says in order what became of each
// record, so that its index line is appended only once the folder is there.
// The calls stay synchronous on both sides: the reader of a tree is, and a
// bounded number of records in flight keeps the memory a round needs small.
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads'

/** A record folder to write: staged at `staging`, renamed to `dest`. */
export interface FolderJob {
  id: string
  staging: string
  dest: string
  /** record.json's text */
  json: string
  /** kept.tar's bytes, when the record keeps files */
  tar?: Uint8Array
}

/** What became of a folder: placed, there already (another import holds the id), or not written. */
export type FolderOutcome =
  | { id: string; placed: true }
  | { id: string; placed: false; exists: true }
  | { id: string; placed: false; exists: false; error: { message: string; code?: string; path?: string } }

/** records handed over and not yet written, at most; and how many go in one message */
const IN_FLIGHT = 32
const BATCH = 8
/** the shared counters' slots (folders settled, whether the thread has ended), given to the thread, whose code sees no module scope */
const SETTLED = 0
const ENDED = 1

export class FolderWriter {
  private readonly worker: Worker
  private readonly port: MessagePort
  private readonly state = new Int32Array(new SharedArrayBuffer(8))
  /** folders posted to the thread */
  private sent = 0
  private batch: FolderJob[] = []
  private moved: ArrayBuffer[] = []
  private closed = false

  constructor(names: { tar: string; record: string }) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    this.worker = new Worker(`(${writerThread.toString()})(require)`, {
      eval: true,
      workerData: { port: port2, state: this.state, slots: { settled: SETTLED, ended: ENDED }, names },
      transferList: [port2],
    })
    // the process need not wait for the thread: close() ends it, and a failed import returns without it
    this.worker.unref()
  }

  /** Hands a folder over; waits while too many are in flight. The outcomes come back through `settled`. */
  write(job: FolderJob): void {
    this.batch.push(job)
    // the tar's own buffer moves to the thread rather than being copied, where it is the whole buffer
    const tar = job.tar
    if (tar && tar.byteOffset === 0 && tar.byteLength === tar.buffer.byteLength && tar.buffer instanceof ArrayBuffer) this.moved.push(tar.buffer)
    if (this.batch.length >= BATCH) this.post()
    this.waitUntil(this.sent - IN_FLIGHT + 1)
  }

  /** The folders handed over and not yet posted, in one message: one wake of the thread for several. */
  private post(): void {
    if (!this.batch.length) return
    this.port.postMessage(this.batch, this.moved)
    this.sent += this.batch.length
    this.batch = []
    this.moved = []
  }

  /** The outcomes come back so far, in the order the folders were handed over. */
  settled(): FolderOutcome[] {
    const out: FolderOutcome[] = []
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) out.push(m.message as FolderOutcome)
    return out
  }

  /** Every outcome still to come, once its folder is written; fewer when the thread ended before. */
  drain(): FolderOutcome[] {
    this.post()
    this.waitUntil(this.sent)
    return this.settled()
  }

  /** Ends the thread; the folders handed over are written first. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.post()
    this.port.postMessage(null)
    this.port.close()
  }

  /**
   * Blocks until `count` folders in all have settled; false when the thread
   * ended first (it ends when told to, or on a failure its own code could not
   * catch). The wait is woken at each folder, and looks again every second.
   */
  private waitUntil(count: number): boolean {
    for (;;) {
      const settled = Atomics.load(this.state, SETTLED)
      if (settled >= count) return true
      if (Atomics.load(this.state, ENDED)) return false
      Atomics.wait(this.state, SETTLED, settled, 1000)
    }
  }
}

/**
 * The thread's code, run with `eval`: it uses only Node's own modules, taken
 * with `require`, since a worker cannot load this module's TypeScript source
 * when tests run it from src/. After a folder that cannot be written, the
 * rest are given back unwritten: the import stops at the first.
 */
function writerThread(require: NodeJS.Require): void {
  const fs = require('node:fs') as typeof import('node:fs')
  const path = require('node:path') as typeof import('node:path')
  const threads = require('node:worker_threads') as typeof import('node:worker_threads')
  const { port, state, slots, names } = threads.workerData as {
    port: MessagePort
    state: Int32Array
    slots: { settled: number; ended: number }
    names: { tar: string; record: string }
  }
  const parents = new Set<string>()
  let failed: string | undefined
  const settle = (outcome: FolderOutcome) => {
    port.postMessage(outcome)
    Atomics.add(state, slots.settled, 1)
    Atomics.notify(state, slots.settled)
  }
  const place = (job: FolderJob): FolderOutcome => {
    try {
      fs.mkdirSync(job.staging)
    } catch (e) {
      // one a killed import of the same pid left: emptied first
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      fs.rmSync(job.staging, { recursive: true, force: true })
      fs.mkdirSync(job.staging)
    }
    try {
      if (job.tar) fs.writeFileSync(path.join(job.staging, names.tar), job.tar, { flag: 'wx' })
      fs.writeFileSync(path.join(job.staging, names.record), job.json)
      const parent = path.dirname(job.dest)
      if (!parents.has(parent)) {
        fs.mkdirSync(parent, { recursive: true })
        parents.add(parent)
      }
      fs.renameSync(job.staging, job.dest)
      return { id: job.id, placed: true }
    } catch (e) {
      fs.rmSync(job.staging, { recursive: true, force: true })
      // a folder of this id is there already (no stat asked first: the rename says so)
      if (['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) return { id: job.id, placed: false, exists: true }
      throw e
    }
  }
  process.on('exit', () => {
    Atomics.store(state, slots.ended, 1)
    Atomics.notify(state, slots.settled)
  })
  const write = (job: FolderJob) => {
    if (failed) return settle({ id: job.id, placed: false, exists: false, error: { message: `not written after an earlier failure: ${failed}` } })
    try {
      settle(place(job))
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      failed = err.message
      settle({ id: job.id, placed: false, exists: false, error: { message: err.message, code: err.code, path: err.path } })
    }
  }
  port.on('message', (jobs: FolderJob[] | null) => {
    if (!jobs) return port.close()
    for (const job of jobs) write(job)
  })
}
