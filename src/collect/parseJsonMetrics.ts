// Metrics from a JSON file: every finite number of an object, nested objects
// flattened with dots ({"lat": {"p50": 3}} -> lat.p50). Strings, arrays,
// booleans and nulls are not metrics; they are listed, so that a number
// written as a string is named to the user rather than lost without a word.
import { CmcError } from '../errors.js'
import { isRecord } from '../values.js'

export interface JsonMetrics {
  metrics: Record<string, number>
  /** Each value that is not a metric, as `key (type)`, in the file's order. */
  dropped: string[]
}

const HINT = 'the benchmark must write a JSON object of numbers'

export function parseJsonMetrics(text: string, file: string): JsonMetrics {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new CmcError('METRICS_JSON', `${file} is not valid JSON: ${(e as Error).message}`, { hint: HINT })
  }
  if (!isRecord(data))
    throw new CmcError(
      'METRICS_JSON',
      `${file} holds ${Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`}, not an object of numbers`,
      { hint: HINT },
    )
  const out: JsonMetrics = { metrics: {}, dropped: [] }
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'number' && Number.isFinite(v)) out.metrics[key] = v
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) walk(x, `${key}.${k}`)
    else out.dropped.push(`${key} (${typeName(v)})`)
  }
  for (const [k, v] of Object.entries(data)) walk(v, k)
  return out
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  // JSON gives a number too large for a double as Infinity
  return typeof v === 'number' ? 'not finite' : typeof v
}
