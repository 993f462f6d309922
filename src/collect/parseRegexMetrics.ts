// Metrics by declared regexes over stdout: each pattern has one capture group
// holding a number; the last match wins (benchmarks often print progress first).
import { CmcError } from '../errors.js'

export function parseRegexMetrics(stdout: string, patterns: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, pattern] of Object.entries(patterns)) {
    let re: RegExp
    try {
      re = new RegExp(pattern, 'gm')
    } catch (e) {
      throw new CmcError('METRICS_REGEX', `metric ${name}: invalid regex ${pattern}: ${(e as Error).message}`)
    }
    let last: string | undefined
    for (const m of stdout.matchAll(re)) last = m[1] ?? m[0]
    const v = last === undefined ? NaN : Number(last)
    if (Number.isFinite(v)) out[name] = v
  }
  return out
}
