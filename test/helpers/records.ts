// Constructed experiment records for the compare tests: per-repeat values per
// metric, summarized as a run would be, with any field overridden; and a way
// to publish them into a real store.
import { summarize } from '../../src/collect/summarize.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import type { Store } from '../../src/store/store.js'

let seq = 0

export type RecordOverrides = Partial<ExperimentRecord> & { digest?: string; hostname?: string; hib?: Record<string, boolean> }

/** A successful run of `bench` on `img` with these per-repeat values (the longest list gives the repeat count). */
export function recordOf(values: Record<string, number[]>, over: RecordOverrides = {}): ExperimentRecord {
  const { digest = 'sha256:img1', hostname = 'lab-1', hib = {}, ...rest } = over
  const n = Math.max(0, ...Object.values(values).map((v) => v.length))
  const id = `20261124T1000${String(seq).padStart(5, '0')}Z-${(seq++).toString(16).padStart(8, '0')}`
  return {
    format: 1,
    id,
    createdAt: '2026-11-24T10:00:00.000Z',
    cmcVersion: '0.1.0',
    benchmark: { alias: 'bench', uid: 'u-bench' },
    image: { alias: 'img', uid: 'u-img', planHash: 'p', ref: 'cmc/img:x', digest, id: 'sha256:id' },
    platform: 'x86_64',
    params: {},
    repeats: Array.from({ length: n }, (_, i) => ({
      index: i,
      metrics: Object.fromEntries(
        Object.entries(values)
          .filter(([, v]) => i < v.length)
          .map(([k, v]) => [k, v[i]]),
      ),
      exitCode: 0,
      durationMs: 1000,
    })),
    metrics: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, summarize(v, { higherIsBetter: hib[k] })])),
    status: 'ok',
    exitCode: 0,
    host: {
      hostname,
      os: 'linux',
      kernel: '6.1',
      arch: 'x86_64',
      cpuModel: 'cpu',
      cores: 8,
      memoryBytes: 1,
      gpus: [],
      docker: { version: '24', apiVersion: '1.43', os: 'linux', arch: 'amd64', runtimes: ['runc'] },
    },
    command: 'bench',
    env: {},
    devices: { paths: [], groups: [] },
    logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
    outputs: [],
    refused: [],
    timings: { buildMs: 0, startedAt: '2026-11-24T10:00:00.000Z', endedAt: '2026-11-24T10:00:05.000Z', totalMs: 5000, runMs: [] },
    tags: [],
    ...rest,
  }
}

/** Publish records through the store's writer (it gives the ids); returns them as stored. */
export async function putRecords(store: Store, records: ExperimentRecord[]): Promise<ExperimentRecord[]> {
  const out: ExperimentRecord[] = []
  for (const r of records) {
    const w = await store.begin()
    const stored = { ...r, id: w.id }
    await w.commit(stored)
    out.push(stored)
  }
  return out
}
