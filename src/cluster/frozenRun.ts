// A prepared run (src/pipeline/runBenchmark.ts's RunContext) as plain data in
// a cluster job, so that the records of its tasks are made, long after the
// submitting process has gone, from exactly what was submitted: the plan, the
// image, env, repeats, timeout, devices. Only the store, the event sink and
// the host fingerprint belong to the process that imports them.
import type { EventSink } from '../events.js'
import type { RunContext, RunOptions } from '../pipeline/runBenchmark.js'
import type { HostFingerprint } from '../store/record.js'
import type { Store } from '../store/store.js'

/** What a record takes from `cmc run`'s options; the rest (signal, events, repos) belongs to the submitting process. */
type KeptOptions = Pick<RunOptions, 'target' | 'platform' | 'cpus' | 'memoryBytes' | 'tags' | 'reproduces'>

export type FrozenRun = Omit<RunContext, 'opts' | 'events' | 'store' | 'fingerprint'> & { opts: KeptOptions }

export function freezeRun(run: RunContext): FrozenRun {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the process's own parts are left out
  const { opts, events, store, fingerprint, ...data } = run
  const kept: KeptOptions = {
    target: opts.target,
    platform: opts.platform,
    cpus: opts.cpus,
    memoryBytes: opts.memoryBytes,
    tags: opts.tags,
    reproduces: opts.reproduces,
  }
  return JSON.parse(JSON.stringify({ ...data, opts: kept })) as FrozenRun
}

/** The run again, in this process: its records go to `store`, their host is the node's. */
export function thawRun(frozen: FrozenRun, store: Store, events: EventSink, host: HostFingerprint): RunContext {
  return { ...frozen, opts: { ...frozen.opts }, store, events, fingerprint: async () => host }
}
