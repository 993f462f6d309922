// The store in a folder as the reading commands see it (RecordStore): its
// queries through select.ts, its compares through compareSelections.ts.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import path from 'node:path'
import type { EventSink } from '../events.js'
import type { CompareOptions } from './compare.js'
import type { ExperimentRecord } from './record.js'
import { findRecord, querySummaries, selectRecords } from './select.js'
import type { Store } from './store.js'
import type { RecordStore } from './storeApi.js'

export class LocalRecordStore implements RecordStore {
  constructor(readonly store: Store) {}
  get where() {
    return this.store.root
  }
  async list(where: string | undefined, opts: { sort?: string; limit?: number; events?: EventSink } = {}) {
    return querySummaries(this.store, where, opts)
  }
  async find(spec: string, events?: EventSink) {
    return findRecord(this.store, spec, events)
  }
  async records(spec: string, events?: EventSink) {
    return selectRecords(this.store, spec, events)
  }
  async compare(a: string, b: string, opts: CompareOptions, events?: EventSink) {
    // loaded here: its statistics library is not for commands that only list
    const { compareSelections } = await import('./compareSelections.js')
    return compareSelections(this.store, a, b, opts, events)
  }
  recordPlace(id: string) {
    return this.store.recordDir(id)
  }
  async logTail(record: ExperimentRecord, name: string, maxBytes: number) {
    const file = path.join(this.store.recordDir(record.id), name)
    try {
      const size = statSync(file).size
      const fd = openSync(file, 'r')
      try {
        const buf = Buffer.alloc(Math.min(size, maxBytes))
        readSync(fd, buf, 0, buf.length, size - buf.length)
        return buf.toString('utf8')
      } finally {
        closeSync(fd)
      }
    } catch {
      return undefined
    }
  }
}
