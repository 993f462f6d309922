// `cmc gc`: what killed runs left on the engine.
import { defineCommand } from '../cli/command.js'
import { formatTable } from '../cli/table.js'
import { pingEngine } from '../engine/docker.js'
import { sweepLeftovers } from '../engine/gc.js'

export default defineCommand({
  summary: 'Remove what killed cmc runs left behind: their containers and outputs volumes',
  description:
    "A `cmc run` that is killed (SIGKILL, a lost machine) cannot remove its container. cmc labels each one with its host and process; this removes those whose process on this host is gone, and the cmc volumes no container uses. Runs still going, and other hosts' runs on a shared engine, are kept.",
  examples: ['<%= config.bin %> gc', '<%= config.bin %> gc --dry-run'],
  flags: {
    'dry-run': { kind: 'boolean', description: 'list what would be removed, remove nothing' },
  },
  async action({ flags }, io) {
    await pingEngine()
    const items = await sweepLeftovers({ dryRun: flags['dry-run'] })
    if (!io.json) io.log(items.length ? formatTable(items, ['kind', 'id', 'what', 'state', 'action', 'why']) : 'nothing cmc made is left on this engine')
    if (items.some((i) => i.action === 'failed')) process.exitCode = 1
    return items
  },
})
