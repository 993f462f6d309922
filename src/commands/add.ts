import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { KINDS } from '../meta/schema.js'
import { scaffoldArtifact } from '../repos/scaffold.js'

export default class Add extends BaseCommand {
  static override summary = 'Create a new artifact folder with a fresh uid'
  static override examples = ['<%= config.bin %> add component openblas --tags blas,lib', '<%= config.bin %> add benchmark my-bench --in ./examples']
  static override args = {
    kind: Args.string({ required: true, options: KINDS }),
    alias: Args.string({ required: true }),
  }
  static override flags = {
    in: Flags.string({ description: 'parent folder (default: current folder)', default: '.' }),
    tags: Flags.string({ description: 'extra comma-separated tags' }),
  }

  async run() {
    const { args, flags } = await this.parse(Add)
    const res = scaffoldArtifact(args.kind, args.alias, flags.in, flags.tags ? flags.tags.split(',') : [])
    if (!this.jsonEnabled()) this.log(`created ${args.kind} ${args.alias} (${res.uid}) in ${res.file}`)
    return res
  }
}
