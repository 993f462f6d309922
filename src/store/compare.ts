// Comparing two groups of runs per metric. The rule (docs/store.md):
//   samples: per-record medians when a side has several records, else the
//   record's per-repeat values; Welch's t-test on the samples; the ratio is
//   median(B)/median(A) and its 95% interval is 1 + CI(mean B - mean A)/mean A.
//   Verdict: "improved"/"regressed" when p < 0.05 AND the ratio's interval lies
//   wholly outside the ±noise band (default 2%); else "no change (within noise)".
//   With fewer than 2 samples on a side the noise is unknown: "inconclusive".
//   Direction comes from higherIsBetter (else names like *latency*, *time*,
//   *seconds*, *_ms are lower-is-better).
import { CmcError } from '../errors.js'
import { median, welch } from '../stats.js'

export type Verdict = 'improved' | 'regressed' | 'no change' | 'inconclusive'

export interface MetricComparison {
  metric: string
  unit?: string
  higherIsBetter: boolean
  a: { n: number; median: number; cv: number }
  b: { n: number; median: number; cv: number }
  ratio: number
  ratioCi95: [number, number]
  p: number
  verdict: Verdict
}

export interface Comparison {
  a: { ids: string[]; platforms: string[]; digests: string[]; hosts: string[] }
  b: { ids: string[]; platforms: string[]; digests: string[]; hosts: string[] }
  noiseBand: number
  metrics: MetricComparison[]
  warnings: string[]
}

// `images_per_s`, `tokens_per_s` are rates (higher is better); `run_s`, `p99_ms` are times.
/**
 * What compare needs of a run: a full record satisfies it; so does an index
 * summary (medians only), which is how large groups are compared without
 * opening every record file.
 */
export interface Comparable {
  id: string
  platform: string
  image: { digest: string }
  host: { hostname: string }
  metrics: Record<string, { median: number; unit?: string; higherIsBetter?: boolean }>
  /** Per-repeat values; used when a side is a single run. */
  repeats: Array<{ metrics: Record<string, number> }>
}

const lowerIsBetterName = /latency|time|seconds|duration|_ms$|_us$|_ns$|(?<!_per)_s$/i

function samples(group: Comparable[], metric: string): number[] {
  if (group.length === 1) return group[0].repeats.map((r) => r.metrics[metric]).filter((v): v is number => typeof v === 'number')
  return group.map((r) => r.metrics[metric]?.median).filter((v): v is number => typeof v === 'number')
}

const cv = (xs: number[]) => {
  if (xs.length < 2) return 0
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
  return m ? sd / Math.abs(m) : 0
}

const side = (g: Comparable[]) => ({
  ids: g.map((r) => r.id),
  // sorted sets: whether the sides differ must not depend on the order records were listed
  platforms: [...new Set(g.map((r) => r.platform))].sort(),
  digests: [...new Set(g.map((r) => r.image.digest))].sort(),
  hosts: [...new Set(g.map((r) => r.host.hostname))].sort(),
})

export function compareGroups(
  A: Comparable[],
  B: Comparable[],
  opts: { noiseBand?: number; allowDifferentImages?: boolean; allowDifferentHosts?: boolean } = {},
): Comparison {
  if (!A.length || !B.length)
    throw new CmcError('COMPARE_EMPTY', `side ${A.length ? 'B' : 'A'} matches no records`, {
      hint: 'check the ids or the query with `cmc exp list --where ...`',
    })
  const band = opts.noiseBand ?? 0.02
  const warnings: string[] = []
  const sa = side(A),
    sb = side(B)
  const samePlatform = sa.platforms.join() === sb.platforms.join()
  const digestsDiffer = sa.digests.join() !== sb.digests.join()
  if (digestsDiffer) {
    if (samePlatform && !opts.allowDifferentImages) {
      throw new CmcError('COMPARE_DIFFERENT_IMAGES', 'the two sides ran different images on the same platform, so a difference may come from the image', {
        details: [`A: ${sa.digests.join(', ')}`, `B: ${sb.digests.join(', ')}`],
        hint: 'add --allow-different-images when that is what you mean to compare',
      })
    }
    warnings.push(
      samePlatform
        ? 'the sides ran different images (allowed)'
        : `comparing platforms ${sa.platforms.join(',')} vs ${sb.platforms.join(',')}: the images differ by design`,
    )
  }
  if (sa.hosts.join() !== sb.hosts.join()) {
    if (!opts.allowDifferentHosts) {
      throw new CmcError('COMPARE_DIFFERENT_HOSTS', `the sides ran on different hosts (${sa.hosts.join(',')} vs ${sb.hosts.join(',')})`, {
        hint: 'add --allow-different-hosts to compare across machines',
      })
    }
    warnings.push('the sides ran on different hosts (allowed)')
  }
  const names = [...new Set([...A, ...B].flatMap((r) => Object.keys(r.metrics)))].sort()
  const metrics: MetricComparison[] = []
  for (const m of names) {
    const xa = samples(A, m),
      xb = samples(B, m)
    if (!xa.length || !xb.length) {
      warnings.push(`metric ${m} is missing on side ${xa.length ? 'B' : 'A'}`)
      continue
    }
    const first = [...A, ...B].find((r) => r.metrics[m])!.metrics[m]
    const hib = first.higherIsBetter ?? !lowerIsBetterName.test(m)
    const ma = median([...xa].sort((x, y) => x - y)),
      mb = median([...xb].sort((x, y) => x - y))
    const w = welch(xa, xb)
    const meanA = xa.reduce((x, y) => x + y, 0) / xa.length
    const ratio = ma === 0 ? NaN : mb / ma
    const ratioCi: [number, number] = meanA === 0 ? [NaN, NaN] : [1 + w.ci95[0] / meanA, 1 + w.ci95[1] / meanA]
    const outside = ratioCi[0] > 1 + band || ratioCi[1] < 1 - band
    let verdict: Verdict = 'no change'
    if (xa.length < 2 || xb.length < 2) verdict = 'inconclusive'
    else if (w.p < 0.05 && outside) verdict = ratio > 1 === hib ? 'improved' : 'regressed'
    const ca = cv(xa),
      cb = cv(xb)
    if (ca > 0.1 || cb > 0.1)
      warnings.push(`${m}: noisy samples (coefficient of variation A ${(ca * 100).toFixed(0)}%, B ${(cb * 100).toFixed(0)}%); add repeats`)
    if (xa.length < 2 || xb.length < 2) warnings.push(`${m}: a side has one sample, so its noise is unknown and no verdict is given; add --repeat or more runs`)
    else if (xa.length < 3 || xb.length < 3) warnings.push(`${m}: fewer than 3 samples on a side; the verdict has little power`)
    metrics.push({
      metric: m,
      unit: first.unit,
      higherIsBetter: hib,
      a: { n: xa.length, median: ma, cv: ca },
      b: { n: xb.length, median: mb, cv: cb },
      ratio,
      ratioCi95: ratioCi,
      p: w.p,
      verdict,
    })
  }
  return { a: sa, b: sb, noiseBand: band, metrics, warnings: [...new Set(warnings)] }
}
