// One experiment record per run (DESIGN.md "Experiment record"). Records are
// files first (record.json in the run's folder) so a store can be shared with
// git or a tarball; the index is derived from them.

export type RunStatus = 'ok' | 'failed' | 'timeout' | 'aborted'

export interface MetricSummary {
  n: number
  median: number
  mean: number
  min: number
  max: number
  stdev: number
  /** 95% confidence interval of the median (or mean for small n), [low, high]. */
  ci95: [number, number]
  unit?: string
  higherIsBetter?: boolean
}

export interface HostFingerprint {
  hostname: string
  os: string
  kernel: string
  arch: string
  cpuModel: string
  cores: number
  memoryBytes: number
  gpus: Array<{ vendor: string; model: string; driver?: string }>
  /** The engine: `name` is Docker or Podman (absent in records from before it was kept: Docker). */
  docker: { name?: string; version: string; apiVersion: string; os: string; arch: string; runtimes: string[] }
}

export interface OutputFile {
  path: string // relative to the record's outputs/ folder
  size: number
  sha256: string
}

/**
 * Where a log was cut: the file keeps its first `at` bytes, then a marker line,
 * then its last bytes; the `dropped` bytes after `at` are not kept. `total` is
 * what was written to the log (the benchmark's output and cmc's repeat headers).
 */
export interface LogCut {
  at: number
  dropped: number
  total: number
}

export interface ExperimentRecord {
  format: 1
  id: string // sortable: <utc timestamp>-<random>
  createdAt: string // ISO 8601
  cmcVersion: string
  benchmark: { alias: string; uid: string }
  /**
   * `digest` is the image's identity: its id (the config digest), the same on every engine and
   * registry the image travels through, and what compare, reproduce and queries match on. The
   * registry digests (`repo@sha256:...`) a push or pull gave it are kept beside it in `repoDigests`.
   * Records written before the identity was kept put a registry digest in `digest` when the engine
   * had one; `imageIdentity` reads those as their `id`.
   */
  image: { alias: string; uid: string; planHash: string; ref: string; digest: string; id: string; repoDigests?: string[] }
  platform: string
  params: Record<string, string | number | boolean>
  /** One entry per measured repeat (warmups excluded). */
  repeats: Array<{ index: number; metrics: Record<string, number>; exitCode: number; durationMs: number }>
  metrics: Record<string, MetricSummary>
  status: RunStatus
  exitCode: number | null
  /** Why a run failed, timed out or was aborted. */
  reason?: string
  host: HostFingerprint
  command: string
  env: Record<string, string> // secrets redacted as "***"
  devices: { gpus?: string; cdi?: string[]; paths: string[]; groups: string[] }
  /** --cpus and --memory, when the run was limited. */
  limits?: { cpus?: number; memoryBytes?: number }
  /** File names relative to the record folder; `cut` names the logs that outputs.maxLogBytes cut to their head and tail. */
  logs: { stdout: string; stderr: string; cut?: { stdout?: LogCut; stderr?: LogCut } }
  outputs: OutputFile[]
  refused: Array<{ path: string; reason: string }>
  timings: { buildMs: number; startedAt: string; endedAt: string; totalMs: number; runMs: number[] }
  tags: string[]
  /**
   * true when the image's architecture is not the engine host's: the run went
   * through an interpreter (qemu via binfmt), so its timings measure the
   * emulator, not the platform. false for a native run; absent in records
   * written before it was kept.
   */
  emulated?: boolean
  /** How an emulated run ran: the engine host's and the image's architecture, and the interpreter seen. */
  emulation?: { hostArch: string; imageArch: string; interpreter: string }
  /** Set by `cmc exp reproduce`: the record this one re-runs. */
  reproduces?: string
}
