import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { importBundle } from '../pipeline/shareImage.js'

export default class Import extends BaseCommand {
  static override summary = 'Load a file written by `cmc export` into this engine'
  static override examples = ['<%= config.bin %> import stream-x86_64.cmc.tar', '<%= config.bin %> import stream.cmc.tar --meta-dir ./imported']
  static override args = { file: Args.string({ required: true }) }
  static override flags = { 'meta-dir': Flags.string({ description: 'also write the artifact meta files here' }) }

  async run() {
    const { args, flags } = await this.parse(Import)
    const b = await importBundle(args.file, { metaDir: flags['meta-dir'] })
    if (!this.jsonEnabled()) this.log(`loaded ${b.loaded.join(', ') || b.refs.join(', ')} (${b.labels['cmc.target'] ?? ''}, plan ${(b.labels['cmc.plan-hash'] ?? '').slice(0, 12)})`)
    return b
  }
}
