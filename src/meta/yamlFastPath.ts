// The fast path for reading meta text: js-yaml under its YAML 1.2 core schema,
// which types scalars as the `yaml` package's default schema does, taken only
// where the two certainly give the same data. `yaml` stays the reader of
// record (it keeps node positions for file:line:col errors, and its errors are
// the ones users see), but building its document model costs several times
// what js-yaml's parse does, and indexing reads thousands of meta files
// (bench/index-plan.mjs, the cold index).
//
// The rule is "when in doubt, give up": a wrong answer here would change what
// cmc reads, a give-up only costs time. So the fast path returns nothing, and
// `yaml` decides, for anything js-yaml rejects and for what the two read
// differently or could: tags, anchors and aliases, directives, empty and
// multi-document streams, a scalar as the whole document, keys that are not
// strings or are `<<` or `__proto__`, numbers too large for a double, and the
// corners of line handling listed below. Duplicate keys are an error in
// js-yaml too, so `yaml` reports them. test/unit/repos/metaFastPaths.test.ts
// holds the two to the same answers, on known differences and generated text.
import type { Event, ScalarEvent, Schema } from 'js-yaml'
import { jsYaml as loadJsYaml } from '../lazy.js'

type JsYaml = typeof import('js-yaml')
let loaded: { lib: JsYaml; schema: Schema } | undefined
/** js-yaml (through src/lazy.ts, on first use) and the schema made from it. */
function jsYaml(): { lib: JsYaml; schema: Schema } {
  if (!loaded) {
    const lib = loadJsYaml()
    loaded = { lib, schema: schemaAsYamlReads(lib) }
  }
  return loaded
}

/** Thrown from inside js-yaml's construction to abandon the fast path. */
class GiveUp extends Error {}

/** js-yaml's core schema, with mappings and floats made to give up where `yaml` reads them differently. */
function schemaAsYamlReads(lib: JsYaml): Schema {
  const floatCore = lib.floatCoreTag
  /** Mappings as plain objects with string keys, as `yaml`'s toJS() builds them. */
  const stringKeyMap = lib.defineMappingTag('tag:yaml.org,2002:map', {
    create: (): Record<string, unknown> => ({}),
    addPair(map, key, value) {
      // `yaml` turns other keys into strings its own way (null is "", a
      // collection is its YAML text); `<<` is a merge under YAML 1.1 or
      // yaml's merge option; `__proto__` needs care neither library can skip.
      if (typeof key !== 'string' || key === '<<' || key === '__proto__') throw new GiveUp()
      map[key] = value
      return ''
    },
    has: (map, key) => typeof key === 'string' && Object.prototype.hasOwnProperty.call(map, key),
    keys: (map) => Object.keys(map),
    get: (map, key) => map[key as string],
    identify: lib.mapTag.identify,
  })

  /**
   * js-yaml's core float, except that a number too large for a double gives up:
   * js-yaml then keeps the text as a string, `yaml` reads it as Infinity.
   */
  const finiteFloat = lib.defineScalarTag(floatCore.tagName, {
    implicit: floatCore.implicit,
    implicitFirstChars: floatCore.implicitFirstChars,
    identify: floatCore.identify,
    represent: floatCore.represent,
    resolve(source, isExplicit, tagName) {
      const value = floatCore.resolve(source, isExplicit, tagName)
      if (value === lib.NOT_RESOLVED && Math.abs(Number(source)) === Infinity && !source.includes('Infinity')) throw new GiveUp()
      return value
    },
  })
  return lib.CORE_SCHEMA.withTags(stringKeyMap, finiteFloat)
}

/**
 * Scalars the two fold differently when lines in them are blank or hold only
 * spaces: a double-quoted scalar with an escaped line break, a block scalar
 * with an explicit indentation indicator (`|2`, `>-1`) or that keeps its
 * trailing lines (`|+`).
 */
function foldedDifferently(lib: JsYaml, text: string, e: ScalarEvent): boolean {
  const { SCALAR_STYLE } = lib
  if (e.style === SCALAR_STYLE.DOUBLE_QUOTED) return text.slice(e.valueStart, e.valueEnd).includes('\\\n')
  if (e.style !== SCALAR_STYLE.LITERAL_BLOCK && e.style !== SCALAR_STYLE.FOLDED_BLOCK) return false
  // a block scalar's text starts on the line after its header
  const header = text.slice(text.lastIndexOf('\n', e.valueStart - 2) + 1, e.valueStart)
  return /[|>](?:[-+]?[1-9]|[1-9]?\+)/.test(header)
}

/** An open document or collection, as the scan of the events sees it. */
interface Frame {
  kind: 'document' | 'sequence' | 'mapping'
  block: boolean
  /** In a mapping: whether the next node is a key, and how many keys came before. */
  atKey: boolean
  keys: number
}

// `yaml` refuses an implicit key longer than 1024 characters; js-yaml does not.
const LONG_KEY = 1000

/**
 * Whether `yaml` reads the key as js-yaml does. In a block mapping, every key
 * after the first must begin its line: js-yaml also takes `k:\n- "x" b: 1` as
 * `{k: [x], b: 1}`, which `yaml` refuses.
 */
function keyAgrees(lib: JsYaml, text: string, key: ScalarEvent, map: Frame): boolean {
  if (key.valueEnd - key.valueStart > LONG_KEY) return false
  if (!map.block || map.keys === 0) return true
  const start = key.style === lib.SCALAR_STYLE.PLAIN ? key.valueStart : key.valueStart - 1
  for (let i = start - 1; i >= 0 && text.charCodeAt(i) !== 0x0a; i--) if (text.charCodeAt(i) !== 0x20) return false
  return true
}

/**
 * Whether the events use what the fast path leaves to `yaml`. A single
 * document is required, with a mapping or a sequence at its root (meta is a
 * mapping; js-yaml misreads some indented block scalars at the root).
 */
function needsFullParser(lib: JsYaml, text: string, events: Event[]): boolean {
  const { EVENT_ID } = lib
  const open: Frame[] = []
  let documents = 0
  for (const e of events) {
    if (e.type === EVENT_ID.POP) {
      open.pop()
      continue
    }
    if (e.type === EVENT_ID.DOCUMENT) {
      if (++documents > 1 || e.directives.length > 0) return true
      open.push({ kind: 'document', block: true, atKey: false, keys: 0 })
      continue
    }
    if (e.type === EVENT_ID.ALIAS || e.tagStart !== -1 || e.anchorStart !== -1) return true
    const parent = open[open.length - 1]
    if (e.type === EVENT_ID.SCALAR && (parent.kind === 'document' || foldedDifferently(lib, text, e))) return true
    if (parent.kind === 'mapping') {
      if (parent.atKey) {
        if (e.type === EVENT_ID.SCALAR && !keyAgrees(lib, text, e, parent)) return true
        parent.keys++
      }
      parent.atKey = !parent.atKey
    }
    if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) {
      const kind = e.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence'
      open.push({ kind, block: e.style === lib.COLLECTION_STYLE.BLOCK, atKey: kind === 'mapping', keys: 0 })
    }
  }
  return documents !== 1
}

// Text on which the two are known to part: a carriage return (yaml keeps a
// lone one in a scalar, js-yaml breaks the line there), a tab among leading
// spaces (yaml refuses more of those), document markers (yaml counts an empty
// document before a leading `...`; js-yaml takes an indented `---` for one).
const UNSURE = /\r|^ *\t|^ *(?:---|\.\.\.)/m

/** The data `yaml` would give for the text, or undefined when `yaml` must decide. */
export function fastParseYaml(text: string): { value: unknown } | undefined {
  // yaml skips a byte order mark anywhere, js-yaml only at the start
  if (UNSURE.test(text) || text.indexOf('\ufeff', 1) !== -1) return undefined
  const { lib, schema } = jsYaml()
  try {
    const events = lib.parseEvents(text, {})
    if (needsFullParser(lib, text, events)) return undefined
    return { value: lib.constructFromEvents(events, { source: text, schema })[0] }
  } catch {
    return undefined
  }
}
