// The index line of a record: what queries, sorting and compare need without
// opening record.json (medians per metric, params, attributes).
import { scenarioOfFacts } from '../collect/scenarios.js'
import { hostIdentity } from './hostIdentity.js'
import type { ExperimentRecord } from './record.js'

export interface RecordSummary {
  id: string
  createdAt: string
  benchmark: string
  image: string
  digest: string
  platform: string
  status: string
  host: string
  /**
   * The run's resource limits as `cpus=N memoryBytes=N` (either part alone), or
   * `none`; absent in lines written before the index kept them.
   */
  limits?: string
  params: Record<string, string | number | boolean>
  metrics: Record<string, number>
  tags: string[]
  /** `mlperf` for an imported published result; absent for a run (`not source = mlperf` selects runs). */
  source?: string
  /** An MLPerf result's round, submitter, division, availability, system id, accelerator model and count (published records only). */
  round?: string
  submitter?: string
  division?: string
  availability?: string
  system?: string
  accelerator?: string
  accelerators?: number
  /** The LoadGen scenario and mode, and the name of the headline metric, of a run or a published result that has them. */
  scenario?: string
  mode?: string
  headline?: string
  /** true for a run emulated on its host (see ExperimentRecord.emulated); absent for a native one */
  emulated?: boolean
}

/** Limits as the index keeps them: one text value, so that a column of them stays a small dictionary. */
export function limitsText(limits: ExperimentRecord['limits']): string {
  const parts = [limits?.cpus !== undefined ? `cpus=${limits.cpus}` : '', limits?.memoryBytes !== undefined ? `memoryBytes=${limits.memoryBytes}` : ''].filter(
    Boolean,
  )
  return parts.length ? parts.join(' ') : 'none'
}

/** The limits of an index line's text; undefined for none. */
export function limitsOf(text: string): ExperimentRecord['limits'] {
  if (text === 'none') return undefined
  const limits: NonNullable<ExperimentRecord['limits']> = {}
  for (const part of text.split(' ')) {
    const [key, value] = part.split('=')
    if (key === 'cpus' || key === 'memoryBytes') limits[key] = Number(value)
  }
  return limits
}

/** The identity of a record's image (see ExperimentRecord.image): `digest`, or `id` where an older record put a registry digest there. */
export function imageIdentity(image: { digest: string; id?: string }): string {
  return image.digest.includes('@') && image.id ? image.id : image.digest
}

export function summaryOf(r: ExperimentRecord): RecordSummary {
  return {
    id: r.id,
    createdAt: r.createdAt,
    benchmark: r.benchmark.alias,
    image: r.image.alias,
    digest: imageIdentity(r.image),
    platform: r.platform,
    status: r.status,
    host: hostIdentity(r),
    limits: limitsText(r.limits),
    params: r.params,
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, s]) => [k, s.median])),
    tags: r.tags,
    ...sourceFields(r),
    ...(r.emulated ? { emulated: true } : {}),
  }
}

/** The index's fields for where a record comes from and its LoadGen scenario; only those it has. */
function sourceFields(r: ExperimentRecord): Partial<RecordSummary> {
  const src = r.source
  const fields: Partial<RecordSummary> = {
    source: src?.kind,
    round: src?.round,
    submitter: src?.submitter,
    division: src?.division,
    availability: src?.availability,
    system: src?.system,
    accelerator: src?.accelerator,
    accelerators: src?.accelerators,
    scenario: src?.scenario ?? scenarioOfFacts(r.loadgen),
    mode: src?.mode ?? r.loadgen?.mode,
    headline: src?.headline?.metric ?? r.loadgen?.headline?.metric,
  }
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
}
