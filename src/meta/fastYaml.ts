// A fast reader for the plain subset of YAML that meta files are written in
// (block mappings and sequences, one-line flow collections, quoted and plain
// scalars, comments) and for JSON documents. It gives exactly what the `yaml`
// package's parseDocument(...).toJS() gives under the YAML 1.2 core schema,
// or undefined when the text uses anything outside that subset (anchors, tags,
// block scalars, multi-line scalars, odd indentation, duplicate keys...) or is
// malformed: the caller then parses with `yaml`, which also gives positions and
// error messages. Indexing thousands of meta files spends most of its time in
// the full parser otherwise (~0.2 ms a file against ~0.01 ms here).
//
// The rule is "when in doubt, give up": a wrong answer here would change what
// cmc reads, a give-up only costs time. test/unit/repos/metaFastPaths.test.ts checks
// it against `yaml` on the repo's meta files and on generated variations.

class GiveUp {}
const GIVE_UP = new GiveUp()
const giveUp = (): never => {
  throw GIVE_UP
}

// Characters YAML 1.2 does not treat as plain printable text or that we leave
// to the full parser: controls (tab and CR included), DEL, C1 controls and the BOM.
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/

interface Line {
  indent: number
  /** The line after its indentation, trailing spaces removed. */
  text: string
}

/** Parsed value, or undefined when the full parser must decide. */
export function fastParseYaml(text: string): { value: unknown } | undefined {
  if (UNUSUAL.test(text)) return undefined
  try {
    const first = firstContent(text)
    if (first < 0) return undefined
    const c = text.charCodeAt(first)
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) return { value: new FlowReader(text, first, true).document() }
    return { value: new BlockReader(text).document() }
  } catch (e) {
    if (e === GIVE_UP) return undefined
    throw e
  }
}

/** Offset of the first character that is not space, newline or part of a comment; -1 if none. */
function firstContent(text: string): number {
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x0a) i++
    else if (c === 0x23 /* # */) {
      const nl = text.indexOf('\n', i)
      if (nl < 0) return -1
      i = nl + 1
    } else return i
  }
  return -1
}

const isSpace = (c: number) => c === 0x20

function trimSpacesEnd(s: string): string {
  let e = s.length
  while (e > 0 && s.charCodeAt(e - 1) === 0x20) e--
  return e === s.length ? s : s.slice(0, e)
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k)

/** Keys the full parser treats specially, or that a plain object cannot hold as data. */
function checkKey(obj: object, key: string): void {
  if (key === '__proto__' || key === '<<' || key.length > 1000 || hasOwn(obj, key)) giveUp()
}

// The core schema's resolution of plain scalars (yaml/dist/schema/core/*.js).
const NULL = /^(?:~|[Nn]ull|NULL)?$/
const TRUE = /^(?:[Tt]rue|TRUE)$/
const FALSE = /^(?:[Ff]alse|FALSE)$/
const INT_OCT = /^0o[0-7]+$/
const INT = /^[-+]?[0-9]+$/
const INT_HEX = /^0x[0-9a-fA-F]+$/
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/
/** Plain scalars that can only be strings: start with a letter or slash and are none of the words above. */
const SURELY_STRING = /^[A-EG-MO-SU-Za-eg-mo-su-z/_]/

function resolvePlain(s: string): unknown {
  if (SURELY_STRING.test(s)) return s
  if (NULL.test(s)) return null
  if (TRUE.test(s)) return true
  if (FALSE.test(s)) return false
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8)
  if (INT.test(s)) return parseInt(s, 10)
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16)
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s)
  return s
}

/** A plain scalar used as a mapping key must stay a string under the core schema. */
function plainKey(s: string): string {
  if (s === '' || resolvePlain(s) !== s) giveUp()
  return s
}

// Plain scalars may not start with these (some would be fine followed by a
// non-space, e.g. "-dev"; those are handled by the callers).
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`'].map((ch) => ch.charCodeAt(0)))

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** A double-quoted scalar starting at s[i] on one line: [value, index after the closing quote]. */
function doubleQuoted(s: string, i: number): [string, number] {
  let out = ''
  let from = i + 1
  for (let j = from; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x22 /* " */) return [out + s.slice(from, j), j + 1]
    if (c === 0x0a) giveUp()
    if (c === 0x5c /* \ */) {
      out += s.slice(from, j)
      const e = s[j + 1]
      if (e === 'u') {
        const hex = s.slice(j + 2, j + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) giveUp()
        out += String.fromCharCode(parseInt(hex, 16))
        j += 5
      } else {
        const r = ESCAPES[e]
        if (r === undefined) giveUp()
        out += r
        j += 1
      }
      from = j + 1
    }
  }
  return giveUp()
}

/** A single-quoted scalar starting at s[i] on one line. */
function singleQuoted(s: string, i: number): [string, number] {
  let out = ''
  let from = i + 1
  for (let j = from; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x0a) giveUp()
    if (c === 0x27 /* ' */) {
      if (s.charCodeAt(j + 1) === 0x27) {
        out += s.slice(from, j + 1)
        j++
        from = j + 1
        continue
      }
      return [out + s.slice(from, j), j + 1]
    }
  }
  return giveUp()
}

function quoted(s: string, i: number): [string, number] {
  return s.charCodeAt(i) === 0x22 ? doubleQuoted(s, i) : singleQuoted(s, i)
}

/** Flow collections ([...] and {...}); across lines only for a whole document (JSON). */
class FlowReader {
  constructor(
    private readonly s: string,
    private pos: number,
    private readonly multiline: boolean,
  ) {}

  /** The document is one flow collection; only spaces and comments may follow it. */
  document(): unknown {
    const v = this.value()
    this.skip()
    if (this.pos < this.s.length) giveUp()
    return v
  }

  /** A flow collection inside a block line; returns the value and the index after it. */
  inline(): [unknown, number] {
    const v = this.value()
    return [v, this.pos]
  }

  /** Skip spaces, and newlines and comments where allowed. */
  private skip(): void {
    const s = this.s
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos)
      if (c === 0x20) this.pos++
      else if (c === 0x0a) {
        if (!this.multiline) giveUp()
        this.pos++
      } else if (c === 0x23 /* # */) {
        const prev = this.pos > 0 ? s.charCodeAt(this.pos - 1) : 0x0a
        if (!this.multiline || (prev !== 0x20 && prev !== 0x0a)) giveUp()
        const nl = s.indexOf('\n', this.pos)
        this.pos = nl < 0 ? s.length : nl
      } else return
    }
  }

  private value(): unknown {
    const c = this.s.charCodeAt(this.pos)
    if (c === 0x5b /* [ */) return this.seq()
    if (c === 0x7b /* { */) return this.map()
    if (c === 0x22 || c === 0x27) {
      const [v, end] = quoted(this.s, this.pos)
      this.pos = end
      return v
    }
    return resolvePlain(this.plain())
  }

  /** A plain scalar in flow context: up to , [ ] { } or the end of the line; no ":" or " #" in it. */
  private plain(): string {
    const s = this.s
    const start = this.pos
    const c = s.charCodeAt(start)
    if (Number.isNaN(c)) giveUp()
    if (INDICATORS.has(c)) {
      // "-1", "-dev" are plain scalars; "- x", "-," are not.
      const next = s.charCodeAt(start + 1)
      if (c !== 0x2d /* - */ || Number.isNaN(next) || next === 0x20 || next === 0x0a || next === 0x2c || next === 0x5d || next === 0x7d) giveUp()
    }
    let i = start
    for (; i < s.length; i++) {
      const ch = s.charCodeAt(i)
      if (ch === 0x2c || ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d || ch === 0x0a) break
      if (ch === 0x3a /* : */ || ch === 0x22 || ch === 0x27) giveUp()
      if (ch === 0x23 /* # */ && s.charCodeAt(i - 1) === 0x20) giveUp()
    }
    this.pos = i
    const out = trimSpacesEnd(s.slice(start, i))
    if (out === '') giveUp()
    return out
  }

  private seq(): unknown[] {
    const out: unknown[] = []
    this.pos++
    this.skip()
    if (this.s.charCodeAt(this.pos) === 0x5d /* ] */) {
      this.pos++
      return out
    }
    for (;;) {
      const c = this.s.charCodeAt(this.pos)
      if (c === 0x2c || c === 0x5d) giveUp() // empty entry
      out.push(this.value())
      // "[a: b]" and '["a": 1]' are one-pair mappings: leave them to the full parser.
      const save = this.pos
      this.skip()
      if (this.s.charCodeAt(this.pos) === 0x3a) giveUp()
      if (this.pos !== save && this.s.charCodeAt(this.pos) !== 0x2c && this.s.charCodeAt(this.pos) !== 0x5d) giveUp()
      const d = this.s.charCodeAt(this.pos)
      if (d === 0x5d) {
        this.pos++
        return out
      }
      if (d !== 0x2c) giveUp()
      this.pos++
      this.skip()
      if (this.s.charCodeAt(this.pos) === 0x5d) {
        this.pos++
        return out
      }
    }
  }

  private map(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    this.pos++
    this.skip()
    if (this.s.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++
      return out
    }
    for (;;) {
      const s = this.s
      const c = s.charCodeAt(this.pos)
      let key: string
      if (c === 0x22 || c === 0x27) {
        const [k, end] = quoted(s, this.pos)
        key = k
        this.pos = end
        // the ":" must be on the key's line (spaces only in between)
        while (s.charCodeAt(this.pos) === 0x20) this.pos++
        if (s.charCodeAt(this.pos) !== 0x3a) giveUp()
        this.pos++
      } else if (c === 0x5b || c === 0x7b || c === 0x2c || c === 0x7d) {
        return giveUp()
      } else {
        // plain key: up to ": " on this line
        const start = this.pos
        let i = start
        for (; i < s.length; i++) {
          const ch = s.charCodeAt(i)
          if (ch === 0x3a) break
          if (ch === 0x2c || ch === 0x5b || ch === 0x5d || ch === 0x7b || ch === 0x7d || ch === 0x0a || ch === 0x22 || ch === 0x27 || ch === 0x23) giveUp()
        }
        if (s.charCodeAt(i) !== 0x3a || s.charCodeAt(i + 1) !== 0x20) giveUp()
        const k = s.slice(start, i)
        if (INDICATORS.has(k.charCodeAt(0)) || k.charCodeAt(k.length - 1) === 0x20) giveUp()
        key = plainKey(k)
        this.pos = i + 1
      }
      checkKey(out, key)
      this.skip()
      const v = s.charCodeAt(this.pos)
      if (Number.isNaN(v) || v === 0x2c || v === 0x7d || v === 0x5d) giveUp() // a key without a value
      out[key] = this.value()
      this.skip()
      const d = s.charCodeAt(this.pos)
      if (d === 0x7d) {
        this.pos++
        return out
      }
      if (d !== 0x2c) giveUp()
      this.pos++
      this.skip()
      if (s.charCodeAt(this.pos) === 0x7d) {
        this.pos++
        return out
      }
    }
  }
}

const isSeqItem = (t: string) => t.charCodeAt(0) === 0x2d && (t.length === 1 || t.charCodeAt(1) === 0x20)

/** Block mappings and sequences, line by line. */
class BlockReader {
  private readonly lines: Line[] = []
  private i = 0

  constructor(text: string) {
    let start = 0
    const n = text.length
    while (start <= n) {
      let end = text.indexOf('\n', start)
      if (end < 0) end = n
      let k = start
      while (k < end && text.charCodeAt(k) === 0x20) k++
      if (k < end && text.charCodeAt(k) !== 0x23 /* # */) {
        const t = trimSpacesEnd(text.slice(k, end))
        // document markers and directives
        if (k === start && (t.startsWith('---') || t.startsWith('...') || t.charCodeAt(0) === 0x25)) giveUp()
        this.lines.push({ indent: k - start, text: t })
      }
      start = end + 1
    }
  }

  document(): unknown {
    const first = this.lines[0]
    if (!first || first.indent !== 0 || isSeqItem(first.text)) giveUp()
    const v = this.mapping(0)
    if (this.i !== this.lines.length) giveUp()
    return v
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    const lines = this.lines
    while (this.i < lines.length) {
      const ln = lines[this.i]
      if (ln.indent < indent) break
      if (ln.indent > indent || isSeqItem(ln.text)) giveUp()
      const [key, rest] = splitKeyLine(ln.text)
      checkKey(out, key)
      this.i++
      let value: unknown
      if (rest === '') {
        const next = lines[this.i]
        if (next && next.indent > indent) value = isSeqItem(next.text) ? this.sequence(next.indent) : this.mapping(next.indent)
        else if (next && next.indent === indent && isSeqItem(next.text)) value = this.sequence(indent)
        else value = null
      } else {
        value = inlineValue(rest)
        const next = lines[this.i]
        if (next && next.indent > indent) giveUp() // a multi-line scalar, or an error
      }
      out[key] = value
    }
    return out
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = []
    const lines = this.lines
    while (this.i < lines.length) {
      const ln = lines[this.i]
      if (ln.indent < indent) break
      if (ln.indent > indent) giveUp()
      const t = ln.text
      if (!isSeqItem(t)) break
      let j = 1
      while (isSpace(t.charCodeAt(j))) j++
      const item = t.slice(j)
      if (item === '' || isSeqItem(item) || item.charCodeAt(0) === 0x23) giveUp()
      if (isKeyLine(item)) {
        // "- key: value" opens a mapping whose keys line up with "key"
        lines[this.i] = { indent: indent + j, text: item }
        out.push(this.mapping(indent + j))
      } else {
        this.i++
        out.push(inlineValue(item))
        const next = lines[this.i]
        if (next && next.indent > indent) giveUp()
      }
    }
    return out
  }
}

/** Index of the ":" that ends a plain key on this line (followed by a space or the end), or -1. */
function plainKeyEnd(t: string): number {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c === 0x3a) {
      const next = t.charCodeAt(i + 1)
      if (Number.isNaN(next) || next === 0x20) return i
    } else if (c === 0x23 && i > 0 && t.charCodeAt(i - 1) === 0x20) return -1
  }
  return -1
}

/** Whether a sequence item's text is "key: ..." (a mapping) rather than a scalar or flow value. */
function isKeyLine(t: string): boolean {
  const c = t.charCodeAt(0)
  if (c === 0x5b || c === 0x7b) return false
  if (c === 0x22 || c === 0x27) {
    const [, end] = quoted(t, 0)
    let k = end
    while (isSpace(t.charCodeAt(k))) k++
    return t.charCodeAt(k) === 0x3a
  }
  return plainKeyEnd(t) >= 0
}

/** "key: rest" -> [key, rest without its comment]; gives up on anything else. */
function splitKeyLine(t: string): [string, string] {
  const c = t.charCodeAt(0)
  let key: string
  let after: number
  if (c === 0x22 || c === 0x27) {
    const [k, end] = quoted(t, 0)
    if (t.charCodeAt(end) !== 0x3a) giveUp()
    key = k
    after = end + 1
  } else {
    if (INDICATORS.has(c)) giveUp()
    const colon = plainKeyEnd(t)
    if (colon <= 0) giveUp()
    const k = t.slice(0, colon)
    if (k.charCodeAt(k.length - 1) === 0x20 || k.includes(' #')) giveUp()
    key = plainKey(k)
    after = colon + 1
  }
  const next = t.charCodeAt(after)
  if (!Number.isNaN(next) && next !== 0x20) giveUp()
  let k = after
  while (isSpace(t.charCodeAt(k))) k++
  const rest = t.slice(k)
  return [key, rest.charCodeAt(0) === 0x23 ? '' : rest]
}

/** A value on the rest of a line: a one-line flow collection, a quoted or a plain scalar. */
function inlineValue(s: string): unknown {
  const c = s.charCodeAt(0)
  let value: unknown
  let end: number
  if (c === 0x5b || c === 0x7b) {
    ;[value, end] = new FlowReader(s, 0, false).inline()
  } else if (c === 0x22 || c === 0x27) {
    ;[value, end] = quoted(s, 0)
  } else {
    if (INDICATORS.has(c)) {
      // "-dev" and "-1" are plain; "- x" is not, and the other indicators are left to the full parser
      const next = s.charCodeAt(1)
      if (c !== 0x2d || Number.isNaN(next) || next === 0x20) giveUp()
    }
    let v = s
    const hash = s.indexOf(' #')
    if (hash >= 0) v = trimSpacesEnd(s.slice(0, hash))
    if (v.includes(': ') || v.charCodeAt(v.length - 1) === 0x3a) giveUp()
    return resolvePlain(v)
  }
  // only a comment may follow, separated by a space
  if (end === s.length) return value
  if (s.charCodeAt(end) !== 0x20) giveUp()
  let k = end
  while (isSpace(s.charCodeAt(k))) k++
  if (k < s.length && s.charCodeAt(k) !== 0x23) giveUp()
  return value
}
