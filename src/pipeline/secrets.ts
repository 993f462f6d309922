// A benchmark's declared secrets (`secrets: [HF_TOKEN]`) at run time. Their
// values never enter the plan (src/resolve/resolvePlan.ts leaves them out, so
// no Dockerfile, label, plan hash or bundle has them); they reach only the
// running container, taken from --env or --env-from, else the caller's
// environment, else the benchmark's own `env:` (which lives in the repo, so a
// warning says so). Records keep them redacted, and the logs hide any value
// the benchmark prints (SecretRedactor).
import type { EventSink } from '../events.js'
import type { Artifact } from '../meta/artifact.js'
import { positionIn } from '../meta/position.js'
import type { BenchmarkMeta } from '../meta/schema.js'

/** Shorter values would hide ordinary text all over a log; they are still passed and redacted in the record. */
export const MIN_REDACTED_LENGTH = 4

/** What a secret's value reads in a log. */
export const LOG_MASK = '***'

/** The values of `declared` for the container, from the most explicit source that has one. */
export function secretValues(
  declared: string[],
  sources: { given: Record<string, string>; environment: Record<string, string | undefined>; benchmark?: Artifact },
  events: EventSink,
): Record<string, string> {
  const out: Record<string, string> = {}
  const inMeta = (sources.benchmark?.meta as BenchmarkMeta | undefined)?.env ?? {}
  for (const name of declared) {
    const value = sources.given[name] ?? sources.environment[name] ?? inMeta[name]
    if (value === undefined) {
      events({
        type: 'log',
        level: 'warn',
        message: `secret ${name} has no value: the benchmark runs without it; give it with --env ${name}=..., --env-from FILE or \`export ${name}=...\``,
      })
      continue
    }
    if (!(name in sources.given) && sources.environment[name] === undefined && sources.benchmark) {
      const at = positionIn(sources.benchmark, ['env', name])
      events({
        type: 'log',
        level: 'warn',
        message: `secret ${name} takes its value from ${at.file}${at.line ? `:${at.line}` : ''}, which is in the repository: it reaches only the container, but keep it out of the repo and pass it with --env-from FILE or the environment`,
      })
    }
    if (value.length < MIN_REDACTED_LENGTH)
      events({
        type: 'log',
        level: 'warn',
        message: `secret ${name} is shorter than ${MIN_REDACTED_LENGTH} characters: the logs cannot hide it without hiding ordinary text`,
      })
    out[name] = value
  }
  return out
}

/**
 * Hides secret values in a stream of output as it arrives. A value may be cut
 * across two chunks, so an end of a chunk that begins a value is held back
 * until the next chunk (or end()) shows whether it is one; nothing else waits.
 */
export class SecretRedactor {
  private readonly needles: Buffer[]
  private readonly holdBack: number
  private pending = Buffer.alloc(0)
  private readonly mask = Buffer.from(LOG_MASK)

  constructor(values: string[]) {
    // longest first: a value that contains another is hidden whole
    this.needles = [...new Set(values.filter((v) => v.length >= MIN_REDACTED_LENGTH))].map((v) => Buffer.from(v)).sort((a, b) => b.length - a.length)
    this.holdBack = Math.max(0, ...this.needles.map((n) => n.length - 1))
  }

  get active(): boolean {
    return this.needles.length > 0
  }

  /** The part of what was written so far that is safe to keep and show. */
  write(chunk: Buffer): Buffer {
    if (!this.active) return chunk
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const parts: Buffer[] = []
    let i = 0
    for (;;) {
      let at = -1,
        len = 0
      for (const n of this.needles) {
        const p = buf.indexOf(n, i)
        if (p !== -1 && (at === -1 || p < at)) [at, len] = [p, n.length]
      }
      if (at === -1) break
      parts.push(buf.subarray(i, at), this.mask)
      i = at + len
    }
    const safe = buf.length - this.partialAtEnd(buf, i)
    parts.push(buf.subarray(i, safe))
    this.pending = Buffer.from(buf.subarray(safe))
    return Buffer.concat(parts)
  }

  /** The length of the longest end of buf (after `from`) that begins a value: all that must wait for the next chunk. */
  private partialAtEnd(buf: Buffer, from: number): number {
    for (let k = Math.min(this.holdBack, buf.length - from); k > 0; k--) {
      const tail = buf.subarray(buf.length - k)
      if (this.needles.some((n) => n.length > k && tail.equals(n.subarray(0, k)))) return k
    }
    return 0
  }

  /** What was held back, once the stream has ended. */
  end(): Buffer {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest
  }
}
