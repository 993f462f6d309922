import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { platformFlag, repoFlag } from '../cli/flags.js'
import { exportBundle } from '../pipeline/shareImage.js'
import { hostPlatformName } from '../resolve/platforms.js'

export default class Export extends BaseCommand {
  static override summary = 'Write one file holding a built image, its artifact meta and provenance'
  static override examples = ['<%= config.bin %> export stream -o stream-x86_64.cmc.tar']
  static override args = { image: Args.string({ required: true, description: 'image or benchmark alias (its latest local build)' }) }
  static override flags = { output: Flags.string({ char: 'o', required: true }), platform: platformFlag, repo: repoFlag }

  async run() {
    const { args, flags } = await this.parse(Export)
    const b = await exportBundle(args.image, flags.platform ?? hostPlatformName(), flags.output, { extraRepos: flags.repo })
    if (!this.jsonEnabled()) this.log(`wrote ${flags.output}: ${b.refs.join(', ')} with ${b.meta.length} meta file(s)`)
    return b
  }
}
