// The comparison `cmc exp compare A B` and the dashboard's /api/compare make:
// both sides picked from a store, the setup of every run known, and the rule of
// compareGroups with all its refusals. One function, so that the two cannot
// apply different guards.
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { compareGroups, hasSetup, queryValue, type Comparable, type CompareOptions, type Comparison } from './compare.js'
import { loadgenHigherIsBetter, loadgenUnit } from '../collect/parseLoadgen.js'
import { scenarioOfFacts } from '../collect/scenarios.js'
import { gpusGiven } from '../engine/devices.js'
import { readKeptLoadgen } from './keptFiles.js'
import { parseWhere } from './query/evaluate.js'
import { isIdSpec, selectComparable } from './select.js'
import type { ExperimentRecord } from './record.js'
import type { Store } from './store.js'

/** Compare the runs A selects with those B selects (each an id, a unique id prefix or a query). */
export function compareSelections(store: Store, a: string, b: string, opts: CompareOptions = {}, events?: EventSink): Comparison {
  const A = withSetups(store, selectComparable(store, a, events), events)
  const B = withSetups(store, selectComparable(store, b, events), events)
  const facts = indexFacts(store, [a, b])
  const isRecord = (r: Comparable): r is Comparable & ExperimentRecord => 'format' in r
  if (opts.per || [...A, ...B].some((r) => facts.get(r.id)?.source || (isRecord(r) && r.source))) {
    for (const run of [...A, ...B]) if (!facts.get(run.id)?.source) facts.set(run.id, recordFacts(store, isRecord(run) ? run : tryGet(store, run.id)))
    return compareResults(A, B, facts, opts, { A: !isIdSpec(a), B: !isIdSpec(b) })
  }
  const comparison = compareGroups(A, B, opts)
  if (!comparison.metrics.length) {
    const names = (g: Comparable[]) => [...new Set(g.flatMap((r) => Object.keys(r.metrics)))].sort().join(', ') || 'none'
    throw new CmcError('COMPARE_NO_COMMON_METRIC', `the sides have no metric in common: A has ${names(A)}; B has ${names(B)}`, {
      hint: 'compare runs that measure the same thing; see what each side holds with `cmc exp list --where QUERY` or `cmc exp show ID`',
    })
  }
  return comparison
}

/**
 * The runs with their setups: the index keeps them, but lines written before it
 * kept limits do not, and those runs' setups are read from their record files.
 * A record that cannot be read is left out, as selectRecords leaves it out.
 */
function withSetups(store: Store, group: Comparable[], events?: EventSink): Comparable[] {
  const out: Comparable[] = []
  for (const run of group) {
    if (hasSetup(run)) {
      out.push(run)
      continue
    }
    try {
      const { benchmark, params, limits } = store.get(run.id)
      out.push({ ...run, benchmark, params, limits })
    } catch (e) {
      if (!(e instanceof CmcError)) throw e
      events?.({ type: 'log', level: 'warn', message: `skipped ${run.id}: ${(e as Error).message}` })
    }
  }
  return out
}

// ---- LoadGen results, and published ones ---------------------------------------
// A run beside published MLPerf results compares what MLPerf reports: the
// headline metric of one scenario and mode, in one unit, optionally per
// accelerator. Published results ran on other systems by nature, so hosts and
// images are not compared; scenarios, modes, metrics and units must agree.

interface ResultFacts {
  source?: string
  scenario?: string
  mode?: string
  headline?: string
  accelerators?: number
  // which published result: one number per submitter, system, division and round
  submitter?: string
  system?: string
  division?: string
  round?: string
}

const FACT_FIELDS = ['source', 'scenario', 'mode', 'headline', 'accelerators', 'submitter', 'system', 'division', 'round'] as const

/** The facts (FACT_FIELDS) the index holds for the runs each query side picks. */
function indexFacts(store: Store, specs: string[]): Map<string, ResultFacts> {
  const facts = new Map<string, ResultFacts>()
  for (const spec of specs) {
    if (isIdSpec(spec)) continue
    const sel = store.select(parseWhere(spec))
    const ids = sel.values('id') as string[]
    // a run without any of the facts is left out of the map, which reads as the same empty facts
    const columns = FACT_FIELDS.map((f) => [f, sel.values(f)] as const).filter(([, v]) => v.some((x) => x !== undefined))
    if (!columns.length) continue
    ids.forEach((id, k) => facts.set(id, Object.fromEntries(columns.filter(([, v]) => v[k] !== undefined).map(([f, v]) => [f, v[k]])) as ResultFacts))
  }
  return facts
}

/** A record's facts: as published, or what the run's LoadGen logs state (the record's, else its kept logs') and the GPUs it was given. */
function recordFacts(store: Store, record: ExperimentRecord | undefined): ResultFacts {
  if (!record) return {}
  const src = record.source
  if (src)
    return {
      source: src.kind,
      scenario: src.scenario,
      mode: src.mode,
      headline: src.headline?.metric,
      accelerators: src.accelerators,
      submitter: src.submitter,
      system: src.system,
      division: src.division,
      round: src.round,
    }
  const loadgen = record.loadgen ?? readKeptLoadgen(store, record)
  return {
    scenario: scenarioOfFacts(loadgen),
    mode: loadgen?.mode,
    headline: loadgen?.headline?.metric,
    accelerators: gpusGiven(record.devices, record.host.gpus.length),
  }
}

function tryGet(store: Store, id: string): ExperimentRecord | undefined {
  try {
    return store.get(id)
  } catch {
    return undefined
  }
}

/** Which published result a run is (`submitter/system division round`), or `local runs` for one that is no published result. */
function resultOf(f: ResultFacts): string {
  return f.source ? `${f.submitter ?? '(unset)'}/${f.system ?? '(unset)'} ${f.division ?? '(unset)'} ${f.round ?? '(no round)'}` : 'local runs'
}

/**
 * Published results are one number per system and round, not repeats of one
 * measurement: a side pooling several (other systems, submitters, divisions or
 * rounds, or them and local runs) would call the difference between systems
 * noise. Refused as a side mixing setups is, unless --allow-mixed, or unless
 * they are compared per accelerator: divided by its accelerator count, each
 * system's result is a sample of what one accelerator of that kind does,
 * which is the question a run put beside a round's results asks.
 */
function checkOneResultEach(
  sides: { A: Comparable[]; B: Comparable[] },
  of: (r: Comparable) => ResultFacts,
  opts: Pick<CompareOptions, 'allowMixed' | 'per'>,
  warnings: string[],
) {
  const results = (g: Comparable[]) => [...new Set(g.map((r) => resultOf(of(r))))].sort()
  const mixed = (['A', 'B'] as const).map((name) => ({ name, results: results(sides[name]) })).filter((s) => s.results.length > 1)
  if (!mixed.length) return
  const said = mixed.map((s) => `${s.name} ${s.results.join(', ')}`).join('; ')
  const perAccelerator = opts.per === 'accelerator' && mixed.every((s) => !s.results.includes('local runs'))
  if (opts.allowMixed || perAccelerator) {
    for (const s of mixed)
      warnings.push(
        perAccelerator && !opts.allowMixed
          ? `side ${s.name} holds ${s.results.length} published results, each divided by its accelerator count and taken as one sample`
          : `side ${s.name} pools ${s.results.length} published results (${s.results.join(', ')}) (allowed)`,
      )
    return
  }
  const first = sides[mixed[0]!.name].map(of).find((f) => f.source)!
  const narrow = [
    ['submitter', first.submitter],
    ['system', first.system],
    ['division', first.division],
    ['round', first.round],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([f, v]) => `${f} = ${queryValue(v!)}`)
    .join(' and ')
  throw new CmcError(
    'COMPARE_PUBLISHED_MIXED',
    `${mixed.length === 2 ? 'both sides pool' : `side ${mixed[0]!.name} pools`} results of different published systems or rounds: ${said}`,
    {
      details: ['a published result is one number per system and round, not a repeat: pooled, the difference between systems would count as noise'],
      hint: `compare one published result at a time: add \`and ${narrow}\` to side ${mixed[0]!.name}'s query, compare them --per accelerator, or add --allow-mixed to pool them`,
      data: Object.fromEntries(mixed.map((s) => [s.name.toLowerCase(), s.results])),
    },
  )
}

/**
 * How to make the sides agree on a field: a record id names one record and
 * takes no `and ...`, so the query side is narrowed to the id's value, and
 * two ids are pointed to a list of the records that would match.
 */
function agreeHint(field: string, values: { A: string[]; B: string[] }, queries: { A: boolean; B: boolean }): string {
  const within = 'MLPerf results compare within one scenario, mode and metric'
  if (queries.A && queries.B) {
    const common = values.A.find((v) => values.B.includes(v) && v !== '(unset)')
    if (common) return `${within}: add \`and ${field} = ${queryValue(common)}\` to both sides`
    return `${within}, and the sides have no ${field} in common (A ${values.A.join(', ')}; B ${values.B.join(', ')}): select sides of one ${field}`
  }
  if (queries.A || queries.B) {
    const [query, id] = queries.A ? (['A', 'B'] as const) : (['B', 'A'] as const)
    return `${within}: side ${id} is one record, of ${field} ${values[id][0]}: add \`and ${field} = ${queryValue(values[id][0]!)}\` to side ${query}'s query`
  }
  return `${within}: both sides are records, of ${field} ${values.A[0]} and ${values.B[0]}; find one like A with \`cmc exp list --where "${field} = ${values.A[0]}"\``
}

function compareResults(
  A: Comparable[],
  B: Comparable[],
  facts: Map<string, ResultFacts>,
  opts: CompareOptions,
  queries: { A: boolean; B: boolean },
): Comparison {
  if (!A.length || !B.length) return compareGroups(A, B, opts) // which says which side is empty
  const of = (r: Comparable) => facts.get(r.id) ?? {}
  const warnings: string[] = []
  const bare = [...A, ...B].find((r) => !of(r).scenario || !of(r).headline)
  if (bare)
    throw new CmcError('COMPARE_RESULTS_DIFFER', `${bare.id} states no LoadGen scenario and headline result, so it cannot stand beside MLPerf results`, {
      hint: 'compare runs whose outputs hold mlperf_log_summary.txt or mlperf_log_detail.txt',
    })
  for (const field of ['scenario', 'mode', 'headline'] as const) {
    const values = (g: Comparable[]) => [...new Set(g.map((r) => of(r)[field] ?? '(unset)'))].sort()
    const [va, vb] = [values(A), values(B)]
    if (va.length > 1 || vb.length > 1 || va[0] !== vb[0])
      throw new CmcError('COMPARE_RESULTS_DIFFER', `the results differ in ${field}: A ${va.join(', ')}; B ${vb.join(', ')}`, {
        hint: agreeHint(field, { A: va, B: vb }, queries),
        data: { field, a: va, b: vb },
      })
  }
  const metric = of(A[0]!).headline!
  // a run's LoadGen metrics carry no unit unless its meta declares one: LoadGen's names say it
  const unitOf = (r: Comparable) => r.metrics[metric]?.unit ?? loadgenUnit(metric) ?? '(none)'
  const units = [...new Set([...A, ...B].map(unitOf))]
  if (units.length > 1)
    throw new CmcError('COMPARE_RESULTS_DIFFER', `${metric} comes in different units: ${units.join(', ')}`, { data: { field: 'unit', units } })
  const higherIsBetter = [...A, ...B].map((r) => r.metrics[metric]?.higherIsBetter).find((h) => h !== undefined) ?? loadgenHigherIsBetter(metric)
  if (opts.per && higherIsBetter === false)
    throw new CmcError('COMPARE_NO_ACCELERATORS', `--per accelerator divides a throughput; ${metric} is a latency`, { hint: 'compare latencies without --per' })
  const divisor = (r: Comparable) => {
    if (!opts.per) return 1
    const n = of(r).accelerators
    if (!n)
      throw new CmcError('COMPARE_NO_ACCELERATORS', `${r.id} does not say how many accelerators it ran on${n === 0 ? ' (it saw none)' : ''}`, {
        hint: 'compare totals without --per accelerator, or leave that run out',
      })
    return n
  }
  const name = opts.per ? `${metric}_per_accelerator` : metric
  const narrowed = (g: Comparable[]) =>
    g.map((r) => {
      const d = divisor(r)
      const m = r.metrics[metric]
      const unit = opts.per ? `${units[0]} per accelerator` : units[0]
      return {
        ...r,
        published: of(r).source !== undefined,
        metrics: m ? { [name]: { median: m.median / d, unit, higherIsBetter } } : {},
        repeats: r.repeats.map((rep) => ({ metrics: rep.metrics[metric] !== undefined ? { [name]: rep.metrics[metric]! / d } : {} })),
      }
    })
  const [nA, nB] = [narrowed(A), narrowed(B)]
  checkOneResultEach({ A, B }, of, opts, warnings)
  const comparison = compareGroups(nA, nB, { ...opts, allowDifferentHosts: true, allowDifferentImages: true })
  const published = [A, B]
    .map((g) => g.some((r) => of(r).source))
    .map((p, i) => (p ? 'AB'[i] : ''))
    .join('')
  comparison.warnings = [
    ...(published
      ? [
          `${published.length === 2 ? 'both sides hold' : `side ${published} holds`} published results: other systems by nature, so hosts and images are not compared`,
        ]
      : []),
    ...warnings,
    ...comparison.warnings.filter((w) => !/different hosts|different images|the images differ/.test(w)),
  ]
  return comparison
}
