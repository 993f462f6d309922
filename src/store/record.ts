// One experiment record per run (DESIGN.md "Experiment record"). Records are
// files first (record.json in the run's folder) so a store can be shared with
// git or a tarball; the index is derived from them.

import type { LoadgenFacts } from '../collect/parseLoadgen.js'

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
  /** Where the file's data starts in the record's `outputsTar`; absent for a file under outputs/. */
  offset?: number
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
  /**
   * The outputs kept in one uncompressed POSIX tar in the record's folder (its
   * name, e.g. `kept.tar`) rather than under outputs/: imported published
   * results. Each output's `offset` says where its data starts. Read them
   * through src/store/keptFiles.ts. Absent: the outputs are under outputs/.
   */
  outputsTar?: string
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
  /**
   * A result published elsewhere and imported (`cmc exp import --mlperf`): not
   * a run on this machine. Its `host` holds only what the publication states
   * (`hostname` is `mlperf:<submitter>/<system>`, unknown parts empty or 0).
   */
  source?: PublishedSource
  /** What a run's LoadGen logs state besides its metrics: scenario, mode, test settings, headline, early stopping. */
  loadgen?: LoadgenFacts
  /** Set by `cmc exp reproduce`: the record this one re-runs. */
  reproduces?: string
  /**
   * Where a cluster ran the point (`cmc run --on slurm|kubernetes`): the
   * scheduler, its cluster, job and array index, the node and partition (or
   * namespace); `host` is then that node's own fingerprint. Absent for a run
   * on this machine's engine.
   */
  scheduler?: SchedulerProvenance
}

/** A cluster task's provenance (ExperimentRecord.scheduler). */
export interface SchedulerProvenance {
  kind: 'slurm' | 'kubernetes'
  cluster: string
  /** The scheduler's job id (Slurm: the array job id; Kubernetes: namespace/name). */
  jobId: string
  /** Slurm's id of the task itself (JOBID_INDEX); the pod's name on Kubernetes. */
  taskId?: string
  arrayIndex: number
  node: string
  /** Slurm's partition, Kubernetes' namespace. */
  partition?: string
  /** cmc's own id of the submission (`cmc jobs`). */
  cmcJob: string
}

/** Where an imported record was published (ExperimentRecord.source). */
export interface PublishedSource {
  kind: 'mlperf'
  /** the round, e.g. v4.1, when the tree or summary says */
  round?: string
  submitter: string
  /** closed, open or network */
  division: string
  /** available, preview or rdi */
  availability?: string
  /** the system's id: its folder under results/ and its systems/<id>.json */
  system: string
  systemName?: string
  systemType?: string
  benchmark: string
  scenario: string
  /** PerformanceOnly or AccuracyOnly */
  mode: string
  accelerator?: string
  /** accelerators in the whole system (per node times nodes) */
  accelerators?: number
  hostProcessor?: string
  framework?: string
  operatingSystem?: string
  /** the result MLPerf reports: one of the record's metrics, with its unit */
  headline?: { metric: string; value: number; unit: string; higherIsBetter: boolean }
  valid: boolean
  /** the accuracy as the submission states it (accuracy.txt, or the summary's Accuracy column) */
  accuracy?: string
  /** per compliance test (TEST01...): passed, failed, or missing */
  compliance?: Record<string, 'passed' | 'failed' | 'missing'>
  /** the system description and measurements.json as published */
  systemDescription?: Record<string, unknown>
  measurements?: Record<string, unknown>
  /** the path in the tree (or the summary file and row) the record came from */
  from: string
  /** what makes a result the same one on a second import */
  key: string
}
