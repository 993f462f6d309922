// `cmc run` end to end: build (or reuse) the image, expand the sweep, run
// warm-ups and repeats each in a fresh container, collect outputs safely,
// parse metrics, summarize, and commit one record per sweep point.
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseJsonMetrics } from '../collect/parseJsonMetrics.js'
import { parseLoadgenDetail, parseLoadgenSummary } from '../collect/parseLoadgen.js'
import { parseRegexMetrics } from '../collect/parseRegexMetrics.js'
import { redactEnv } from '../collect/redactEnv.js'
import { summarize } from '../collect/summarize.js'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { deviceFlag, hostConfigForDevices, type DeviceSpec } from '../engine/devices.js'
import { engineVersion, pingEngine } from '../engine/docker.js'
import { imageInfo } from '../engine/images.js'
import { checkGpuSupport, hostFingerprint } from '../engine/info.js'
import { collectOutputs, runContainer } from '../engine/run.js'
import { loadIndex } from '../repos/index.js'
import type { PlanBenchmark } from '../resolve/plan.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { resolvePlan } from '../resolve/resolvePlan.js'
import type { ExperimentRecord, HostFingerprint, OutputFile, RunStatus } from '../store/record.js'
import { newRecordId, openStore } from '../store/store.js'
import { cmcVersion } from '../version.js'
import { buildImage, type BuilderChoice } from './buildImage.js'
import { expandSweep, renderCommand, type ParamValue } from './sweep.js'

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
  reproduces?: string
  tags?: string[]
  events?: EventSink
  signal?: AbortSignal
}

function deviceSpec(b: PlanBenchmark, platformGpu: string, opts: RunOptions): DeviceSpec {
  const spec: DeviceSpec = { paths: [...b.devices.paths, ...(opts.devices ?? [])] }
  if (opts.gpus || opts.cdi?.length) return { ...spec, gpus: opts.gpus, cdi: opts.cdi }
  const want = b.devices.gpu === undefined ? undefined : String(b.devices.gpu)
  if (want === 'none') return spec
  if (platformGpu === 'nvidia') return { ...spec, gpus: want ?? 'all' }
  if (platformGpu === 'rocm') return { ...spec, rocm: { render: want && want !== 'all' ? want.split(',') : undefined } }
  return spec
}

function metricsOf(b: PlanBenchmark, outDir: string, stdout: string): { metrics: Record<string, number>; problem?: string } {
  const spec = b.outputs.metrics
  if (!spec) return { metrics: {} }
  if (spec.format === 'regex') return { metrics: parseRegexMetrics(stdout, spec.patterns ?? {}) }
  if (spec.format === 'json') {
    const file = path.join(outDir, spec.file ?? 'metrics.json')
    if (!existsSync(file)) return { metrics: {}, problem: `metrics file ${spec.file ?? 'metrics.json'} was not written to ${b.outputs.dir}` }
    return { metrics: parseJsonMetrics(readFileSync(file, 'utf8'), spec.file ?? 'metrics.json') }
  }
  const dir = path.join(outDir, spec.file ?? '')
  const summary = path.join(dir, 'mlperf_log_summary.txt')
  const detail = path.join(dir, 'mlperf_log_detail.txt')
  if (!existsSync(summary) && !existsSync(detail)) return { metrics: {}, problem: 'no mlperf_log_summary.txt or mlperf_log_detail.txt in the outputs' }
  const s = existsSync(summary) ? parseLoadgenSummary(readFileSync(summary, 'utf8')) : undefined
  const d = existsSync(detail) ? parseLoadgenDetail(readFileSync(detail, 'utf8')) : undefined
  const metrics = { ...d?.metrics, ...s?.metrics }
  const valid = s?.valid ?? d?.valid
  if (valid !== undefined) metrics.valid = valid ? 1 : 0
  const reasons = [...(s?.invalidReasons ?? []), ...(d?.invalidReasons ?? [])]
  return { metrics, problem: valid === false ? `LoadGen result INVALID: ${reasons.join('; ') || 'see mlperf_log_summary.txt'}` : undefined }
}

export async function runBenchmark(opts: RunOptions): Promise<ExperimentRecord[]> {
  const events = opts.events ?? (() => {})
  // the engine answers /version (~30 ms on dockerd 20.10) while the index loads
  engineVersion().catch(() => {})
  const index = await loadIndex({ extraRepos: opts.extraRepos, events })
  const platformName = opts.platform ?? hostPlatformName()
  // --env is for the container, never the image: in the plan it would become an
  // ENV line (a rebuild for every value, a secret baked into a layer)
  const plan = resolvePlan(index, opts.target, { platform: platformName })
  const b = plan.benchmark
  if (!b) throw new CmcError('input', 'NOT_A_BENCHMARK', `${opts.target} is an image; cmc run runs benchmarks`, { hint: 'list benchmarks with `cmc find --kind benchmark`' })
  const points = expandSweep(b.params, opts.sets ?? {}, { recorded: opts.reproduces !== undefined })
  const spec = deviceSpec(b, plan.platform.devices.gpu, opts)
  const devices = hostConfigForDevices(spec)
  await pingEngine()
  // The fingerprint asks the engine for /info (~30 ms on dockerd 20.10, more
  // with many images): asked once the first container has exited, never while
  // a benchmark may run, answered while outputs are collected.
  let hostP: Promise<HostFingerprint> | undefined
  // A run that finished is never lost to a fingerprint the engine did not answer.
  const fingerprint = () => (hostP ??= hostFingerprint().catch((e: unknown) => {
    events({ type: 'log', level: 'warn', message: `the engine did not answer /info (${(e as Error).message}); the record names this host without its engine` })
    return hostFingerprint({ engine: false })
  }))
  if (devices.DeviceRequests.some((r) => r.Driver !== 'cdi')) await checkGpuSupport('nvidia')
  if (devices.DeviceRequests.some((r) => r.Driver === 'cdi')) await checkGpuSupport('cdi')

  const buildStarted = Date.now()
  let image: { ref: string; id: string; digest?: string; planHash: string }
  if (opts.pinnedImage) {
    const info = await imageInfo(opts.pinnedImage)
    if (!info) throw new CmcError('input', 'IMAGE_MISSING', `image ${opts.pinnedImage} is not on this engine`, { hint: 'pull or import it first (`cmc pull`, `cmc import`)' })
    image = { ref: opts.pinnedImage, id: info.id, digest: info.digest, planHash: info.labels['cmc.plan-hash'] ?? plan.hash }
  } else {
    const built = await buildImage({ target: opts.target, platform: platformName, builder: opts.builder, index, events, signal: opts.signal })
    image = { ref: built.ref, id: built.id, digest: built.digest, planHash: built.planHash }
  }
  const buildMs = Date.now() - buildStarted
  const store = await openStore({ path: opts.storePath })
  const repeat = opts.repeat ?? b.repeat
  const warmup = opts.warmup ?? b.warmup
  const timeoutMs = (opts.timeoutS ?? b.timeout ?? 3600) * 1000
  const units = b.outputs.metrics?.units ?? {}
  const hib = b.outputs.metrics?.higherIsBetter ?? {}
  const records: ExperimentRecord[] = []

  for (const [pi, params] of points.entries()) {
    if (opts.signal?.aborted) break
    const id = newRecordId()
    const writer = await store.begin(id)
    const command = renderCommand(b.command, params)
    const env = { ...plan.env, ...b.env, ...opts.env }
    const label = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ')
    events({ type: 'phase', name: `run ${b.alias} [${label}] (${pi + 1}/${points.length}) on ${plan.platform.name}`, status: 'started' })
    const startedAt = new Date()
    const repeats: ExperimentRecord['repeats'] = []
    let outputs: OutputFile[] = []
    const refused: ExperimentRecord['refused'] = []
    let status: RunStatus = 'ok'
    let exitCode: number | null = 0
    let reason: string | undefined
    const runMs: number[] = []
    try {
      for (let i = 0; i < warmup + repeat; i++) {
        const measured = i >= warmup
        const r = measured ? i - warmup : -1
        const outDir = path.join(writer.dir, 'outputs', repeat > 1 ? `r${r}` : '')
        const header = `=== ${measured ? `repeat ${r + 1}/${repeat}` : `warm-up ${i + 1}/${warmup}`} ===\n`
        appendFileSync(path.join(writer.dir, 'stdout.log'), header)
        appendFileSync(path.join(writer.dir, 'stderr.log'), header)
        const res = await runContainer({
          image: image.id, command, workdir: b.workdir, env,
          labels: { 'cmc.run': id, 'cmc.benchmark': b.alias },
          inputs: Object.values(b.inputs).map((inp) => ({ host: path.resolve(b.dir, inp.path), container: inp.mount })),
          devices, nanoCpus: opts.cpus ? Math.round(opts.cpus * 1e9) : undefined, memoryBytes: opts.memoryBytes,
          outputsDir: b.outputs.dir,
        }, {
          timeoutMs, signal: opts.signal,
          onExit: () => void fingerprint(),
          onOutput: (stream, data) => {
            appendFileSync(path.join(writer.dir, `${stream}.log`), data)
            events({ type: 'output', stream, data })
          },
          afterExit: measured ? async (c) => {
            const ex = await collectOutputs(c, b.outputs.dir, outDir, { maxFileBytes: b.outputs.maxBytes, maxTotalBytes: b.outputs.maxBytes * 4 })
            if (!ex) return
            const prefix = repeat > 1 ? `r${r}/` : ''
            outputs.push(...ex.files.map((f) => ({ ...f, path: prefix + f.path })))
            refused.push(...ex.refused.map((x) => ({ ...x, path: prefix + x.path })))
            for (const x of ex.refused) events({ type: 'log', level: 'warn', message: `refused output ${x.path}: ${x.reason}` })
          } : undefined,
        })
        exitCode = res.exitCode
        if (res.status !== 'ok') {
          status = res.status
          reason = res.status === 'timeout' ? `timed out after ${timeoutMs / 1000} s` : res.status === 'aborted' ? 'interrupted (Ctrl-C)' : `exit code ${res.exitCode}`
          break
        }
        if (!measured) continue
        runMs.push(res.durationMs)
        const m = metricsOf(b, outDir, res.stdout)
        if (m.problem) {
          status = 'failed'
          reason = m.problem
          repeats.push({ index: r, metrics: m.metrics, exitCode: res.exitCode ?? 0, durationMs: res.durationMs })
          break
        }
        repeats.push({ index: r, metrics: m.metrics, exitCode: res.exitCode ?? 0, durationMs: res.durationMs })
      }
    } catch (e) {
      await writer.discard()
      throw e
    }
    outputs = outputs.sort((x, y) => x.path.localeCompare(y.path))
    const names = [...new Set(repeats.flatMap((rp) => Object.keys(rp.metrics)))].sort()
    const metrics: ExperimentRecord['metrics'] = {}
    for (const n of names) {
      const vals = repeats.map((rp) => rp.metrics[n]).filter((v): v is number => typeof v === 'number')
      if (vals.length) metrics[n] = summarize(vals, { unit: units[n], higherIsBetter: hib[n] })
    }
    const endedAt = new Date()
    const host = await fingerprint()
    const record: ExperimentRecord = {
      format: 1, id, createdAt: startedAt.toISOString(), cmcVersion,
      benchmark: { alias: b.alias, uid: b.uid },
      image: { alias: plan.image.alias, uid: plan.image.uid, planHash: image.planHash, ref: image.ref, digest: image.digest ?? image.id, id: image.id },
      platform: plan.platform.name,
      params: params as Record<string, ParamValue>,
      repeats, metrics, status, exitCode, reason, host, command,
      env: redactEnv(env, b.secrets),
      devices: {
        gpus: spec.gpus, cdi: spec.cdi, paths: devices.Devices.map(deviceFlag), groups: devices.GroupAdd,
      },
      limits: opts.cpus || opts.memoryBytes ? { cpus: opts.cpus, memoryBytes: opts.memoryBytes } : undefined,
      logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
      outputs, refused,
      timings: { buildMs: pi === 0 ? buildMs : 0, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), totalMs: endedAt.getTime() - startedAt.getTime(), runMs },
      tags: opts.tags ?? [],
      reproduces: opts.reproduces,
    }
    await writer.commit(record)
    records.push(record)
    events({ type: 'phase', name: `${b.alias} [${label}]: ${status}`, status: 'done', detail: { id, status } })
    if (status === 'aborted') break
  }
  return records
}
