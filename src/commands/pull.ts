import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { pullShared } from '../pipeline/shareImage.js'

export default class Pull extends BaseCommand {
  static override summary = 'Pull a shared image and show its provenance'
  static override examples = ['<%= config.bin %> pull 127.0.0.1:5000/cmc/stream:x86_64']
  static override args = { ref: Args.string({ required: true }) }

  async run() {
    const { args } = await this.parse(Pull)
    const res = await pullShared(args.ref, this.events)
    if (!this.jsonEnabled()) this.log(`pulled ${res.ref} ${res.id.slice(7, 19)}: ${res.labels['cmc.target'] ?? 'not a cmc image'}${res.labels['cmc.plan-hash'] ? `, plan ${res.labels['cmc.plan-hash'].slice(0, 12)}` : ''}`)
    return res
  }
}
