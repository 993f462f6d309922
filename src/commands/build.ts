// `cmc build`: an image or benchmark's image, per platform, through the engine.
import { defineCommand } from '../cli/command.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { formatTable } from '../cli/table.js'
import { CmcError } from '../errors.js'
import type { ImageMeta } from '../meta/schema.js'
import { buildImage, type BuiltImage } from '../pipeline/buildImage.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { imageOfTarget } from '../resolve/resolvePlan.js'

export default defineCommand({
  summary: 'Build an image or benchmark through the Docker Engine API',
  description:
    'Images are tagged by content (cmc/<target>:<platform>-<hash>): an unchanged input sends nothing to the engine. Base images resolve locally, by pull, through the mirror map, or from `cmc base bootstrap`.',
  examples: ['<%= config.bin %> build stream', '<%= config.bin %> build stream --platform arm64', '<%= config.bin %> build stream --all-platforms --json'],
  args: [{ name: 'target', required: true, description: 'image or benchmark (alias or uid)' }],
  flags: {
    platform: platformSpec,
    'all-platforms': { kind: 'boolean', description: 'every platform the image targets', exclusive: ['platform'] },
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
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
    let platforms = [flags.platform ?? hostPlatformName()]
    if (flags['all-platforms']) {
      const image = imageOfTarget(index, args.target)
      platforms = (image.meta as ImageMeta).platforms ?? [hostPlatformName()]
    }
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const results: BuiltImage[] = []
    for (const platform of platforms) {
      results.push(
        await buildImage({ target: args.target, platform, builder: flags.builder, noCache: flags['no-cache'], index, events: io.events, signal: ac.signal }),
      )
    }
    if (ac.signal.aborted) throw new CmcError('ABORTED', 'interrupted')
    const rows = results.map((r) => ({
      platform: r.platform,
      ref: r.ref,
      id: r.id.slice(7, 19),
      cached: r.cached ? 'yes' : 'no',
      seconds: (r.durationMs / 1000).toFixed(1),
    }))
    if (!io.json) io.log(formatTable(rows, ['platform', 'ref', 'id', 'cached', 'seconds'], { maxWidth: 80 }))
    return results.map(({ plan: _p, compiled: _c, ...r }) => r)
  },
})
