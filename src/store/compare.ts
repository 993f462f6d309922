// Comparing two groups of runs per metric. The rule (docs/store.md):
//   samples: per-record medians when a side has several records, else the
//   record's per-repeat values; Welch's t-test on the logs of the samples: the
//   ratio B/A is the ratio of geometric means and its 95% interval is the
//   exponentiated interval of the difference of the mean logs (positive, and
//   honest for skewed timings). Verdict: "improved"/"regressed" when p < 0.05
//   AND the ratio's interval lies wholly outside the ±noise band (default 2%);
//   else "no change (within noise)". With fewer than 2 samples on a side the
//   noise is unknown, and a value of 0 or less has no ratio: "inconclusive".
//   Each side's centre is shown as its geometric mean, the quantity the ratio
//   divides: a median beside the ratio can point the other way.
//   Direction comes from higherIsBetter (else names like *latency*, *time*,
//   *seconds*, *_ms are lower-is-better).
// A side must be alike: one benchmark, one value per param, one set of limits;
// pooling runs that differ would call the difference between setups noise.
import { CmcError } from '../errors.js'
import { geomean, median, welch, welchLogRatio } from '../stats.js'
import { imageIdentity } from './summary.js'
import { hostIdentity, type RanOn } from './hostIdentity.js'

export type Verdict = 'improved' | 'regressed' | 'no change' | 'inconclusive'

/** One side's samples of a metric. */
export interface SideMetric {
  n: number
  median: number
  /** exp(mean log): the centre the ratio is of; null when a value is 0 or less */
  geomean: number | null
  cv: number
}

export interface MetricComparison {
  metric: string
  unit?: string
  higherIsBetter: boolean
  a: SideMetric
  b: SideMetric
  // What is not defined is null, not NaN, so that --json, the hub and the
  // dashboard all read the same value (JSON has no NaN).
  /** geometric mean of B over that of A; null when a value is 0 or less */
  ratio: number | null
  /** null when a side has one sample or a value is 0 or less */
  ratioCi95: [number, number] | null
  /** Welch's two-sided p; null when a side has one sample: with no variance known there is no test */
  p: number | null
  verdict: Verdict
}

/** What one side ran: its records, and the distinct values of each part of their setup. */
export interface SideSummary {
  ids: string[]
  platforms: string[]
  digests: string[]
  hosts: string[]
  benchmarks: string[]
  params: Record<string, string[]>
  /** `none`, or `cpus=N memory=SIZE` */
  limits: string[]
}

/** A part of the setup (`benchmark`, `params.NAME`, `limits`) and its values on each side. */
export interface SetupDifference {
  field: string
  a: string[]
  b: string[]
}

export interface Comparison {
  a: SideSummary
  b: SideSummary
  noiseBand: number
  /** where the sides' setups differ: what the comparison is about, or what else changed */
  differences: SetupDifference[]
  metrics: MetricComparison[]
  warnings: string[]
}

/** The setup of a run, which the runs of one side must share. */
export interface RunSetup {
  benchmark: { alias: string }
  params: Record<string, string | number | boolean>
  /** absent: the run had no limits */
  limits?: { cpus?: number; memoryBytes?: number }
}

/**
 * What compare needs of a run: a full record satisfies it; so does an index
 * summary (medians only), which is how large groups are compared without
 * opening every record file. An index summary has no setup (the index has no
 * limits): compareSelections adds it before the setups are checked.
 */
export interface Comparable extends Partial<RunSetup> {
  id: string
  platform: string
  /** `digest` is the identity; `id` is read instead when present (records written before the identity was kept) */
  image: { digest: string; id?: string }
  /** With `scheduler`, a cluster task: its host is told apart by cluster and node too (hostIdentity). */
  host: { hostname: string }
  scheduler?: RanOn['scheduler']
  metrics: Record<string, { median: number; unit?: string; higherIsBetter?: boolean }>
  /** Per-repeat values; used when a side is a single run. */
  repeats: Array<{ metrics: Record<string, number> }>
  /** The run went through an emulator (ExperimentRecord.emulated); absent: native, or not known. */
  emulated?: boolean
  /** A published result (compareSelections sets it): one number, with no repeats to add. */
  published?: boolean
}

export interface CompareOptions {
  noiseBand?: number
  allowDifferentImages?: boolean
  allowDifferentHosts?: boolean
  /** pool runs of different benchmarks, params or limits on one side, or published results of several systems or rounds (compareSelections) */
  allowMixed?: boolean
  /** give a verdict between an emulated run and a native one, or runs emulated on different hosts */
  allowEmulated?: boolean
  /** compare LoadGen headline results divided by each run's accelerator count (compareSelections) */
  per?: 'accelerator'
}

export const DEFAULT_NOISE_BAND = 0.02

export function hasSetup(c: Comparable): c is Comparable & RunSetup {
  return c.benchmark !== undefined && c.params !== undefined
}

function noiseBandError(shown: string | number): CmcError {
  return new CmcError(
    'FLAG_VALUE',
    `--noise-band ${shown}: expected a fraction of at least 0 and below 1 (0.02 is ±2%; at 1 no fall could be told from noise)`,
    {
      hint: 'e.g. --noise-band 0.05 to treat changes within ±5% as noise',
    },
  )
}

/** `--noise-band` as given (undefined: the default): a fraction, 0 included, 1 not (a ratio cannot fall 100%). */
export function parseNoiseBand(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_NOISE_BAND
  const band = /^\s*(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(raw) ? Number(raw) : NaN
  if (!(band >= 0 && band < 1)) throw noiseBandError(raw)
  return band
}

// `images_per_s`, `tokens_per_s` are rates (higher is better); `run_s`, `p99_ms` are times.
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

// ---- setups -----------------------------------------------------------------

const UNSET = '(unset)'

// as --memory is given: 256m, 2g
const SIZE_UNITS = { g: 1024 ** 3, m: 1024 ** 2, k: 1024 }

function sizeText(bytes: number): string {
  for (const [unit, factor] of Object.entries(SIZE_UNITS)) if (bytes % factor === 0) return `${bytes / factor}${unit}`
  return String(bytes)
}

function limitsText(limits: RunSetup['limits']): string {
  const parts = [limits?.cpus === undefined ? '' : `cpus=${limits.cpus}`, limits?.memoryBytes === undefined ? '' : `memory=${sizeText(limits.memoryBytes)}`]
  return parts.filter(Boolean).join(' ') || 'none'
}

// numbers in numeric order (threads 2 before 10); an unset param last
const byValue = (x: string, y: string) => (x === UNSET ? 1 : 0) - (y === UNSET ? 1 : 0) || x.localeCompare(y, 'en', { numeric: true })

/** Each part of the group's setup with its distinct values, sorted (so the order records were listed in does not matter). */
function setupValues(group: Array<Comparable & RunSetup>): Map<string, string[]> {
  const names = new Set<string>()
  for (const r of group) for (const n of Object.keys(r.params)) names.add(n)
  // runs of one side mostly share one limits object (select.ts makes one a text): its text once
  const limitsTexts = new Map<RunSetup['limits'], string>()
  const limitsOf = (limits: RunSetup['limits']) => {
    let text = limitsTexts.get(limits)
    if (text === undefined) limitsTexts.set(limits, (text = limitsText(limits)))
    return text
  }
  const fields: Array<[string, (r: RunSetup) => string]> = [
    ['benchmark', (r) => r.benchmark.alias],
    ['limits', (r) => limitsOf(r.limits)],
    ...[...names].map((n): [string, (r: RunSetup) => string] => [`params.${n}`, (r) => (Object.hasOwn(r.params, n) ? String(r.params[n]) : UNSET)]),
  ]
  const out = new Map<string, string[]>()
  for (const [field, value] of fields.sort(([x], [y]) => x.localeCompare(y))) {
    const values = new Set<string>()
    for (const r of group) values.add(value(r))
    out.set(field, [...values].sort(byValue))
  }
  return out
}

const listed = (values: string[]) => `(${values.join(', ')})`
const mixedText = (fields: Array<[string, string[]]>) => fields.map(([f, v]) => `${f} ${listed(v)}`).join(', ')
/** A value as a query takes it: bare when it can be, else quoted. */
export const queryValue = (v: string) => (/^[\w.:/-]+$/.test(v) ? v : v.includes("'") ? `"${v}"` : `'${v}'`)

/** Refuse a side whose runs are not alike, naming each part that differs and its values on both sides; or, allowed, warn. */
function checkAlike(setups: { A: Map<string, string[]>; B: Map<string, string[]> }, allowMixed: boolean | undefined, warnings: string[]): void {
  const mixed = (s: Map<string, string[]>) => [...s].filter(([, values]) => values.length > 1)
  const mA = mixed(setups.A),
    mB = mixed(setups.B)
  if (!mA.length && !mB.length) return
  if (allowMixed) {
    if (mA.length) warnings.push(`side A mixes ${mixedText(mA)} (allowed)`)
    if (mB.length) warnings.push(`side B mixes ${mixedText(mB)} (allowed)`)
    return
  }
  const message =
    mA.length && mB.length
      ? `both sides mix runs that are not alike: A ${mixedText(mA)}; B ${mixedText(mB)}`
      : `side ${mA.length ? 'A' : 'B'} mixes runs that are not alike: ${mixedText(mA.length ? mA : mB)}`
  const fields = [...new Set([...mA, ...mB].map(([f]) => f))].sort()
  const on = (s: Map<string, string[]>, f: string) => (s.get(f) ?? [UNSET]).join(', ')
  const [field, values] = [...mA, ...mB][0]
  const mixedOn = (m: typeof mA) => m.some(([f]) => f === field)
  const query = mixedOn(mA) ? (mixedOn(mB) ? 'both queries' : "side A's query") : "side B's query"
  const narrow =
    field === 'limits'
      ? 'compare one setup at a time (limits are no query field: pick the runs by `id = ...` or by a `cmc run --tag`)'
      : `compare one setup at a time: add \`and ${field} = ${queryValue(values[0])}\` to ${query}`
  throw new CmcError('COMPARE_MIXED', message, {
    details: fields.map((f) => `${f}: A ${on(setups.A, f)}; B ${on(setups.B, f)}`),
    hint: `${narrow}, or add --allow-mixed to pool the runs`,
    data: { a: Object.fromEntries(mA), b: Object.fromEntries(mB) },
  })
}

function setupDifferences(A: Map<string, string[]>, B: Map<string, string[]>): SetupDifference[] {
  const fields = [...new Set([...A.keys(), ...B.keys()])].sort()
  return fields.map((field) => ({ field, a: A.get(field) ?? [UNSET], b: B.get(field) ?? [UNSET] })).filter((d) => d.a.join('\u0000') !== d.b.join('\u0000'))
}

function side(g: Comparable[], setup: Map<string, string[]> | undefined): SideSummary {
  return {
    ids: g.map((r) => r.id),
    // sorted sets: whether the sides differ must not depend on the order records were listed
    platforms: [...new Set(g.map((r) => r.platform))].sort(),
    digests: [...new Set(g.map((r) => imageIdentity(r.image)))].sort(),
    hosts: [...new Set(g.map(hostIdentity))].sort(),
    benchmarks: setup?.get('benchmark') ?? [],
    params: Object.fromEntries([...(setup ?? [])].filter(([f]) => f.startsWith('params.')).map(([f, v]) => [f.slice(7), v])),
    limits: setup?.get('limits') ?? [],
  }
}

// ---- emulation ----------------------------------------------------------------

/**
 * How a run ran: natively, or emulated on one host (timings of runs emulated
 * on different hosts are not alike either). The host alone, not the
 * architectures: an index line knows only that a run was emulated.
 */
function howRan(r: Comparable): string {
  return r.emulated ? `emulated on host ${hostIdentity(r)}` : 'native'
}

/**
 * An emulated run's timings measure the emulator (qemu runs arm64 code on an
 * amd64 host many times slower than an arm64 machine would): a verdict between
 * it and a native run, or a run emulated elsewhere, would publish the
 * emulator's cost as the platform's. Refused unless allowed; both sides
 * emulated alike are compared, with a warning.
 */
function checkEmulation(A: Comparable[], B: Comparable[], allowEmulated: boolean | undefined, warnings: string[]): void {
  const ways = (g: Comparable[]) => [...new Set(g.map(howRan))].sort()
  const wa = ways(A),
    wb = ways(B)
  if (wa.join('\u0000') === wb.join('\u0000') && wa.length === 1) {
    if (wa[0] !== 'native') warnings.push(`both sides ran ${wa[0]}: the numbers measure the emulator, not the platform`)
    return
  }
  const said = `A ran ${wa.join(' and ')}; B ran ${wb.join(' and ')}`
  if (allowEmulated) {
    warnings.push(`${said} (allowed): a difference includes the emulator's cost`)
    return
  }
  throw new CmcError('COMPARE_EMULATED', `no performance verdict between emulated and native runs: ${said}`, {
    details: [
      'an emulated run proves the image works; its timings measure the emulator (qemu), not the platform',
      "the outputs' correctness can still be compared: `cmc exp show ID` lists each output file with its sha256",
    ],
    hint: 'measure the platform on a native engine of its architecture (DOCKER_HOST=ssh://arm64-host, a Slurm arm64 partition), or add --allow-emulated to see the numbers anyway',
    data: { a: wa, b: wb },
  })
}

// ---- metrics ----------------------------------------------------------------

function compareMetric(metric: string, A: Comparable[], B: Comparable[], band: number, warnings: string[]): MetricComparison | undefined {
  const xa = samples(A, metric),
    xb = samples(B, metric)
  if (!xa.length || !xb.length) {
    warnings.push(`metric ${metric} is missing on side ${xa.length ? 'B' : 'A'}`)
    return undefined
  }
  const first = [...A, ...B].find((r) => r.metrics[metric])!.metrics[metric]
  const hib = first.higherIsBetter ?? !lowerIsBetterName.test(metric)
  const noiseKnown = xa.length >= 2 && xb.length >= 2
  const positive = xa.every((v) => v > 0) && xb.every((v) => v > 0)
  let ratio: number | null = null,
    ratioCi: [number, number] | null = null,
    p: number | null = null
  // one sample says nothing about its own noise: an interval or a p-value would pretend it has none
  if (positive) {
    const r = welchLogRatio(xa, xb)
    ratio = r.ratio
    if (noiseKnown) [ratioCi, p] = [r.ci95, r.p]
  } else {
    if (noiseKnown) p = welch(xa, xb).p
    warnings.push(`${metric}: zero or negative values have no ratio, so no verdict is given`)
  }
  let verdict: Verdict = 'no change'
  if (!ratioCi || p === null) verdict = 'inconclusive'
  else if (p < 0.05 && (ratioCi[0] > 1 + band || ratioCi[1] < 1 - band)) verdict = ratioCi[0] > 1 === hib ? 'improved' : 'regressed'
  const ca = cv(xa),
    cb = cv(xb)
  // more repeats or runs help a side of runs; a published result is one number that cannot be repeated
  const repeatable = (g: Comparable[], name: string) => (g.every((r) => r.published) ? [] : [name])
  const noisy = [...(ca > 0.1 ? repeatable(A, 'A') : []), ...(cb > 0.1 ? repeatable(B, 'B') : [])]
  if (ca > 0.1 || cb > 0.1)
    warnings.push(
      `${metric}: noisy samples (coefficient of variation A ${(ca * 100).toFixed(0)}%, B ${(cb * 100).toFixed(0)}%)${noisy.length ? `; add repeats${noisy.length === 1 ? ` to side ${noisy[0]}` : ''}` : ''}`,
    )
  const single = [...(xa.length < 2 ? repeatable(A, 'A') : []), ...(xb.length < 2 ? repeatable(B, 'B') : [])]
  if (!noiseKnown)
    warnings.push(
      `${metric}: a side has one sample, so its noise is unknown and no verdict is given${single.length ? `; add --repeat or more runs${single.length === 1 ? ` to side ${single[0]}` : ''}` : ''}`,
    )
  else if (xa.length < 3 || xb.length < 3) warnings.push(`${metric}: fewer than 3 samples on a side; the verdict has little power`)
  // a typed array sorts numbers without a comparator call per pair
  const sorted = (xs: number[]) => Float64Array.from(xs).sort()
  return {
    metric,
    unit: first.unit,
    higherIsBetter: hib,
    a: { n: xa.length, median: median(sorted(xa)), geomean: positive ? geomean(xa) : null, cv: ca },
    b: { n: xb.length, median: median(sorted(xb)), geomean: positive ? geomean(xb) : null, cv: cb },
    ratio,
    ratioCi95: ratioCi,
    p,
    verdict,
  }
}

// ---- the comparison -----------------------------------------------------------

/**
 * Compare two groups. Sides whose runs carry their setup (full records, or
 * what compareSelections gives) are checked to be alike and their differences
 * listed; index summaries without one are compared unchecked.
 */
export function compareGroups(A: Comparable[], B: Comparable[], opts: CompareOptions = {}): Comparison {
  const band = opts.noiseBand ?? DEFAULT_NOISE_BAND
  if (!(band >= 0 && band < 1)) throw noiseBandError(band)
  if (!A.length || !B.length)
    throw new CmcError('COMPARE_EMPTY', `side ${A.length ? 'B' : 'A'} matches no records`, {
      hint: 'check the ids or the query with `cmc exp list --where ...`',
    })
  const warnings: string[] = []
  const inA = new Set(A.map((r) => r.id))
  const shared = B.filter((r) => inA.has(r.id)).length
  if (shared)
    warnings.push(
      shared === A.length && shared === B.length
        ? 'A and B are the same run(s): the comparison is of the runs with themselves'
        : `A and B share ${shared} run(s): those are compared with themselves, which pulls the ratio towards 1`,
    )
  const all = [...A, ...B]
  const setups = all.every(hasSetup) ? { A: setupValues(A as Array<Comparable & RunSetup>), B: setupValues(B as Array<Comparable & RunSetup>) } : undefined
  if (setups) checkAlike(setups, opts.allowMixed, warnings)
  const sa = side(A, setups?.A),
    sb = side(B, setups?.B)
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
  checkEmulation(A, B, opts.allowEmulated, warnings)
  if (sa.hosts.join() !== sb.hosts.join()) {
    if (!opts.allowDifferentHosts) {
      throw new CmcError('COMPARE_DIFFERENT_HOSTS', `the sides ran on different hosts (${sa.hosts.join(',')} vs ${sb.hosts.join(',')})`, {
        hint: 'add --allow-different-hosts to compare across machines',
      })
    }
    warnings.push('the sides ran on different hosts (allowed)')
  }
  const metricNames = new Set<string>()
  for (const r of all) for (const m of Object.keys(r.metrics)) metricNames.add(m)
  const names = [...metricNames].sort()
  const metrics = names.map((m) => compareMetric(m, A, B, band, warnings)).filter((m): m is MetricComparison => m !== undefined)
  const differences = setups ? setupDifferences(setups.A, setups.B) : []
  return { a: sa, b: sb, noiseBand: band, differences, metrics, warnings: [...new Set(warnings)] }
}
