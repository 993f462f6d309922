// A published MLPerf result as plain data, whichever way it came (a
// submission tree, a round's summary file), and the experiment record it
// becomes: marked with its source, holding only what the publication states.
import { createHash } from 'node:crypto'
import { loadgenHigherIsBetter, loadgenUnit, type LoadgenFacts } from '../collect/parseLoadgen.js'
import { summarize } from '../collect/summarize.js'
import type { ExperimentRecord, HostFingerprint, PublishedSource } from '../store/record.js'
import { cmcVersion } from '../version.js'

export interface PublishedResult {
  source: Omit<PublishedSource, 'key'>
  host: HostFingerprint
  metrics: Record<string, number>
  /** units of metrics LoadGen's names do not tell (accuracy) */
  units?: Record<string, string>
  loadgen?: LoadgenFacts
  /** when the run was made, where the logs say */
  ranAt?: string
  /** why a result is not valid */
  reason?: string
  /** the store holds this result already: only its source's key fields are set */
  present?: boolean
  /** files kept with the record: where they are, their path under the record's outputs/, and their bytes where read already */
  files: Array<{ from: string; to: string; bytes?: Buffer }>
}

/** What makes a result the same one on a second import: where it was published, for what. */
export function resultKey(s: Pick<PublishedSource, 'round' | 'division' | 'submitter' | 'system' | 'benchmark' | 'scenario' | 'mode'>): string {
  return ['mlperf', s.round ?? '', s.division, s.submitter, s.system, s.benchmark, s.scenario, s.mode].join('|')
}

/** The 8 hex digits a record id ends with, from the key (a salt tells apart two keys that share them). */
export function keyHash(key: string, salt = 0): string {
  return createHash('sha256')
    .update(salt ? `${key}#${salt}` : key)
    .digest('hex')
    .slice(0, 8)
}

/** A record id of the store's form, from a time and the key's hash. */
export function recordIdFor(at: Date, hash: string): string {
  const ts = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d{3})Z$/, '$1Z')
  return `${ts}-${hash}`
}

/** The record of a published result; `at` is when it ran where known, else the import's time. */
export function publishedRecord(p: PublishedResult, id: string, at: Date, outputs: ExperimentRecord['outputs']): ExperimentRecord {
  const key = resultKey(p.source)
  const metrics: ExperimentRecord['metrics'] = {}
  for (const [name, value] of Object.entries(p.metrics).sort(([a], [b]) => a.localeCompare(b))) {
    const unit = p.units?.[name] ?? loadgenUnit(name)
    const higherIsBetter = p.units?.[name] ? true : loadgenHigherIsBetter(name)
    metrics[name] = summarize([value], { ...(unit ? { unit } : {}), ...(higherIsBetter !== undefined ? { higherIsBetter } : {}) })
  }
  const createdAt = at.toISOString()
  return {
    format: 1,
    id,
    createdAt,
    cmcVersion,
    benchmark: { alias: p.source.benchmark, uid: '' },
    image: { alias: '', uid: '', planHash: '', ref: '', digest: '', id: '' },
    platform: 'published',
    params: {},
    repeats: [{ index: 0, metrics: p.metrics, exitCode: 0, durationMs: 0 }],
    metrics,
    status: p.source.valid ? 'ok' : 'failed',
    exitCode: null,
    ...(p.reason ? { reason: p.reason } : {}),
    host: p.host,
    command: '',
    env: {},
    devices: { paths: [], groups: [] },
    logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
    outputs,
    refused: [],
    timings: { buildMs: 0, startedAt: createdAt, endedAt: createdAt, totalMs: 0, runMs: [] },
    tags: ['mlperf', ...(p.source.round ? [`mlperf-${p.source.round}`] : [])],
    source: { ...p.source, key },
    ...(p.loadgen ? { loadgen: p.loadgen } : {}),
  }
}
