// `cmc build`: an image or benchmark's image, per platform, through the engine.
import { defineCommand } from '../cli/command.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { formatTable } from '../cli/table.js'
import { CmcError } from '../errors.js'
import type { ImageMeta } from '../meta/schema.js'
import { buildPlatforms, type PlatformBuild } from '../pipeline/buildImage.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { imageOfTarget } from '../resolve/resolvePlan.js'

export default defineCommand({
  summary: 'Build an image or benchmark through the Docker Engine API',
  description:
    'Images are tagged by content (cmc/<target>:<platform>-<hash>): an unchanged input sends nothing to the engine. Base images resolve locally, by pull, through the mirror map, or from `cmc base bootstrap`. With several platforms (-p repeated, or --all-platforms) every platform is built that can be, side by side with BuildKit; a table says what was built, found cached or failed and why, and the exit code is that of the first failure.',
  examples: [
    '<%= config.bin %> build stream',
    '<%= config.bin %> build stream --platform arm64',
    '<%= config.bin %> build stream -p x86_64 -p arm64',
    '<%= config.bin %> build stream --all-platforms --json',
  ],
  args: [{ name: 'target', required: true, description: 'image or benchmark (alias or uid)' }],
  flags: {
    platform: { ...platformSpec, multiple: true, description: `${platformSpec.description}; repeat it for several` },
    'all-platforms': { kind: 'boolean', description: 'every platform the image targets', exclusive: ['platform'] },
    jobs: { kind: 'integer', min: 1, description: 'platforms built at once (default: all of them with BuildKit, 1 with the classic builder)' },
    builder: {
      kind: 'string',
      options: ['auto', 'buildkit', 'classic'],
      default: 'auto',
      description: 'BuildKit, or the classic builder; auto: BuildKit, classic where the engine has none (Podman)',
    },
    'no-cache': { kind: 'boolean', description: 'rebuild every step' },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events, target: args.target })
    let platforms = flags.platform?.length ? [...new Set(flags.platform)] : [hostPlatformName()]
    if (flags['all-platforms']) {
      const image = imageOfTarget(index, args.target)
      platforms = (image.meta as ImageMeta).platforms ?? [hostPlatformName()]
    }
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const results = await buildPlatforms({
      target: args.target,
      platforms,
      jobs: flags.jobs,
      builder: flags.builder,
      noCache: flags['no-cache'],
      index,
      events: io.events,
      signal: ac.signal,
    })
    const failed = results.filter((r) => r.status === 'failed')
    // one platform asked for and failed: its own error, as a single build always gave
    if (platforms.length === 1 && failed.length) throw failed[0]!.error
    if (!io.json) io.log(formatTable(results.map(tableRow), ['platform', 'status', 'ref', 'id', 'seconds', 'why'], { maxWidth: 120 }))
    const json = results.map(jsonResult)
    if (failed.length) throw buildsFailed(failed, results.length, json)
    return json.map((r) => r.image ?? r)
  },
})

function tableRow(r: PlatformBuild) {
  if (r.status === 'failed') return { platform: r.platform, status: 'failed', seconds: (r.durationMs / 1000).toFixed(1), why: r.error.message }
  const { image } = r
  return { platform: r.platform, status: r.status, ref: image.ref, id: image.id.slice(7, 19), seconds: (image.durationMs / 1000).toFixed(1) }
}

/** A platform's result for --json: the image without its plan and Dockerfile, or the error as CmcError.toJSON gives it. */
function jsonResult(r: PlatformBuild) {
  if (r.status === 'failed') return { platform: r.platform, status: r.status, error: r.error.toJSON() }
  const { plan: _p, compiled: _c, ...image } = r.image
  return { platform: r.platform, status: r.status, image }
}

/** The error a build of several platforms ends with: the first failure's code (its exit code), naming every platform that failed and its hint. */
function buildsFailed(failed: Array<Extract<PlatformBuild, { status: 'failed' }>>, total: number, results: unknown[]): CmcError {
  const first = failed[0]!.error
  return new CmcError(first.code, `${failed.length} of ${total} platform(s) failed: ${failed.map((f) => `${f.platform} (${f.error.message})`).join('; ')}`, {
    // one failure's hint is the hint; several are each named with their platform
    details: failed.length > 1 ? failed.flatMap((f) => (f.error.hint ? [`${f.platform}: ${f.error.hint}`] : [])) : [],
    hint: failed.length === 1 ? first.hint : 'each failed platform says what it needs above',
    data: { results },
  })
}
