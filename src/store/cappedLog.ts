// A record's log file written as the output arrives, kept to at most `maxBytes`
// (outputs.maxLogBytes): its first half and its last half, with a marker line
// where the middle was cut. The head goes straight to the file; what follows it
// goes round a ring file beside it, so that whatever a benchmark prints, memory
// holds no more than one chunk, and the ring is spliced in order on close.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import type { LogCut } from './record.js'

const COPY_CHUNK = 1 << 20

export class CappedLog {
  private readonly fd: number
  private readonly headBytes: number
  private readonly ringBytes: number
  private ring: { fd: number; file: string } | undefined
  /** Bytes written to the log so far, cut or not. */
  private total = 0
  private lastHeadByte = 0x0a
  private closed = false

  constructor(
    readonly file: string,
    readonly maxBytes: number,
  ) {
    this.fd = openSync(file, 'a')
    this.headBytes = Math.floor(maxBytes / 2)
    this.ringBytes = Math.max(1, maxBytes - this.headBytes)
  }

  write(data: Buffer | string): void {
    let buf = typeof data === 'string' ? Buffer.from(data) : data
    if (this.total < this.headBytes) {
      const n = Math.min(this.headBytes - this.total, buf.length)
      writeAll(this.fd, buf.subarray(0, n))
      if (n > 0) this.lastHeadByte = buf[n - 1]
      this.total += n
      buf = buf.subarray(n)
    }
    if (buf.length) this.toRing(buf)
  }

  /** Finishes the file: the tail after the head (with the marker when the middle was dropped). Returns the cut, if any. */
  close(): LogCut | undefined {
    if (this.closed) return undefined
    this.closed = true
    try {
      if (!this.ring) return undefined
      const past = this.total - this.headBytes
      if (past <= this.ringBytes) {
        this.copyRing(0, past)
        return undefined
      }
      const dropped = past - this.ringBytes
      const lead = this.lastHeadByte === 0x0a ? '' : '\n'
      writeAll(
        this.fd,
        Buffer.from(
          `${lead}=== cmc: ${dropped} bytes cut here; the first ${this.headBytes} and the last ${this.ringBytes} bytes are kept (outputs.maxLogBytes) ===\n`,
        ),
      )
      // the oldest byte of a full ring sits where the next one would go
      const oldest = past % this.ringBytes
      this.copyRing(oldest, this.ringBytes - oldest)
      this.copyRing(0, oldest)
      return { at: this.headBytes, dropped, total: this.total }
    } finally {
      closeSync(this.fd)
      if (this.ring) {
        closeSync(this.ring.fd)
        rmSync(this.ring.file, { force: true })
        this.ring = undefined
      }
    }
  }

  /** Bytes past the head: only the last ringBytes of them can end up in the file, at their offset modulo the ring. */
  private toRing(buf: Buffer): void {
    this.ring ??= this.openRing()
    if (buf.length > this.ringBytes) {
      this.total += buf.length - this.ringBytes
      buf = buf.subarray(buf.length - this.ringBytes)
    }
    while (buf.length) {
      const at = (this.total - this.headBytes) % this.ringBytes
      const n = Math.min(this.ringBytes - at, buf.length)
      writeAll(this.ring.fd, buf.subarray(0, n), at)
      this.total += n
      buf = buf.subarray(n)
    }
  }

  private openRing(): { fd: number; file: string } {
    const file = `${this.file}.tail`
    return { fd: openSync(file, 'w+'), file }
  }

  private copyRing(from: number, length: number): void {
    const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK, length))
    for (let done = 0; done < length;) {
      const n = readSync(this.ring!.fd, chunk, 0, Math.min(chunk.length, length - done), from + done)
      if (n === 0) break
      writeAll(this.fd, chunk.subarray(0, n))
      done += n
    }
  }
}

/** writeSync may write less than asked (a signal, a pipe); a log must not lose the rest. */
function writeAll(fd: number, buf: Buffer, position?: number): void {
  for (let off = 0; off < buf.length;) {
    const n = writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off)
    off += n
  }
}
