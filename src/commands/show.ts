// `cmc show`: one artifact's meta, location, deps and variations.
import { defineCommand } from '../cli/command.js'
import { repoSpec } from '../cli/spec.js'
import { yaml } from '../lazy.js'
import { describeArtifact } from '../repos/describe.js'
import { loadIndex } from '../repos/index.js'

export default defineCommand({
  summary: 'Show an artifact: meta, location, deps and variations',
  examples: ['<%= config.bin %> show python', '<%= config.bin %> show 4f6c2a1e9b0d7c35 --json'],
  args: [{ name: 'artifact', required: true, description: 'alias or uid' }],
  flags: { repo: repoSpec },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo })
    const a = index.get(args.artifact)
    const view = describeArtifact(a)
    if (!io.json) {
      io.log(`${a.kind} ${a.alias} (${a.uid})${a.version ? ` version ${a.version}` : ''}`)
      io.log(`  repo:  ${a.repo}  format: ${a.format}`)
      io.log(`  file:  ${a.file}`)
      io.log(`  tags:  ${a.tags.join(', ') || '-'}`)
      if (view.deps.length) {
        io.log('  deps:')
        for (const d of view.deps)
          io.log(`    - ${d.tags}${d.version ? ` (${d.version})` : ''}${d.when ? ` when ${d.when}` : ''}${d.optional ? ' [optional]' : ''}`)
      }
      if (view.variations.length) {
        io.log('  variations:')
        for (const g of view.variations)
          io.log(`    ${g.group === '' ? '(no group)' : `group ${g.group}`}: ${g.names.map((n) => (n === g.default ? `_${n} (default)` : `_${n}`)).join(', ')}`)
      }
      io.log('  meta:')
      io.log(
        yaml()
          .stringify(a.meta)
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      )
    }
    return { ...view, artifact: a }
  },
})
