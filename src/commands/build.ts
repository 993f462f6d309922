import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { platformFlag, repoFlag } from '../cli/flags.js'
import { formatTable } from '../cli/table.js'
import { CmcError } from '../errors.js'
import type { ImageMeta } from '../meta/schema.js'
import { buildImage, type BuilderChoice, type BuiltImage } from '../pipeline/buildImage.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { imageOfTarget } from '../resolve/resolvePlan.js'

export default class Build extends BaseCommand {
  static override summary = 'Build an image or benchmark through the Docker Engine API'
  static override description = 'Images are tagged by content (cmc/<target>:<platform>-<hash>): an unchanged input sends nothing to the engine. Base images resolve locally, by pull, through the mirror map, or from `cmc base bootstrap`.'
  static override examples = [
    '<%= config.bin %> build stream',
    '<%= config.bin %> build stream --platform arm64',
    '<%= config.bin %> build stream --all-platforms --json',
  ]
  static override args = { target: Args.string({ required: true, description: 'image or benchmark (alias or uid)' }) }
  static override flags = {
    platform: platformFlag,
    'all-platforms': Flags.boolean({ description: 'every platform the image targets', exclusive: ['platform'] }),
    builder: Flags.string({ options: ['auto', 'buildkit', 'classic'], default: 'auto' }),
    'no-cache': Flags.boolean({ description: 'rebuild every step' }),
    repo: repoFlag,
  }

  async run() {
    const { args, flags } = await this.parse(Build)
    const index = await loadIndex({ extraRepos: flags.repo, events: this.events })
    let platforms = [flags.platform ?? hostPlatformName()]
    if (flags['all-platforms']) {
      const image = imageOfTarget(index, args.target)
      platforms = (image.meta as ImageMeta).platforms ?? [hostPlatformName()]
    }
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const results: BuiltImage[] = []
    for (const platform of platforms) {
      results.push(await buildImage({ target: args.target, platform, builder: flags.builder as BuilderChoice, noCache: flags['no-cache'], index, events: this.events, signal: ac.signal }))
    }
    if (ac.signal.aborted) throw new CmcError('aborted', 'ABORTED', 'interrupted')
    const rows = results.map((r) => ({ platform: r.platform, ref: r.ref, id: r.id.slice(7, 19), cached: r.cached ? 'yes' : 'no', seconds: (r.durationMs / 1000).toFixed(1) }))
    if (!this.jsonEnabled()) this.log(formatTable(rows, ['platform', 'ref', 'id', 'cached', 'seconds'], { maxWidth: 80 }))
    return results.map(({ plan: _p, compiled: _c, ...r }) => r)
  }
}
