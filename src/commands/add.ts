// `cmc add`: a new artifact folder from a template, with a fresh uid.
import { defineCommand } from '../cli/command.js'
import { KINDS } from '../meta/kinds.js'
import { scaffoldArtifact } from '../repos/scaffold.js'

export default defineCommand({
  summary: 'Create a new artifact folder with a fresh uid',
  examples: ['<%= config.bin %> add component openblas --tags blas,lib', '<%= config.bin %> add benchmark my-bench --in ./examples'],
  args: [
    { name: 'kind', required: true, options: KINDS, description: 'artifact kind' },
    { name: 'alias', required: true, description: 'name of the new artifact (and its folder)' },
  ],
  flags: {
    in: { kind: 'string', description: 'parent folder (default: current folder)', default: '.' },
    tags: { kind: 'string', description: 'extra comma-separated tags' },
  },
  async action({ args, flags }, io) {
    const res = scaffoldArtifact(args.kind, args.alias, flags.in, flags.tags ? flags.tags.split(',') : [])
    if (!io.json) io.log(`created ${args.kind} ${args.alias} (${res.uid}) in ${res.file}`)
    return res
  },
})
