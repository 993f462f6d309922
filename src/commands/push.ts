import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { platformFlag } from '../cli/flags.js'
import { pushBuilt } from '../pipeline/shareImage.js'
import { hostPlatformName } from '../resolve/platforms.js'

export default class Push extends BaseCommand {
  static override summary = 'Push a built image (with its provenance labels) to a registry'
  static override examples = ['<%= config.bin %> push stream --to 127.0.0.1:5000', '<%= config.bin %> push stream --platform arm64 --to registry.local:5000/team']
  static override args = { image: Args.string({ required: true, description: 'image or benchmark alias (its latest local build), or a local ref' }) }
  static override flags = { to: Flags.string({ required: true, description: 'registry host[:port][/namespace]' }), platform: platformFlag }

  async run() {
    const { args, flags } = await this.parse(Push)
    const res = await pushBuilt(args.image, flags.platform ?? hostPlatformName(), flags.to, this.events)
    if (!this.jsonEnabled()) for (const p of res.pushed) this.log(`pushed ${p.ref}${p.digest ? ` (${p.digest})` : ''}`)
    return res
  }
}
