// Errors are values: a stable code, a message a user understands, the hint that
// fixes it and, for meta, the file and position. The CLI maps codes to exit
// codes (see EXIT_CODES); a stack trace is printed only for bugs.

export type ErrorCategory =
  | 'input' // bad meta, bad query, bad flags: exit 2
  | 'engine' // no daemon, daemon died: exit 3
  | 'build' // a build step failed: exit 4
  | 'run' // the benchmark failed: exit 5
  | 'device' // GPU/device passthrough not possible: exit 6
  | 'base' // base image not available: exit 7
  | 'registry' // push/pull failures: exit 8
  | 'store' // experiment store problems: exit 9
  | 'timeout' // a run or build hit its time limit: exit 124
  | 'aborted' // Ctrl-C: exit 130
  | 'internal' // a bug: exit 1

export const EXIT_CODES: Record<ErrorCategory, number> = {
  internal: 1,
  input: 2,
  engine: 3,
  build: 4,
  run: 5,
  device: 6,
  base: 7,
  registry: 8,
  store: 9,
  timeout: 124,
  aborted: 130,
}

export interface SourcePosition {
  file: string
  line?: number // 1-based
  col?: number // 1-based
}

export interface CmcErrorOptions {
  hint?: string
  where?: SourcePosition
  cause?: unknown
  /** Extra lines shown under the message (a build log tail, a list of candidates). */
  details?: string[]
  /** Structured data for --json consumers. */
  data?: Record<string, unknown>
}

export class CmcError extends Error {
  readonly code: string
  readonly category: ErrorCategory
  readonly hint?: string
  readonly where?: SourcePosition
  readonly details: string[]
  readonly data?: Record<string, unknown>

  constructor(category: ErrorCategory, code: string, message: string, opts: CmcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'CmcError'
    this.category = category
    this.code = code
    this.hint = opts.hint
    this.where = opts.where
    this.details = opts.details ?? []
    this.data = opts.data
  }

  get exitCode(): number {
    return EXIT_CODES[this.category]
  }

  /** `file:line:col` when known. */
  get location(): string | undefined {
    if (!this.where) return undefined
    const { file, line, col } = this.where
    return line ? `${file}:${line}${col ? `:${col}` : ''}` : file
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      category: this.category,
      message: this.message,
      hint: this.hint,
      where: this.where,
      details: this.details.length ? this.details : undefined,
      data: this.data,
      exitCode: this.exitCode,
    }
  }
}

export function isCmcError(e: unknown): e is CmcError {
  return e instanceof CmcError
}

/** Render an error for a terminal: location, message, details, hint. No stack. */
export function formatError(e: CmcError): string {
  const lines: string[] = []
  const loc = e.location
  lines.push(`error[${e.code}]: ${loc ? `${loc}: ` : ''}${e.message}`)
  for (const d of e.details) lines.push(`  ${d}`)
  if (e.hint) lines.push(`hint: ${e.hint}`)
  return lines.join('\n')
}
