// The index line of a record: what queries, sorting and compare need without
// opening record.json (medians per metric, params, attributes).
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
  params: Record<string, string | number | boolean>
  metrics: Record<string, number>
  tags: string[]
}

export function summaryOf(r: ExperimentRecord): RecordSummary {
  return {
    id: r.id,
    createdAt: r.createdAt,
    benchmark: r.benchmark.alias,
    image: r.image.alias,
    digest: r.image.digest,
    platform: r.platform,
    status: r.status,
    host: r.host.hostname,
    params: r.params,
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, s]) => [k, s.median])),
    tags: r.tags,
  }
}
