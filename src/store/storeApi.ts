// The contract between `cmc run` (writer) and the experiment store (owner of
// the on-disk layout). A run stages its logs and outputs in `dir`, then
// commit() publishes the record atomically; discard() removes the staging.
import type { ExperimentRecord } from './record.js'

export interface RecordWriter {
  /** The run's staging folder: write logs (stdout.log, stderr.log) and outputs/ here. */
  readonly dir: string
  readonly id: string
  /** Atomically publish the record (record.json + the staged files). Returns the final folder. */
  commit(record: ExperimentRecord): Promise<string>
  discard(): Promise<void>
}
