// A platform matrix: `cmc run BENCH -p x86_64 -p arm64 --set threads=1,2`
// runs the sweep on each platform in turn, one record per (platform, point).
// Platforms run one after another, never side by side: two benchmarks at once
// would measure each other. A platform that cannot run (its base image
// missing, its build failing) does not keep the others from running.
import { CmcError } from '../errors.js'
import type { ExperimentRecord } from '../store/record.js'
import { runBenchmark, type RunOptions } from './runBenchmark.js'

export interface PlatformMatrix {
  records: ExperimentRecord[]
  /** the platforms that gave no records, and why */
  failed: Array<{ platform: string; error: CmcError }>
}

/** `platforms`: each once, in the order given; none: `platform` (or the host's) alone. */
export async function runPlatforms(opts: RunOptions & { platforms?: string[] }): Promise<PlatformMatrix> {
  const platforms = [...new Set(opts.platforms ?? [])]
  if (platforms.length <= 1) return { records: await runBenchmark({ ...opts, platform: platforms[0] ?? opts.platform }), failed: [] }
  const matrix: PlatformMatrix = { records: [], failed: [] }
  for (const platform of platforms) {
    if (opts.signal?.aborted) break
    try {
      const records = await runBenchmark({ ...opts, platform })
      matrix.records.push(...records)
      if (records.some((r) => r.status === 'aborted')) break
    } catch (e) {
      if (!(e instanceof CmcError) || endsMatrix(e)) throw withRecords(e, matrix)
      opts.events?.({ type: 'log', level: 'warn', message: `${platform}: ${e.message}; going on with the other platforms` })
      matrix.failed.push({ platform, error: e })
    }
  }
  return matrix
}

/**
 * Whether nothing after this error would run either: an interruption, the
 * engine gone, or a mistake in the command line (an unknown param fails
 * every platform alike). What is the platform's own (its base image, its build,
 * a dependency it lacks) ends only that platform.
 */
function endsMatrix(e: CmcError): boolean {
  if (e.category === 'aborted' || e.category === 'engine') return true
  return e.category === 'input' && e.code !== 'PLATFORM_NOT_SUPPORTED' && e.code !== 'DEP_NOT_ON_PLATFORM'
}

/** An error that ends the matrix, carrying the records made before it (what --json prints). */
function withRecords(e: unknown, matrix: PlatformMatrix): unknown {
  if (!(e instanceof CmcError) || !matrix.records.length) return e
  return new CmcError(e.code, e.message, { hint: e.hint, details: e.details, where: e.where, cause: e, data: { ...e.data, records: matrix.records } })
}

/** The error a matrix ends with when a platform gave nothing: the first such platform's code. */
export function matrixFailure(matrix: PlatformMatrix): CmcError | undefined {
  const [first] = matrix.failed
  if (!first) return undefined
  return new CmcError(first.error.code, `no runs on ${matrix.failed.map((f) => `${f.platform} (${f.error.message})`).join('; ')}`, {
    details: matrix.failed.flatMap((f) => (f.error.hint ? [`${f.platform}: ${f.error.hint}`] : [])),
    hint: first.error.hint,
    data: { records: matrix.records },
  })
}
