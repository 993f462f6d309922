// A hub's project as a RecordStore (storeApi.ts): `--store https://HUB/PROJECT`
// makes exp list, exp show, exp compare and report ask the hub, which answers
// with the local store's own code over its database (hubQueries.ts). The
// warnings the hub's answer carries are the local command's, and are shown
// as the local ones are.
import { hubSettings } from '../config.js'
import type { EventSink } from '../events.js'
import type { CompareOptions, Comparison } from '../store/compare.js'
import type { ExperimentRecord } from '../store/record.js'
import type { RecordStore } from '../store/storeApi.js'
import type { RecordSummary } from '../store/summary.js'
import { hubClient } from './client.js'

const warn = (events: EventSink | undefined, warnings: string[] | undefined) => {
  for (const message of warnings ?? []) events?.({ type: 'log', level: 'warn', message })
}

export function remoteRecordStore(spec: string, events?: EventSink): RecordStore {
  const settings = hubSettings(spec)
  const client = hubClient(settings, { events, retryForMs: 5000 })
  const q = (params: Record<string, string | number | boolean | undefined>) => {
    const s = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== false) s.set(k, v === true ? '1' : String(v))
    return s.toString()
  }
  const done = <T>(p: Promise<T>) => p.finally(() => client.close())
  return {
    where: settings.address.url,
    list: (where, opts = {}) =>
      done(
        client.call<{ rows: RecordSummary[]; warnings: string[] }>('GET', `records?${q({ where, sort: opts.sort, limit: opts.limit })}`).then((a) => {
          warn(opts.events, a.warnings)
          return a.rows
        }),
      ),
    find: (spec, ev) =>
      done(
        client.call<{ record: ExperimentRecord; warnings: string[] }>('GET', `find?${q({ spec })}`).then((a) => {
          warn(ev, a.warnings)
          return a.record
        }),
      ),
    records: (spec, ev) =>
      done(
        client.call<{ records: ExperimentRecord[]; warnings: string[] }>('GET', `full?${q({ spec })}`).then((a) => {
          warn(ev, a.warnings)
          return a.records
        }),
      ),
    compare: (a: string, b: string, opts: CompareOptions, ev?: EventSink) =>
      done(
        client
          .call<{ comparison: Comparison; warnings: string[] }>(
            'GET',
            `compare?${q({
              a,
              b,
              'noise-band': opts.noiseBand,
              'allow-mixed': opts.allowMixed,
              'allow-different-images': opts.allowDifferentImages,
              'allow-different-hosts': opts.allowDifferentHosts,
              'allow-emulated': opts.allowEmulated,
              per: opts.per,
            })}`,
          )
          .then((x) => {
            warn(ev, x.warnings)
            return x.comparison
          }),
      ),
    recordPlace: (id) => `${settings.address.origin}/p/${settings.address.project}/r/${id}`,
    logTail: async (record, name, maxBytes) => {
      const bytes = await client.file(record.id, name)
      return bytes && bytes.subarray(Math.max(0, bytes.length - maxBytes)).toString('utf8')
    },
  }
}
