import { BaseCommand } from '../cli/baseCommand.js'
import { oclifArgs, oclifFlags } from '../cli/flags.js'
import { action, spec } from '../cli/actions/build.js'

// flags and action: src/cli/actions/build.ts (shared with the oclif-free fast path)
export default class Build extends BaseCommand {
  static override summary = 'Build an image or benchmark through the Docker Engine API'
  static override description = 'Images are tagged by content (cmc/<target>:<platform>-<hash>): an unchanged input sends nothing to the engine. Base images resolve locally, by pull, through the mirror map, or from `cmc base bootstrap`.'
  static override examples = [
    '<%= config.bin %> build stream',
    '<%= config.bin %> build stream --platform arm64',
    '<%= config.bin %> build stream --all-platforms --json',
  ]
  static override args = oclifArgs(spec.args)
  static override flags = oclifFlags(spec.flags)

  async run() {
    const { args, flags } = await this.parse(Build)
    return action({ args, flags }, this.io)
  }
}
