// Errors are values: a stable code, a message a user understands, the hint that
// fixes it and, for meta, the file and position. Every code is in ERROR_CODES
// with its category, which gives the exit code (EXIT_CODES); `--json` users
// read these codes, and docs/errors.md lists them. A stack trace is printed
// only for bugs.

export type ErrorCategory =
  | 'input' // bad meta, bad query, bad flags: exit 2
  | 'engine' // no daemon, daemon died: exit 3
  | 'build' // a build step failed: exit 4
  | 'run' // the benchmark failed: exit 5
  | 'device' // GPU/device passthrough not possible: exit 6
  | 'base' // base image not available: exit 7
  | 'registry' // push/pull failures: exit 8
  | 'store' // experiment store problems: exit 9
  | 'scheduler' // Slurm or Kubernetes cannot be reached, or refuses a job: exit 10
  | 'timeout' // a run or build hit its time limit: exit 124
  | 'aborted' // Ctrl-C: exit 130
  | 'internal' // a bug: exit 1

export const EXIT_CODES: Record<ErrorCategory, number> = {
  internal: 1,
  input: 2,
  engine: 3,
  build: 4,
  run: 5,
  device: 6,
  base: 7,
  registry: 8,
  store: 9,
  scheduler: 10,
  timeout: 124,
  aborted: 130,
}

/** Every error code cmc reports: its category (so its exit code) and what it means. */
export const ERROR_CODES = {
  USAGE: ['input', "the command line cannot be read: an unknown flag or command, a missing argument, a value not among a flag's options"],
  FLAG_VALUE: ['input', "a flag's value is out of range or malformed (--cpus, --memory, --set and --env without KEY=VALUE)"],
  META_YAML: ['input', 'a meta file is not valid YAML or JSON (file:line:col)'],
  META_READ: ['input', 'a meta file cannot be read'],
  META_KIND: ['input', 'a meta file has no kind, or an unknown one'],
  META_ALIAS: ['input', 'a meta file has no alias'],
  META_UNKNOWN_KEY: ['input', 'a meta file has a key the schema does not know (the nearest valid key is named)'],
  META_MISSING_KEY: ['input', 'a meta file lacks a required key'],
  META_INVALID: ['input', 'a meta value has the wrong type or form'],
  ARTIFACT_NOT_FOUND: ['input', 'no artifact has this alias or uid'],
  ARTIFACT_AMBIGUOUS: ['input', 'an alias or uid names several artifacts, a CM script among them (each is listed with the repo:alias that picks it)'],
  CM_VARIATION_INVALID: ['input', "a CM script's variation tags, base or default variations name no variation of it, or two of one group"],
  CM_NEEDS_MLC: [
    'input',
    'a CM/MLC script is named to build or run, or an image includes one: they run only under the MLC runtime (cmc plans them; it does not build them)',
  ],
  ARTIFACT_EXISTS: ['input', '`cmc add` or `cmc import --meta-dir` would overwrite an existing artifact folder'],
  TARGET_KIND: ['input', 'the artifact is of a kind this command does not take (a component for `cmc plan`)'],
  NOT_A_BENCHMARK: ['input', '`cmc run` was given an image'],
  DEP_NOT_FOUND: ['input', "no artifact matches a dependency's tags"],
  DEP_NOT_ON_PLATFORM: ['input', 'a dependency exists but not for the chosen platform'],
  DEP_CYCLE: ['input', 'the dependency graph has a cycle (printed as a -> b -> a)'],
  VARIATION_CONFLICT: ['input', 'two variations of one group are selected'],
  VERSION_RANGE_INVALID: ['input', 'a version constraint is not a semver range'],
  VERSION_UNSATISFIABLE: ['input', 'no candidate satisfies a version constraint'],
  PLATFORM_UNKNOWN: ['input', 'no platform profile has this name'],
  PLATFORM_NOT_SUPPORTED: ['input', 'the image does not target this platform'],
  PARAM_UNKNOWN: ['input', '`--set` names a param the benchmark does not declare'],
  PARAM_VALUE: ['input', 'a `--set` value does not fit the param (its type or its values)'],
  COMMAND_TEMPLATE: ['input', 'a benchmark command uses a placeholder that is not a param'],
  METRICS_REGEX: ['input', 'a regex metric pattern does not compile'],
  CONTEXT_MISSING: ['input', 'a file named in `files:` does not exist'],
  INPUT_MISSING: ['input', "a benchmark's `inputs:` path does not exist (checked before the engine would make an empty folder)"],
  CONTEXT_OUTSIDE: ['input', 'a path named in `files:` leads out of the artifact folder (through a linked folder)'],
  GPUS_INVALID: ['input', '`--gpus` is not all, a count or device=IDs'],
  CDI_INVALID: ['input', 'a `--cdi` name is not vendor.com/class=name'],
  DEVICE_INVALID: ['input', 'a `--device` is not host[:container[:perms]]'],
  CONTAINER_CREATE_FAILED: ['input', "the engine refused the container's configuration (limits, devices, mounts)"],
  NO_BUILDKIT: ['input', '`--builder buildkit` on an engine without BuildKit (Podman)'],
  BASE_BOOTSTRAP_UNSUPPORTED: ['input', '`cmc base bootstrap` of an image it cannot make'],
  REPO_SOURCE: ['input', '`cmc repo add` of something that is not a folder, git URL or archive'],
  REPO_NOT_A_REPO: ['input', 'the folder holds no cmc-repo.yaml and no CM/MLC marker (cmr.yaml, meta.yaml)'],
  REPO_NOT_FOUND: ['input', 'no registered repo has this name'],
  REPO_NAME_TAKEN: ['input', 'another registered repo has this name (`--replace` takes it over)'],
  REPO_CLONE_FAILED: ['input', 'git could not clone the URL'],
  REPO_ARCHIVE_UNSAFE: ['input', 'a repo archive holds paths that leave its folder'],
  REPO_ARCHIVE_CORRUPT: ['input', 'a repo archive cannot be unpacked: it is damaged, cut short or not the format its name says'],
  RECORD_NOT_FOUND: ['input', 'no record has this id, id prefix or matches this query'],
  RECORD_AMBIGUOUS: ['input', 'an id prefix matches several records'],
  QUERY_SYNTAX: ['input', 'a query cannot be parsed (the position is shown)'],
  SORT_INVALID: ['input', '`--sort` names an unknown field or direction'],
  COMPARE_EMPTY: ['input', 'a side of a comparison selects no records'],
  COMPARE_DIFFERENT_IMAGES: ['input', 'the sides ran different images on one platform (`--allow-different-images`)'],
  COMPARE_DIFFERENT_HOSTS: ['input', 'the sides ran on different hosts (`--allow-different-hosts`)'],
  COMPARE_MIXED: ['input', 'a side mixes runs of different benchmarks, params or limits (`--allow-mixed`)'],
  COMPARE_EMULATED: ['input', 'a side ran emulated (another architecture than its host) and the other did not, or on another host (`--allow-emulated`)'],
  COMPARE_NO_COMMON_METRIC: ['input', "the two sides have no metric in common (each side's metrics are named)"],
  COMPARE_PUBLISHED_MIXED: ['input', 'a side pools published results of different systems, submitters, divisions or rounds (`--allow-mixed`)'],
  EXPORT_FORMAT: ['input', 'the export format cannot be told from the file name or --format'],
  IMPORT_MISSING: ['input', 'the file to import does not exist'],
  IMPORT_FORMAT: ['input', 'the file to import is not a bundle or JSON Lines'],
  IMPORT_CORRUPT: ['input', 'the file to import is damaged'],
  COMPARE_RESULTS_DIFFER: [
    'input',
    'MLPerf results of different scenarios, modes, headline metrics or units (or a run with no LoadGen result) were to be compared',
  ],
  COMPARE_NO_ACCELERATORS: ['input', '`--per accelerator` for a run whose accelerator count is not known, or for a latency'],
  EXPORT_NO_LOADGEN: ['input', '`exp export --format mlperf` selected no record whose outputs hold LoadGen logs'],
  EXPORT_SYSTEM_FIELDS: [
    'input',
    "`exp export --format mlperf`: the --system file cannot be read, is not a JSON object or its measurements is not one, or a record's submission fields are missing",
  ],
  EXPORT_TARGET_NOT_EMPTY: ['input', '`exp export --format mlperf`: the -o folder already holds files, which the tree would be mixed with or overwrite'],
  OUTPUT_UNWRITABLE: [
    'input',
    'a file or folder to write (`-o`, `--job-dir`) cannot be written or made: its folder is missing, not writable, or takes no new folders',
  ],
  LISTEN_FAILED: ['input', '`cmc dashboard` cannot listen on the address: the port is taken or privileged, or the host is not this machine'],
  BUNDLE_INVALID: ['input', 'the file is not a `cmc export` bundle'],
  IMAGE_NOT_BUILT: ['input', 'the image has not been built on this engine (`cmc build`)'],
  IMAGE_MISSING: ['input', 'the recorded image is not on this engine (`cmc pull`, `cmc import`)'],
  DOCKER_HOST_INVALID: ['input', 'DOCKER_HOST or the docker context names no usable address'],
  DOCKER_CERT_PATH_INVALID: ['input', 'DOCKER_CERT_PATH lacks ca.pem, cert.pem or key.pem'],
  DOCKER_ENDPOINT_UNREADABLE: ['input', "the endpoint's certificates or ssh key cannot be read"],
  HUB_URL_INVALID: ['input', 'a hub address (`--store`, `--to`, `--from`, CMC_HUB) is not http(s)://HOST[:PORT]/PROJECT'],
  HUB_TOKEN_MISSING: [
    'input',
    '`cmc exp push` or `cmc hub token` against a hub has no token (CMC_HUB_TOKEN or ~/.cmc/config.yaml); reading a public project needs none',
  ],
  HUB_UNAUTHORIZED: ['input', 'the hub refused the token: missing, wrong, revoked, or without the scope or project (401/403)'],
  HUB_REQUEST_INVALID: ['input', 'the hub refused a request: malformed JSON, a record failing the schema, a body or file over its limit, an unsafe file name'],
  HUB_RECORD_CONFLICT: ['input', 'a record pushed under an id the hub holds with other content (records are immutable)'],
  HOST_NOT_ALLOWED: ['input', 'the dashboard or hub was asked with a Host or Origin header of another site (DNS rebinding, cross-site requests)'],
  CONFIG_INVALID: ['input', '~/.cmc/config.yaml cannot be read, is not YAML, or has an unknown key or a value of the wrong kind'],
  CONFIG_INSECURE: ['input', '~/.cmc/config.yaml holds a token others may read, is writable by everyone, or is in a folder everyone may write to'],
  CLUSTER_FLAG: ['input', 'a cluster flag (`--partition`, `--registry`, ...) without `--on`, or one the chosen backend does not take'],
  PARTITION_UNKNOWN: ['input', '`--partition` names no partition of the Slurm cluster (its partitions are listed)'],
  CLUSTER_NO_GPUS: ['input', "`--gpus-per-task` or `--gres` asks for GPUs the partition's nodes do not have"],
  JOB_DIR_NOT_SHARED: ['input', "the job folder is on this machine's own disk while the partition's nodes are other hosts (`--job-dir`)"],
  JOB_NOT_FOUND: ['input', 'no submitted cluster job has this id (`cmc jobs` lists them)'],
  KUBE_JOB_INVALID: ['input', 'the Kubernetes Job cmc made fails the Kubernetes API schema (the field is named)'],
  KUBE_INPUTS_TOO_LARGE: ['input', "a benchmark's `inputs:` are more than the ConfigMap that gives them to Kubernetes pods holds (1 MiB)"],
  NO_DAEMON: ['engine', 'no Docker engine answers at the endpoint (how to start one is shown)'],
  DAEMON_LOST: ['engine', 'the engine stopped answering during the command'],
  BUILD_FAILED: ['build', 'a build step failed (the step and the tail of its log are shown)'],
  BUILD_REQUEST_FAILED: ['build', 'the engine refused the build request'],
  BUILD_UNTAGGED: ['build', 'the build finished without an image'],
  BENCHMARK_FAILED: ['run', 'a benchmark exited non-zero or produced no metrics (recorded with its logs)'],
  CONTAINER_START_FAILED: ['run', 'the engine could not start the container (its message is shown)'],
  METRICS_JSON: ['run', "the benchmark's JSON metrics file is missing or not JSON"],
  NO_GPU_RUNTIME: ['device', 'the engine has no NVIDIA runtime for --gpus (what to install is shown)'],
  NO_CDI: ['device', 'the engine does not know the CDI device'],
  NO_ROCM_GPU: ['device', '/dev/kfd or /dev/dri is missing for a ROCm run'],
  DEVICE_MISSING: ['device', 'a recorded or given host device does not exist here (`--device`)'],
  DEVICE_UNUSABLE: ['device', 'the engine cannot pass the device through'],
  BASE_MISSING: ['base', 'a base image is not available (pull, mirror map, `cmc base bootstrap`)'],
  BASE_ARCH_MISMATCH: ['base', "the base image's architecture is not the platform's"],
  BASE_BOOTSTRAP_TOOL: ['base', 'debootstrap or qemu is missing for `cmc base bootstrap`'],
  BASE_BOOTSTRAP_ROOT: ['base', '`cmc base bootstrap` needs root'],
  BASE_BOOTSTRAP_EMULATION: ['base', 'the foreign architecture cannot run (no qemu binfmt)'],
  BASE_BOOTSTRAP_FAILED: ['base', 'debootstrap failed (its log tail is shown)'],
  PUSH_FAILED: ['registry', 'the registry refused or did not answer a push'],
  PULL_FAILED: ['registry', 'the registry refused or did not answer a pull'],
  LOAD_FAILED: ['registry', 'the engine could not load an image archive'],
  HUB_RATE_LIMITED: ['store', 'the hub refuses this address for a while after many wrong tokens (429)'],
  HUB_UNREACHABLE: ['store', 'the hub does not answer at its address, after retries'],
  HUB_DB_UNREACHABLE: [
    'store',
    '`cmc hub` cannot reach its PostgreSQL database (how to start one is shown); a client is told so when the hub answers but its database does not, after retries',
  ],
  REGISTRY_UNREACHABLE: ['registry', "`--registry` does not answer, or is this machine's loopback while the nodes are other hosts"],
  RECORD_CORRUPT: ['store', 'a record file is damaged (skipped; `cmc exp reindex`)'],
  OUTPUTS_NOT_WRITTEN: ['store', "the run's outputs could not be written into the store (a full disk)"],
  RECORDS_NOT_WRITTEN: ['store', 'an import could not write a record (a full disk, a file in its path); those before it are indexed'],
  STORE_UNUSABLE: ['store', 'the store folder cannot be made or read: a file is in its path or in its place, or it is not writable'],
  HOME_UNUSABLE: ['input', "cmc's home (CMC_HOME, else ~/.cmc) is not a folder: a file is in its place or its path"],
  SCHEDULER_MISSING: ['scheduler', "the scheduler's commands (sbatch, squeue, scancel) are not installed here"],
  SCHEDULER_UNREACHABLE: ['scheduler', 'slurmctld (or the Kubernetes API server) does not answer (how to start or reach it is shown)'],
  SUBMIT_REFUSED: ['scheduler', 'the scheduler refused the job (its message is shown); nothing was submitted'],
  TIMEOUT: ['timeout', 'a run or build hit its time limit (the container was stopped and removed)'],
  ABORTED: ['aborted', 'interrupted by Ctrl-C (the container or build was stopped)'],
  RECORD_INVALID: ['internal', 'a record about to be written is incomplete (a bug)'],
  INTERNAL: ['internal', 'an unexpected error (a bug: please report it with --json output)'],
} as const satisfies Record<string, readonly [ErrorCategory, string]>

export type ErrorCode = keyof typeof ERROR_CODES

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

export interface SourcePosition {
  file: string
  line?: number // 1-based
  col?: number // 1-based
}

export interface CmcErrorOptions {
  hint?: string
  where?: SourcePosition
  cause?: unknown
  /** Extra lines shown under the message (a build log tail, a list of candidates). */
  details?: string[]
  /** Structured data for --json consumers. */
  data?: Record<string, unknown>
}

export class CmcError extends Error {
  readonly code: ErrorCode
  readonly category: ErrorCategory
  readonly hint?: string
  readonly where?: SourcePosition
  readonly details: string[]
  readonly data?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, opts: CmcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'CmcError'
    this.category = ERROR_CODES[code][0]
    this.code = code
    this.hint = opts.hint
    this.where = opts.where
    this.details = opts.details ?? []
    this.data = opts.data
  }

  get exitCode(): number {
    return EXIT_CODES[this.category]
  }

  /** `file:line:col` when known. */
  get location(): string | undefined {
    if (!this.where) return undefined
    const { file, line, col } = this.where
    return line ? `${file}:${line}${col ? `:${col}` : ''}` : file
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      category: this.category,
      message: this.message,
      hint: this.hint,
      where: this.where,
      details: this.details.length ? this.details : undefined,
      data: this.data,
      exitCode: this.exitCode,
    }
  }
}

export function isCmcError(e: unknown): e is CmcError {
  return e instanceof CmcError
}

/** Render an error for a terminal: location, message, details, hint. No stack. */
export function formatError(e: CmcError): string {
  const lines: string[] = []
  const loc = e.location
  lines.push(`error[${e.code}]: ${loc ? `${loc}: ` : ''}${e.message}`)
  for (const d of e.details) lines.push(`  ${d}`)
  if (e.hint) lines.push(`hint: ${e.hint}`)
  return lines.join('\n')
}
