// `cmc show`: one artifact's meta, location, deps and variations.
import { defineCommand } from '../cli/command.js'
import { repoSpec } from '../cli/spec.js'
import { describeCmScript, renderCmScript } from '../cm/describe.js'
import { yaml } from '../lazy.js'
import { describeArtifact } from '../repos/describe.js'
import { loadIndex } from '../repos/index.js'

export default defineCommand({
  summary: 'Show an artifact: meta, location, deps and variations',
  description:
    'A CM/MLC script is shown as CM reads it: every dep list in its place with names and conditions, variations by group with defaults, combined and wildcard ones, and the meta as written. Where an alias or uid names several artifacts, each is listed with the REPO:ALIAS that picks it.',
  examples: [
    '<%= config.bin %> show python',
    '<%= config.bin %> show 4f6c2a1e9b0d7c35 --json',
    '<%= config.bin %> show mlcommons@mlperf-automations:detect-os',
  ],
  args: [{ name: 'artifact', required: true, description: 'alias, uid, or REPO:ALIAS' }],
  flags: { repo: repoSpec },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo })
    const a = index.get(args.artifact)
    if (a.format === 'cm') {
      const cm = describeCmScript(a)
      if (!io.json) {
        io.log(`cm-script ${a.alias} (${a.uid})`)
        io.log(`  repo:  ${a.repo}  format: cm`)
        io.log(`  file:  ${a.file}`)
        const tags = (a.meta as unknown as { tags?: unknown }).tags
        io.log(`  tags:  ${Array.isArray(tags) ? tags.map(String).join(', ') : String(tags ?? '-')}`)
        for (const line of renderCmScript(cm)) io.log(line)
        io.log('  meta (as written):')
        io.log(indent(yaml().stringify(a.meta)))
      }
      return { cm, artifact: a }
    }
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
      io.log(indent(yaml().stringify(a.meta)))
    }
    return { ...view, artifact: a }
  },
})

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
