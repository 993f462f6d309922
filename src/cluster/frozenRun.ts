// A prepared run (src/pipeline/runBenchmark.ts's RunContext) as plain data in
// a cluster job, so that the records of its tasks are made, long after the
// submitting process has gone, from exactly what was submitted: the plan, the
// image, env, repeats, timeout, devices. Only the store, the event sink and
// the host fingerprint belong to the process that imports them.
import { readFileSync, writeFileSync } from 'node:fs'
import { REDACTED } from '../collect/redactEnv.js'
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
  const frozen = JSON.parse(JSON.stringify({ ...data, opts: kept })) as FrozenRun
  // a declared secret's value is the container's only (src/pipeline/secrets.ts): the job keeps its name
  for (const name of run.benchmark.secrets) if (name in frozen.env) frozen.env[name] = REDACTED
  return frozen
}

/** The values of the run's declared secrets, kept apart from the job in a file only its owner reads. */
export function saveSecrets(run: RunContext, file: string): void {
  const values = Object.fromEntries(run.benchmark.secrets.filter((n) => run.env[n] !== undefined).map((n) => [n, run.env[n]!]))
  if (Object.keys(values).length) writeFileSync(file, JSON.stringify(values), { mode: 0o600 })
}

/** The secret values a job's file holds (none when it has none). */
export function readSecrets(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

/** The run again, in this process: its records go to `store`, their host is the node's. */
export function thawRun(frozen: FrozenRun, store: Store, events: EventSink, host: HostFingerprint): RunContext {
  return { ...frozen, opts: { ...frozen.opts }, store, events, fingerprint: async () => host }
}

/** A frozen run with its secret values back (from the job folder's secrets file), for what must see them: the containers and the log redaction. */
export function withSecrets<T extends { env: Record<string, string> }>(frozen: T, file: string): T {
  const values = readSecrets(file)
  return Object.keys(values).length ? { ...frozen, env: { ...frozen.env, ...values } } : frozen
}
