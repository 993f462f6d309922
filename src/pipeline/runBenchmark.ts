// `cmc run` end to end: build (or reuse) the image, expand the sweep, run
// warm-ups and repeats each in a fresh container, collect outputs safely,
// parse metrics, summarize, and commit one record per sweep point.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { repeatMetrics, summarizeRepeats } from '../collect/benchmarkMetrics.js'
import { collectOutputs } from '../collect/collectOutputs.js'
import { declareScenario, loadgenOfOutputs } from '../collect/parseLoadgen.js'
import { SCENARIO_NAMES } from '../collect/scenarios.js'
import { redactEnv } from '../collect/redactEnv.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { deviceFlag, hostConfigForDevices, type DeviceHostConfig, type DeviceSpec } from '../engine/devices.js'
import { engineVersion, pingEngine } from '../engine/docker.js'
import { imageInfo } from '../engine/images.js'
import { checkGpuSupport, emulationOf, engineInfo, hostFingerprint, registryDigest, type Emulation } from '../engine/info.js'
import { isEngineLost, runContainer, type ContainerOutputs, type ContainerRun, type ContainerSpec, type RunHooks } from '../engine/run.js'
import type { BenchmarkMeta } from '../meta/schema.js'
import { loadIndex, type ArtifactIndex } from '../repos/index.js'
import type { BuildPlan, PlanBenchmark } from '../resolve/plan.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { findTarget, resolvePlan } from '../resolve/resolvePlan.js'
import type { ExperimentRecord, HostFingerprint, OutputFile, RunStatus } from '../store/record.js'
import type { RecordWriter } from '../store/storeApi.js'
import { newRecordId, openStore, type Store } from '../store/store.js'
import { cmcVersion } from '../version.js'
import { buildFromPlan, type BuilderChoice } from './buildImage.js'
import { PointLogs } from './pointLogs.js'
import { secretValues } from './secrets.js'
import { expandSweep, paramLabel, renderCommand, type ParamValue } from './sweep.js'

export interface RunOptions {
  target: string
  platform?: string
  sets?: Record<string, string>
  repeat?: number
  warmup?: number
  gpus?: string
  cdi?: string[]
  devices?: string[]
  cpus?: number
  memoryBytes?: number
  timeoutS?: number
  env?: Record<string, string>
  storePath?: string
  extraRepos?: string[]
  builder?: BuilderChoice
  /** Use this image (ref or id) instead of building: `cmc exp reproduce`. */
  pinnedImage?: string
  /** The points run on other machines (a cluster): this engine builds the image, its devices are not theirs. */
  elsewhere?: boolean
  reproduces?: string
  tags?: string[]
  events?: EventSink
  signal?: AbortSignal
  /** How long a container waits for an engine that stops answering before the run gives up (DAEMON_LOST); default DEFAULT_ENGINE_WAIT_MS. */
  engineWaitS?: number
}

/** What every sweep point of one `cmc run` shares (plain data but for store, events and fingerprint: src/cluster keeps the rest in a job). */
export interface RunContext {
  opts: RunOptions
  events: EventSink
  plan: BuildPlan
  benchmark: PlanBenchmark
  image: RunImage
  buildMs: number
  store: Store
  /** The devices as asked for (recorded) and as the engine is given them. */
  devices: { spec: DeviceSpec; hostConfig: DeviceHostConfig }
  env: Record<string, string>
  repeat: number
  warmup: number
  timeoutMs: number
  /** What each log of a record keeps: its head and tail (outputs.maxLogBytes). */
  maxLogBytes: number
  fingerprint: () => Promise<HostFingerprint>
  /** How the image runs on this engine when not natively (another architecture). */
  emulation?: Emulation
}

export interface RunImage {
  ref: string
  id: string
  digest?: string
  /** every registry digest the engine knows for the image (a push or pull per registry repository) */
  repoDigests?: string[]
  planHash: string
  /** The image's architecture, as the engine said when the image was looked up. */
  arch?: string
}

/** One sweep point as it runs: its record id, staging folder, logs and command. */
export interface Point {
  id: string
  index: number
  params: Record<string, ParamValue>
  writer: RecordWriter
  logs: PointLogs
  command: string
  startedAt: Date
  /** Where the point ran elsewhere (a cluster task): when it ended, the scheduler's provenance, why the scheduler stopped it. */
  ran?: { endedAt: Date; scheduler: ExperimentRecord['scheduler']; reason?: string }
}

/** What a point's containers gave, gathered repeat by repeat. */
export interface PointOutcome {
  repeats: ExperimentRecord['repeats']
  outputs: OutputFile[]
  refused: ExperimentRecord['refused']
  status: RunStatus
  exitCode: number | null
  reason?: string
  runMs: number[]
  logsCut?: ExperimentRecord['logs']['cut']
  /** The engine stopped answering and did not come back: the point is recorded failed, then the run ends with this. */
  engineLost?: CmcError
}

/** One container of a point, and the lines of its stdout the regex metrics last matched. */
export type Attempt = ContainerRun & { metricLines: string }

/**
 * How a point's containers run: here, on the engine (runContainer), or
 * replayed from what a cluster task left (src/cluster). Either way the output
 * goes through the same hooks, so that one loop makes the repeats, their logs
 * and metrics, and one function the record.
 */
export type ContainerRunner = (
  run: RunContext,
  point: Point,
  attempt: number,
  hooks: Pick<RunHooks, 'onOutput' | 'onExit' | 'afterExit'>,
) => Promise<ContainerRun>

/** A point as runPoint is told to record it: run here and now, or replayed from where it ran. */
export interface PointExecution {
  container: ContainerRunner
  startedAt?: Date
  ran?: Point['ran']
}

/** The containers of a point, run on this machine's engine. */
const onThisEngine: ContainerRunner = (run, point, _attempt, hooks) =>
  runContainer(containerSpec(run, point), {
    timeoutMs: run.timeoutMs,
    signal: run.opts.signal,
    engineWaitMs: run.opts.engineWaitS === undefined ? undefined : run.opts.engineWaitS * 1000,
    events: run.events,
    ...hooks,
  })

/** What each log of a record keeps when the benchmark's meta does not say. */
const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024

export async function runBenchmark(opts: RunOptions): Promise<ExperimentRecord[]> {
  const { run, points } = await prepareRun(opts)
  const records: ExperimentRecord[] = []
  for (const [pointIndex, params] of points.entries()) {
    if (opts.signal?.aborted) break
    const record = await runPoint(run, pointIndex, params, points.length)
    records.push(record)
    if (record.status === 'aborted') break
  }
  return records
}

/** Everything the points of a run share, up to the image built: what `cmc run` does before its first container, here or on a cluster. */
export async function prepareRun(opts: RunOptions): Promise<{ run: RunContext; points: Array<Record<string, ParamValue>> }> {
  const events = opts.events ?? (() => {})
  // the engine answers /version while the index loads, and /info (the emulation check
  // and the host fingerprint), which a run here asks anyway, while the image is checked
  engineVersion().catch(() => {})
  if (!opts.elsewhere) engineInfo().catch(() => {})
  const index = await loadIndex({ extraRepos: opts.extraRepos, events, target: opts.target })
  const { plan, benchmark } = resolveBenchmark(index, opts)
  const points = expandSweep(benchmark.params, opts.sets ?? {}, { recorded: opts.reproduces !== undefined })
  // a scenario no point can stand for is said before a build
  for (const params of points) declaredScenario(benchmark, params)
  const spec = deviceSpec(benchmark, plan.platform.devices.gpu, opts)
  const devices = { spec, hostConfig: hostConfigForDevices(spec) }
  // checked again for each container; here, so that a missing input is said before a build
  inputMounts(benchmark)
  await pingEngine()
  const fingerprint = fingerprintOnce(events)
  if (!opts.elsewhere) await checkDeviceSupport(devices.hostConfig)
  const buildStarted = Date.now()
  const image = await imageToRun(plan, opts, events)
  const buildMs = Date.now() - buildStarted
  // a cluster's nodes are not this engine: whether they emulate is theirs to say
  const emulation = opts.elsewhere ? undefined : await imageEmulation(image, plan, events)
  const store = await openStore({ path: opts.storePath })
  const run: RunContext = {
    opts,
    events,
    plan,
    benchmark,
    image,
    buildMs,
    store,
    devices,
    fingerprint,
    emulation,
    maxLogBytes: maxLogBytes(index, benchmark),
    ...runSettings(
      plan,
      benchmark,
      opts,
      secretValues(benchmark.secrets, { given: opts.env ?? {}, environment: process.env, benchmark: findTarget(index, opts.target) }, events),
    ),
  }
  return { run, points }
}

/** The plan of the benchmark, resolved once for its image and its containers alike. */
function resolveBenchmark(index: ArtifactIndex, opts: RunOptions): { plan: BuildPlan; benchmark: PlanBenchmark } {
  // --env is for the container, never the image: in the plan it would become an
  // ENV line (a rebuild for every value, a secret baked into a layer)
  const plan = resolvePlan(index, opts.target, { platform: opts.platform ?? hostPlatformName() })
  const benchmark = plan.benchmark
  if (!benchmark)
    throw new CmcError('NOT_A_BENCHMARK', `${opts.target} is an image; cmc run runs benchmarks`, { hint: 'list benchmarks with `cmc find --kind benchmark`' })
  return { plan, benchmark }
}

/**
 * The MLPerf scenario a point stands for, as outputs.metrics.scenario declares
 * it over the point's params; undefined where the meta declares none.
 */
export function declaredScenario(benchmark: PlanBenchmark, params: Record<string, ParamValue>): string | undefined {
  const metrics = benchmark.outputs.metrics
  // format: loadgen, and a scenario's name where no template: the meta's loading checked both
  if (metrics?.scenario === undefined) return undefined
  const scenario = renderCommand(metrics.scenario, params, 'outputs.metrics.scenario')
  if (!SCENARIO_NAMES.includes(scenario)) {
    const label = paramLabel(params)
    throw new CmcError(
      'META_INVALID',
      `${benchmark.alias} (${benchmark.dir}): outputs.metrics.scenario is "${scenario}"${label ? ` for ${label}` : ''}: expected ${SCENARIO_NAMES.join(', ')}`,
      { hint: `give its params values that name a scenario (${metrics.scenario})` },
    )
  }
  return scenario
}

/** outputs.maxLogBytes, from the benchmark's meta (the plan does not carry it). */
function maxLogBytes(index: ArtifactIndex, benchmark: PlanBenchmark): number {
  const meta = index.get(benchmark.uid, { kind: 'benchmark' }).meta as BenchmarkMeta
  return meta.outputs?.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES
}

/** The devices the benchmark asks for, unless the flags name GPUs themselves. */
function deviceSpec(benchmark: PlanBenchmark, platformGpu: string, opts: RunOptions): DeviceSpec {
  const spec: DeviceSpec = { paths: [...benchmark.devices.paths, ...(opts.devices ?? [])] }
  if (opts.gpus || opts.cdi?.length) return { ...spec, gpus: opts.gpus, cdi: opts.cdi }
  const want = benchmark.devices.gpu === undefined ? undefined : String(benchmark.devices.gpu)
  if (want === 'none') return spec
  if (platformGpu === 'nvidia') return { ...spec, gpus: want ?? 'all' }
  if (platformGpu === 'rocm') return { ...spec, rocm: { render: want && want !== 'all' ? want.split(',') : undefined } }
  return spec
}

/** Fails before anything is built when the engine cannot pass the GPUs asked for. */
async function checkDeviceSupport(hostConfig: DeviceHostConfig): Promise<void> {
  if (hostConfig.DeviceRequests.some((r) => r.Driver !== 'cdi')) await checkGpuSupport('nvidia')
  if (hostConfig.DeviceRequests.some((r) => r.Driver === 'cdi')) await checkGpuSupport('cdi')
}

/**
 * The host's fingerprint, asked of the engine (/info) once: when the first
 * container has exited, never while a benchmark may run, so that it is
 * answered while outputs are collected.
 */
function fingerprintOnce(events: EventSink): () => Promise<HostFingerprint> {
  let host: Promise<HostFingerprint> | undefined
  // A run that finished is never lost to a fingerprint the engine did not answer.
  return () =>
    (host ??= hostFingerprint().catch((e: unknown) => {
      events({
        type: 'log',
        level: 'warn',
        message: `the engine did not answer /info (${(e as Error).message}); the record names this host without its engine`,
      })
      return hostFingerprint({ engine: false })
    }))
}

/** The image the benchmark runs in: the one pinned (`cmc exp reproduce`), else the plan's, built or found up to date. */
async function imageToRun(plan: BuildPlan, opts: RunOptions, events: EventSink): Promise<RunImage> {
  if (opts.pinnedImage) {
    const info = await imageInfo(opts.pinnedImage)
    if (!info)
      throw new CmcError('IMAGE_MISSING', `image ${opts.pinnedImage} is not on this engine`, { hint: 'pull or import it first (`cmc pull`, `cmc import`)' })
    return {
      ref: opts.pinnedImage,
      id: info.id,
      digest: info.digest,
      repoDigests: info.repoDigests,
      planHash: info.labels['cmc.plan-hash'] ?? plan.hash,
      arch: info.arch,
    }
  }
  const built = await buildFromPlan(plan, { builder: opts.builder, events, signal: opts.signal })
  return { ref: built.ref, id: built.id, digest: built.digest, repoDigests: built.repoDigests, planHash: built.planHash, arch: built.arch }
}

/** Whether the image runs emulated here, said before its first container: its timings will measure the emulator. */
async function imageEmulation(image: RunImage, plan: BuildPlan, events: EventSink): Promise<Emulation | undefined> {
  const arch = image.arch ?? (await imageInfo(image.id))?.arch ?? plan.platform.dockerPlatform.split('/')[1] ?? ''
  const emulation = await emulationOf(arch)
  if (emulation)
    events({
      type: 'log',
      level: 'warn',
      message: `${plan.platform.name} (${emulation.imageArch}) runs emulated on this ${emulation.hostArch} engine (${emulation.interpreter}): it shows the image works; its timings measure the emulator, and the records say emulated`,
    })
  return emulation
}

/** Repeats, warm-ups, timeout and env: the flags over the benchmark's meta. */
function runSettings(
  plan: BuildPlan,
  benchmark: PlanBenchmark,
  opts: RunOptions,
  secrets: Record<string, string>,
): Pick<RunContext, 'env' | 'repeat' | 'warmup' | 'timeoutMs'> {
  return {
    env: { ...plan.env, ...benchmark.env, ...secrets, ...opts.env },
    repeat: opts.repeat ?? benchmark.repeat,
    warmup: opts.warmup ?? benchmark.warmup,
    timeoutMs: (opts.timeoutS ?? benchmark.timeout ?? 3600) * 1000,
  }
}

/** One sweep point: its warm-ups and repeats, then its record, committed (or discarded when running it threw). */
export async function runPoint(
  run: RunContext,
  index: number,
  params: Record<string, ParamValue>,
  pointCount: number,
  execution: PointExecution = { container: onThisEngine },
): Promise<ExperimentRecord> {
  const { benchmark, events } = run
  const id = newRecordId()
  const writer = await run.store.begin(id)
  const command = renderCommand(benchmark.command, params)
  const label = paramLabel(params)
  events({
    type: 'phase',
    name: `run ${benchmark.alias}${label ? ` [${label}]` : ''} (${index + 1}/${pointCount}) on ${run.plan.platform.name}`,
    status: 'started',
  })
  const startedAt = execution.startedAt ?? new Date()
  let logs: PointLogs | undefined
  let point: Point
  let outcome: PointOutcome
  try {
    logs = new PointLogs(
      writer.dir,
      run.maxLogBytes,
      events,
      benchmark.secrets.flatMap((name) => run.env[name] ?? []),
    )
    point = { id, index, params, writer, logs, command, startedAt, ran: execution.ran }
    outcome = await runRepeats(run, point, execution.container)
    outcome.logsCut = logs.close()
  } catch (e) {
    closeQuietly(logs)
    await writer.discard()
    throw e
  }
  const record = await pointRecord(run, point, outcome)
  await writer.commit(record)
  events({ type: 'phase', name: `${benchmark.alias} [${label}]: ${record.status}`, status: 'done', detail: { id, status: record.status } })
  // recorded, then the run ends: with no engine no other point can run
  if (outcome.engineLost) throw new CmcError('DAEMON_LOST', outcome.engineLost.message, { hint: outcome.engineLost.hint, data: { records: [record] } })
  return record
}

/** The logs of a point that is not recorded: their files go with the staging folder, whatever closing them says. */
function closeQuietly(logs: PointLogs | undefined): void {
  try {
    logs?.close()
  } catch {
    // the run's own error is the one to report
  }
}

/** Warm-ups, then the measured repeats, each in a fresh container; the first that does not succeed ends the point. */
async function runRepeats(run: RunContext, point: Point, container: ContainerRunner): Promise<PointOutcome> {
  const outcome: PointOutcome = { repeats: [], outputs: [], refused: [], status: 'ok', exitCode: 0, runMs: [] }
  // each repeat's metrics file tends to drop the same values: say so once a point
  const warned = new Set<string>()
  for (let attempt = 0; attempt < run.warmup + run.repeat; attempt++) {
    // undefined for a warm-up
    const repeatIndex = attempt >= run.warmup ? attempt - run.warmup : undefined
    const res = await runAttempt(run, point, container, attempt, repeatIndex, outcome).catch((e: unknown) => {
      if (!isEngineLost(e)) throw e
      return e
    })
    if (res instanceof CmcError) {
      Object.assign(outcome, { status: 'failed', exitCode: null, reason: res.message, engineLost: res })
      break
    }
    outcome.exitCode = res.exitCode
    if (res.status !== 'ok') {
      outcome.status = res.status
      outcome.reason = stopReason(res, run.timeoutMs)
      break
    }
    if (repeatIndex === undefined) continue
    outcome.runMs.push(res.durationMs)
    // the lines the regexes matched stand for all of stdout: they give the same metrics
    const found = repeatMetrics(run.benchmark.outputs, repeatOutputsDir(run, point, repeatIndex), res.metricLines)
    outcome.repeats.push({ index: repeatIndex, metrics: found.metrics, exitCode: res.exitCode ?? 0, durationMs: res.durationMs })
    for (const message of found.warnings ?? []) {
      if (warned.has(message)) continue
      warned.add(message)
      run.events({ type: 'log', level: 'warn', message })
    }
    if (found.problem) {
      outcome.status = 'failed'
      outcome.reason = found.problem
      break
    }
  }
  return outcome
}

/** One container of the point: a header in both logs, its output streamed to them, a measured repeat's outputs kept. */
async function runAttempt(
  run: RunContext,
  point: Point,
  container: ContainerRunner,
  attempt: number,
  repeatIndex: number | undefined,
  outcome: PointOutcome,
): Promise<Attempt> {
  point.logs.header(`=== ${repeatIndex !== undefined ? `repeat ${repeatIndex + 1}/${run.repeat}` : `warm-up ${attempt + 1}/${run.warmup}`} ===\n`)
  const metrics = run.benchmark.outputs.metrics
  const logs = point.logs.attempt(metrics?.format === 'regex' && repeatIndex !== undefined ? (metrics.patterns ?? {}) : undefined)
  const res = await container(run, point, attempt, {
    onExit: () => void run.fingerprint(),
    onOutput: logs.onOutput,
    afterExit: repeatIndex === undefined ? undefined : (outputs) => keepOutputs(run, point, repeatIndex, outputs, outcome),
  })
  return { ...res, ...logs.end() }
}

/** The container a point runs in: its image and command, env, inputs read-only, devices and limits. */
export function containerSpec(run: RunContext, point: Pick<Point, 'id' | 'command'>): ContainerSpec {
  const { benchmark, opts } = run
  return {
    image: run.image.id,
    command: point.command,
    workdir: benchmark.workdir,
    env: run.env,
    labels: { 'cmc.run': point.id, 'cmc.benchmark': benchmark.alias },
    inputs: inputMounts(benchmark),
    devices: run.devices.hostConfig,
    nanoCpus: opts.cpus ? Math.round(opts.cpus * 1e9) : undefined,
    memoryBytes: opts.memoryBytes,
    outputsDir: benchmark.outputs.dir,
  }
}

/**
 * The benchmark's inputs as read-only mounts, each checked first: for a host
 * path that does not exist the engine makes an empty folder, owned by root,
 * in the user's repo, and the benchmark reads nothing.
 */
function inputMounts(benchmark: PlanBenchmark): ContainerSpec['inputs'] {
  return Object.entries(benchmark.inputs).map(([name, input]) => {
    const host = path.resolve(benchmark.dir, input.path)
    if (!existsSync(host))
      throw new CmcError('INPUT_MISSING', `input ${name} of ${benchmark.alias} does not exist: ${host} (inputs.${name}.path: ${input.path})`, {
        hint: `create it, or set inputs.${name}.path to the data (relative to ${benchmark.dir})`,
      })
    return { host, container: input.mount }
  })
}

/** Where a measured repeat's outputs go in the record: r<k>/ when there are several repeats. */
function repeatOutputsDir(run: RunContext, point: Point, repeatIndex: number): string {
  return path.join(point.writer.dir, 'outputs', run.repeat > 1 ? `r${repeatIndex}` : '')
}

/** A measured repeat's outputs into the record, each refusal reported as it is found. */
async function keepOutputs(run: RunContext, point: Point, repeatIndex: number, outputs: ContainerOutputs, outcome: PointOutcome): Promise<void> {
  const { maxBytes } = run.benchmark.outputs
  const collected = await collectOutputs(outputs, repeatOutputsDir(run, point, repeatIndex), { maxFileBytes: maxBytes, maxTotalBytes: maxBytes * 4 })
  if (!collected) return
  const prefix = run.repeat > 1 ? `r${repeatIndex}/` : ''
  outcome.outputs.push(...collected.files.map((file) => ({ ...file, path: prefix + file.path })))
  outcome.refused.push(...collected.refused.map((refusal) => ({ ...refusal, path: prefix + refusal.path })))
  for (const refusal of collected.refused) run.events({ type: 'log', level: 'warn', message: `refused output ${refusal.path}: ${refusal.reason}` })
}

/** Why a container run did not succeed, in the record's words. */
function stopReason(res: ContainerRun, timeoutMs: number): string {
  if (res.status === 'timeout') return `timed out after ${timeoutMs / 1000} s`
  return res.status === 'aborted' ? 'interrupted (Ctrl-C)' : `exit code ${res.exitCode}`
}

/** The point's record: what ran, in what, on which host, and what came of it. */
async function pointRecord(run: RunContext, point: Point, outcome: PointOutcome): Promise<ExperimentRecord> {
  const { benchmark, plan, image, opts, devices } = run
  const outputs = outcome.outputs.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
  const metrics = summarizeRepeats(outcome.repeats, benchmark.outputs)
  const endedAt = point.ran?.endedAt ?? new Date()
  const host = await run.fingerprint()
  return {
    format: 1,
    id: point.id,
    createdAt: point.startedAt.toISOString(),
    cmcVersion,
    benchmark: { alias: benchmark.alias, uid: benchmark.uid },
    image: {
      alias: plan.image.alias,
      uid: plan.image.uid,
      planHash: image.planHash,
      ref: image.ref,
      digest: image.id,
      id: image.id,
      ...repoDigestsOf(image.repoDigests ?? (image.digest ? [image.digest] : [])),
    },
    platform: plan.platform.name,
    params: point.params,
    repeats: outcome.repeats,
    metrics,
    status: outcome.status,
    exitCode: outcome.exitCode,
    reason: (outcome.status !== 'ok' && point.ran?.reason) || outcome.reason,
    host,
    command: point.command,
    env: redactEnv(run.env, benchmark.secrets),
    devices: {
      gpus: devices.spec.gpus,
      cdi: devices.spec.cdi,
      paths: devices.hostConfig.Devices.map(deviceFlag),
      groups: devices.hostConfig.GroupAdd,
    },
    limits: opts.cpus || opts.memoryBytes ? { cpus: opts.cpus, memoryBytes: opts.memoryBytes } : undefined,
    logs: { stdout: 'stdout.log', stderr: 'stderr.log', cut: outcome.logsCut },
    outputs,
    refused: outcome.refused,
    timings: {
      buildMs: point.index === 0 ? run.buildMs : 0,
      startedAt: point.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      totalMs: endedAt.getTime() - point.startedAt.getTime(),
      runMs: outcome.runMs,
    },
    tags: opts.tags ?? [],
    ...(!opts.elsewhere && { emulated: run.emulation !== undefined, emulation: run.emulation }),
    reproduces: opts.reproduces,
    scheduler: point.ran?.scheduler,
    loadgen: declareScenario(
      loadgenOfOutputs(
        path.join(point.writer.dir, 'outputs'),
        outputs.map((file) => file.path),
      ),
      declaredScenario(benchmark, point.params),
      (message) => run.events({ type: 'log', level: 'warn', message }),
    ),
  }
}

/** The registry digests the engine knows the image by, kept beside its identity (absent for an image no registry has seen). */
function repoDigestsOf(engineDigests: string[]): Pick<ExperimentRecord['image'], 'repoDigests'> {
  const known = engineDigests.flatMap((d) => registryDigest(d) ?? [])
  return known.length ? { repoDigests: known } : {}
}
