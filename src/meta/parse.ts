// Parsing meta text (YAML, and JSON, which is YAML) into data, with the
// position of any key path for error messages.
//
// Most meta is read by the fast path (yamlFastPath.ts: js-yaml, where it
// certainly agrees with `yaml`); the `yaml` package, which keeps node
// positions, is loaded and run only for text the fast path leaves to it, for
// malformed text, and to place an error. Both give the same data.
import type { Document, LineCounter } from 'yaml'
import { CmcError } from '../errors.js'
import { yaml } from '../lazy.js'
import { fastParseYaml } from './yamlFastPath.js'

export { yaml } from '../lazy.js'

export interface Parsed {
  data: unknown
  /** Position of a data path (key or value) in the file, 1-based. */
  position(p: Array<string | number>, atKey: boolean): { line: number; col: number } | undefined
}

export function parseMetaText(text: string, file: string): Parsed {
  const fast = fastParseYaml(text)
  if (fast) {
    // Positions are wanted only for an error: parse again, keeping them, then.
    let full: Parsed | undefined
    return { data: fast.value, position: (p, atKey) => (full ??= parseWithPositions(text, file)).position(p, atKey) }
  }
  return parseWithPositions(text, file)
}

/** What `yaml` alone makes of the text: the reader of record, which the fast path must match. */
export function parseWithPositions(text: string, file: string): Parsed {
  const { LineCounter, parseDocument } = yaml()
  const lc = new LineCounter()
  // JSON is YAML, so one parser gives positions for both.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length) {
    const err = doc.errors[0]
    const pos = lc.linePos(err.pos[0])
    const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    throw new CmcError('META_YAML', `malformed ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${first}`, {
      where: { file, line: pos.line, col: pos.col },
      hint: 'check indentation (spaces, not tabs), quotes and the `key: value` form on that line',
    })
  }
  return {
    data: toData(doc, lc, file),
    position: (p, atKey) => locate(doc, lc, p, atKey),
  }
}

/** doc.toJS(), with the aliases it refuses (unresolved, or expanding too far) reported as the user's error. */
function toData(doc: Document, lc: LineCounter, file: string): unknown {
  try {
    return doc.toJS()
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e
    const { visit } = yaml()
    let at: number | undefined
    visit(doc, {
      Alias(_, node) {
        // the first alias that resolves to nothing, else the first alias
        const unresolved = node.resolve(doc) === undefined
        if (at === undefined || unresolved) at = node.range?.[0]
        if (unresolved) return visit.BREAK
      },
    })
    throw new CmcError('META_YAML', `malformed YAML: ${e.message}`, {
      where: { file, ...(at === undefined ? {} : lc.linePos(at)) },
      hint: 'define each anchor (&name) before its aliases (*name), and do not nest aliases deeply',
    })
  }
}

function locate(doc: Document, lc: LineCounter, p: Array<string | number>, atKey: boolean) {
  const { isMap, isNode, isPair, isScalar } = yaml()
  let node: unknown = doc.contents
  let range: [number, number, number?] | undefined = (doc.contents as { range?: [number, number, number] } | null)?.range
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg))
      if (!pair) break
      const last = i === p.length - 1
      const keyNode = pair.key as { range?: [number, number, number] }
      if (last && atKey) {
        range = keyNode.range
        break
      }
      node = pair.value
      range = isNode(node) ? (node.range ?? keyNode.range) : keyNode.range
    } else if (isNode(node) && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      const item = (node as { items: unknown[] }).items[Number(seg)]
      if (!isNode(item)) break
      node = item
      range = item.range ?? range
    } else break
  }
  if (!range) return undefined
  return lc.linePos(range[0])
}
