// The contracts around the experiment store. RecordWriter is between `cmc run`
// (writer) and the store (owner of the on-disk layout): a run stages its logs
// and outputs in `dir`, then commit() publishes the record atomically;
// discard() removes the staging. RecordStore is what the reading commands
// (exp list, exp show, exp compare, report) ask, the same way whether the
// records are in a folder or on a hub (`--store https://HUB/PROJECT`); each
// kind's modules load only when a store of that kind is opened.
import { statSync } from 'node:fs'
import type { EventSink } from '../events.js'
import type { CompareOptions, Comparison } from './compare.js'
import { findStoreRoot, isHubAddress, storeUnusable } from './location.js'
import type { ExperimentRecord } from './record.js'
import type { RecordSummary } from './summary.js'

export interface RecordWriter {
  /** The run's staging folder: write logs (stdout.log, stderr.log) and outputs/ here. */
  readonly dir: string
  readonly id: string
  /** Atomically publish the record (record.json + the staged files). Returns the final folder. */
  commit(record: ExperimentRecord): Promise<string>
  discard(): Promise<void>
}

export interface RecordStore {
  /** The store's folder, or the hub's address */
  readonly where: string
  /** `cmc exp list`: summaries a query matches, sorted and limited */
  list(where: string | undefined, opts?: { sort?: string; limit?: number; events?: EventSink }): Promise<RecordSummary[]>
  /** `cmc exp show`: one record by id, id prefix or query */
  find(spec: string, events?: EventSink): Promise<ExperimentRecord>
  /** the whole records an id, prefix or query selects */
  records(spec: string, events?: EventSink): Promise<ExperimentRecord[]>
  /** `cmc exp compare A B` */
  compare(a: string, b: string, opts: CompareOptions, events?: EventSink): Promise<Comparison>
  /** where a record's files are, for a person to find them */
  recordPlace(id: string): string
  /** the last `maxBytes` of one of a record's logs; undefined when there is none */
  logTail(record: ExperimentRecord, name: string, maxBytes: number): Promise<string | undefined>
}

/**
 * The store `--store` (else CMC_STORE, else the nearest .cmc/, else ~/.cmc)
 * names: a hub's project for an address, else a folder; `create` makes the
 * folder (and reports one that cannot be made), as writing commands need.
 */
export async function openRecordStore(spec: string | undefined, opts: { create?: boolean; events?: EventSink } = {}): Promise<RecordStore> {
  const named = spec ?? process.env.CMC_STORE
  if (isHubAddress(named)) {
    const { remoteRecordStore } = await import('../hub/remoteStore.js')
    return remoteRecordStore(named, opts.events)
  }
  const [{ LocalRecordStore }, { openStore, Store }] = await Promise.all([import('./localRecordStore.js'), import('./store.js')])
  if (opts.create) return new LocalRecordStore(await openStore({ path: spec }))
  const root = findStoreRoot({ path: spec })
  // a store named on purpose that is not there is most often a typo: read as empty, and said
  if (!readableRoot(root) && named)
    opts.events?.({
      type: 'log',
      level: 'warn',
      message: `no store at ${root}: nothing was ever recorded there; check the path ${spec ? '--store' : 'CMC_STORE'} gives`,
    })
  return new LocalRecordStore(new Store(root))
}

/** Whether a store folder to read is there: one not made yet reads as empty, but a file in its place is a mistake to say. */
function readableRoot(root: string): boolean {
  try {
    if (!statSync(root).isDirectory()) throw storeUnusable(root, new Error('not a folder'))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw storeUnusable(root, e)
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    return false
  }
}
