// `cmc base list`: the base images cmc bootstrapped on this engine.
import { defineCommand } from '../../cli/command.js'
import { formatTable } from '../../cli/table.js'
import { listBases } from '../../engine/baseImages.js'
import { pingEngine } from '../../engine/docker.js'

export default defineCommand({
  summary: 'List base images bootstrapped by cmc',
  examples: ['<%= config.bin %> base list'],
  async action(_input, io) {
    await pingEngine()
    const bases = await listBases()
    if (!io.json)
      io.log(bases.length ? formatTable(bases, ['ref', 'arch', 'sizeMb', 'created']) : 'no bootstrapped bases (run `cmc base bootstrap debian:bookworm`)')
    return bases
  },
})
