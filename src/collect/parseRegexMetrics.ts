// Metrics by declared regexes over stdout: each pattern has one capture group
// holding a number (meta without one is refused when it loads); the last match
// wins (benchmarks often print progress first). Each declared metric stdout
// does not give is reported with why, so that the run fails saying so.
// Patterns are matched line by line as the output arrives, so a run that prints
// gigabytes is matched in full while its log keeps only the head and the tail.
import { CmcError } from '../errors.js'

/** A line longer than this is matched on its first MAX_LINE characters; the rest, up to its newline, is skipped. */
const MAX_LINE = 1 << 20

export function parseRegexMetrics(stdout: string, patterns: Record<string, string>): Record<string, number> {
  const matcher = new RegexLineMatcher(patterns)
  matcher.write(stdout)
  return matcher.metrics()
}

interface Pattern {
  name: string
  /** As the meta wrote it (a RegExp's source escapes slashes). */
  pattern: string
  re: RegExp
  /** The last line this pattern matched (`at`: where it began in all the text given), and the value it captured there (none when its group took no part). */
  line?: { at: number; text: string; value?: string }
}

/** Matches each pattern against each line of text given in pieces, keeping only each pattern's last match. */
export class RegexLineMatcher {
  private readonly patterns: Pattern[]
  /** The line begun but not yet ended. */
  private partial = ''
  /** The partial line grew past MAX_LINE and was matched: skip to its end. */
  private skipping = false
  /** Characters given before the block being matched. */
  private offset = 0

  constructor(patterns: Record<string, string>) {
    this.patterns = Object.entries(patterns).map(([name, pattern]) => ({ name, pattern, re: compile(name, pattern) }))
  }

  write(text: string): void {
    if (!this.patterns.length || !text) return
    let start = 0
    if (this.skipping) {
      const nl = text.indexOf('\n')
      if (nl < 0) return
      this.skipping = false
      start = nl + 1
    }
    const last = text.lastIndexOf('\n')
    if (last < start) return this.extendPartial(text.slice(start))
    this.matchLines(this.partial + text.slice(start, last))
    this.partial = ''
    this.extendPartial(text.slice(last + 1))
  }

  /** The metrics from every line so far, a last line without its newline included. */
  metrics(): Record<string, number> {
    this.flushPartial()
    const out: Record<string, number> = {}
    for (const p of this.patterns) {
      const v = numberOf(p.line?.value)
      if (Number.isFinite(v)) out[p.name] = v
    }
    return out
  }

  /** Why each metric that metrics() leaves out has no value, naming the metric and its pattern. */
  missing(): string[] {
    this.flushPartial()
    return this.patterns.filter((p) => !Number.isFinite(numberOf(p.line?.value))).map((p) => `metric ${p.name}: pattern '${p.pattern}' ${whyNoValue(p)}`)
  }

  /**
   * The lines the patterns last matched, in the order printed: parsed again,
   * they give the same metrics as everything printed, in a few lines.
   */
  matchedLines(): string {
    this.flushPartial()
    const lines = new Map<number, string>()
    for (const p of this.patterns) if (p.line) lines.set(p.line.at, p.line.text)
    return [...lines.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, text]) => text)
      .join('\n')
  }

  private extendPartial(text: string): void {
    this.partial += text
    if (this.partial.length <= MAX_LINE) return
    this.matchLines(this.partial.slice(0, MAX_LINE))
    // the skipped rest of the line: a position only orders the lines kept, so it need not count it
    this.partial = ''
    this.skipping = true
  }

  private flushPartial(): void {
    if (this.partial) this.matchLines(this.partial)
    this.partial = ''
  }

  /**
   * Whole lines joined by '\n'. One scan of the block per pattern finds the
   * same matches as one scan per line, unless a match spans a line break
   * (`\s` takes a newline): then that pattern goes line by line in this block.
   */
  private matchLines(block: string): void {
    const first = this.offset
    this.offset += block.length + 1
    for (const p of this.patterns) {
      let found: RegExpExecArray | undefined
      let spans = false
      for (const m of block.matchAll(p.re)) {
        if (m[0].includes('\n')) {
          spans = true
          break
        }
        found = m
      }
      if (spans) {
        this.matchEachLine(p, block, first)
        continue
      }
      if (!found) continue
      const lineStart = block.lastIndexOf('\n', found.index) + 1
      const nl = block.indexOf('\n', found.index)
      const text = block.slice(lineStart, nl < 0 ? block.length : nl)
      p.line = { at: first + lineStart, text, value: found[1] }
    }
  }

  private matchEachLine(p: Pattern, block: string, first: number): void {
    let at = first
    for (const text of block.split('\n')) {
      let last: RegExpExecArray | undefined
      for (const m of text.matchAll(p.re)) last = m
      if (last) p.line = { at, text, value: last[1] }
      at += text.length + 1
    }
  }
}

/** The captured number; an empty or blank capture is none (Number would read it as 0). */
function numberOf(value: string | undefined): number {
  return value === undefined || !value.trim() ? NaN : Number(value)
}

function whyNoValue(p: Pattern): string {
  if (!p.line) return 'matched nothing in stdout'
  // with `|` added a regex matches '' and gives one slot per capture group
  if (new RegExp(`${p.re.source}|`).exec('')!.length === 1) return 'has no capture group for the value'
  const value = p.line.value
  if (value === undefined || !value.trim()) return `matched "${clip(p.line.text)}" but its group captured nothing`
  return `captured "${clip(value)}", not a number`
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text)

function compile(name: string, pattern: string): RegExp {
  try {
    // m: ^ and $ at line ends, as when the whole of stdout was one string
    return new RegExp(pattern, 'gm')
  } catch (e) {
    throw new CmcError('METRICS_REGEX', `metric ${name}: invalid regex ${pattern}: ${(e as Error).message}`)
  }
}
