import * as Args from '@oclif/core/args'
import { BaseCommand } from '../cli/baseCommand.js'
import { repoFlag } from '../cli/flags.js'
import { describeArtifact } from '../repos/describe.js'
import { loadIndex } from '../repos/index.js'

export default class Show extends BaseCommand {
  static override summary = 'Show an artifact: meta, location, deps and variations'
  static override examples = ['<%= config.bin %> show python', '<%= config.bin %> show 4f6c2a1e9b0d7c35 --json']
  static override args = { artifact: Args.string({ required: true, description: 'alias or uid' }) }
  static override flags = { repo: repoFlag }

  async run() {
    const { args, flags } = await this.parse(Show)
    const index = await loadIndex({ extraRepos: flags.repo })
    const a = index.get(args.artifact)
    const view = describeArtifact(a)
    if (!this.jsonEnabled()) {
      this.log(`${a.kind} ${a.alias} (${a.uid})${a.version ? ` version ${a.version}` : ''}`)
      this.log(`  repo:  ${a.repo}  format: ${a.format}`)
      this.log(`  file:  ${a.file}`)
      this.log(`  tags:  ${a.tags.join(', ') || '-'}`)
      if (view.deps.length) {
        this.log('  deps:')
        for (const d of view.deps) this.log(`    - ${d.tags}${d.version ? ` (${d.version})` : ''}${d.when ? ` when ${d.when}` : ''}${d.optional ? ' [optional]' : ''}`)
      }
      if (view.variations.length) {
        this.log('  variations:')
        for (const g of view.variations) this.log(`    ${g.group === '' ? '(no group)' : `group ${g.group}`}: ${g.names.map((n) => (n === g.default ? `_${n} (default)` : `_${n}`)).join(', ')}`)
      }
      this.log('  meta:')
      const { stringify } = await import('yaml')
      this.log(stringify(a.meta).trimEnd().split('\n').map((l) => `    ${l}`).join('\n'))
    }
    return { ...view, artifact: a }
  }
}
