import { BaseCommand } from '../cli/baseCommand.js'
import { oclifArgs, oclifFlags } from '../cli/flags.js'
import { action, spec } from '../cli/actions/run.js'

// flags and action: src/cli/actions/run.ts (shared with the oclif-free fast path)
export default class Run extends BaseCommand {
  static override summary = 'Run a benchmark in its container and record the results'
  static override description = 'Builds the image when needed, expands --set sweeps (each point is one record), runs warm-ups and repeats in fresh containers, collects outputs safely and writes records to the experiment store. Exit codes: 0 all ok, 5 a benchmark failed, 6 devices cannot be passed through, 124 timeout, 130 interrupted.'
  static override examples = [
    '<%= config.bin %> run stream --set threads=1,2',
    '<%= config.bin %> run resnet18-torch --set batch=1,8,32 --repeat 5',
    '<%= config.bin %> run cuda-stream --platform cuda --gpus device=0',
    '<%= config.bin %> run stream --platform arm64 --timeout 600 --json',
  ]
  static override args = oclifArgs(spec.args)
  static override flags = oclifFlags(spec.flags)

  async run() {
    const { args, flags } = await this.parse(Run)
    return action({ args, flags }, this.io)
  }
}
