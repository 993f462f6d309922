// A sweep point's stdout.log and stderr.log, fed by its containers as they
// print: each piece is written to the record's log (capped to its head and
// tail, src/store/cappedLog.ts), shown live as an 'output' event, and stdout is
// matched line by line for regex metrics, so that nothing printed is held
// whole and the metrics see what the cap drops. The values of the benchmark's
// secrets are hidden before any of that (src/pipeline/secrets.ts).
import { StringDecoder } from 'node:string_decoder'
import path from 'node:path'
import { RegexLineMatcher } from '../collect/parseRegexMetrics.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { CappedLog } from '../store/cappedLog.js'
import type { ExperimentRecord, LogCut } from '../store/record.js'
import { SecretRedactor } from './secrets.js'

type Stream = 'stdout' | 'stderr'

/** One container's share of the logs: the hook its output goes to, and what its stdout gave the metrics. */
export interface AttemptLogs {
  onOutput(stream: Stream, chunk: Buffer): void
  /** Once the container's output has ended: the lines of stdout the regex metrics last matched. */
  end(): { metricLines: string }
}

export class PointLogs {
  private readonly logs: Record<Stream, CappedLog>
  private failure: Error | undefined

  constructor(
    readonly dir: string,
    maxBytes: number,
    private readonly events: EventSink,
    private readonly secrets: string[] = [],
  ) {
    this.logs = { stdout: new CappedLog(path.join(dir, 'stdout.log'), maxBytes), stderr: new CappedLog(path.join(dir, 'stderr.log'), maxBytes) }
  }

  /** A line in both logs (which repeat follows). */
  header(text: string): void {
    this.write('stdout', text)
    this.write('stderr', text)
    this.throwIfFailed()
  }

  /** The next container's output; `patterns` are the regex metrics to match over its stdout. */
  attempt(patterns: Record<string, string> | undefined): AttemptLogs {
    const matcher = patterns ? new RegexLineMatcher(patterns) : undefined
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
    const redactors = { stdout: new SecretRedactor(this.secrets), stderr: new SecretRedactor(this.secrets) }
    const keep = (stream: Stream, data: Buffer) => {
      if (!data.length) return
      this.write(stream, data)
      show(stream, decoders[stream].write(data))
    }
    const show = (stream: Stream, text: string) => {
      if (!text) return
      if (stream === 'stdout') matcher?.write(text)
      this.events({ type: 'output', stream, data: text })
    }
    return {
      onOutput: (stream, chunk) => keep(stream, redactors[stream].write(chunk)),
      end: () => {
        keep('stdout', redactors.stdout.end())
        keep('stderr', redactors.stderr.end())
        show('stdout', decoders.stdout.end())
        show('stderr', decoders.stderr.end())
        this.throwIfFailed()
        return { metricLines: matcher?.matchedLines() ?? '' }
      },
    }
  }

  /** Finishes both files (each is closed, whatever the other does); the logs that were cut, for the record. */
  close(): ExperimentRecord['logs']['cut'] {
    const cut: Partial<Record<Stream, LogCut>> = {}
    for (const stream of ['stdout', 'stderr'] as const) {
      try {
        const c = this.logs[stream].close()
        if (c) cut[stream] = c
      } catch (e) {
        this.failure ??= e as Error
      }
    }
    this.throwIfFailed()
    return cut.stdout || cut.stderr ? cut : undefined
  }

  /** A log that cannot be written (a full disk) stops being written; the run fails once its container is done. */
  private write(stream: Stream, data: Buffer | string): void {
    if (this.failure) return
    try {
      this.logs[stream].write(data)
    } catch (e) {
      this.failure = e as Error
    }
  }

  private throwIfFailed(): void {
    if (!this.failure) return
    throw new CmcError('OUTPUTS_NOT_WRITTEN', `the logs could not be written: ${this.failure.message}`, {
      details: [`into ${this.dir}`],
      hint: 'free space in the store (or point --store elsewhere) and run again; the run was not recorded',
    })
  }
}
