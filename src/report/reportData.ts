// The data behind the HTML report and the dashboard: compact records (medians
// and 95% intervals per metric) and an optional comparison. Plain JSON.
import type { Comparison } from '../store/compare.js'
import type { ExperimentRecord } from '../store/record.js'

export interface ReportRecord {
  id: string
  createdAt: string
  benchmark: string
  /** the record's platform; an emulated run's is marked `arm64 (emulated)`, so that it is a series of its own */
  platform: string
  /** a published result's origin (imported with `cmc exp import --mlperf`): who published it, on what system */
  published?: { submitter: string; system: string; round?: string; scenario: string; accelerators?: number }
  /** the run went through an emulator: its timings are the emulator's */
  emulated?: boolean
  status: string
  params: Record<string, string | number | boolean>
  metrics: Record<string, { median: number; lo: number; hi: number; unit?: string }>
}

export interface ReportData {
  store: string
  generatedAt: string
  records: ReportRecord[]
  comparison?: Comparison
}

export function reportData(store: string, records: ExperimentRecord[], comparison?: Comparison): ReportData {
  return {
    store,
    generatedAt: new Date().toISOString(),
    records: records.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      benchmark: r.benchmark.alias,
      platform: r.emulated ? `${r.platform} (emulated)` : r.platform,
      ...(r.source
        ? {
            published: {
              submitter: r.source.submitter,
              system: r.source.system,
              round: r.source.round,
              scenario: r.source.scenario,
              accelerators: r.source.accelerators,
            },
          }
        : {}),
      ...(r.emulated && { emulated: true }),
      status: r.status,
      params: r.params,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, s]) => [k, { median: s.median, lo: s.ci95[0], hi: s.ci95[1], unit: s.unit }])),
    })),
    comparison,
  }
}
