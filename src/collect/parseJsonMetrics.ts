// Metrics from a JSON file: every finite number, nested objects flattened
// with dots ({"lat": {"p50": 3}} -> lat.p50). Strings and booleans are not metrics.
import { CmcError } from '../errors.js'

export function parseJsonMetrics(text: string, file: string): Record<string, number> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new CmcError('METRICS_JSON', `${file} is not valid JSON: ${(e as Error).message}`, { hint: 'the benchmark must write a JSON object of numbers' })
  }
  const out: Record<string, number> = {}
  const walk = (v: unknown, prefix: string) => {
    if (typeof v === 'number' && Number.isFinite(v)) out[prefix] = v
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k)
  }
  walk(data, '')
  return out
}
