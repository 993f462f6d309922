// `cmc gc`: what killed runs left on the engine.
import { defineCommand } from '../cli/command.js'
import { storeSpec } from '../cli/spec.js'
import { formatTable } from '../cli/table.js'
import { pingEngine } from '../engine/docker.js'
import { pruneSupersededImages, sweepLeftovers } from '../engine/gc.js'
import { CmcError } from '../errors.js'
import { openStore } from '../store/store.js'

export default defineCommand({
  summary: 'Remove what killed cmc runs left behind (containers, outputs volumes) and, with --images, superseded builds',
  description:
    "A `cmc run` that is killed (SIGKILL, a lost machine) cannot remove its container. cmc labels each one with its host and process; this removes those whose process on this host is gone, and the cmc volumes no container uses. Runs still going, and other hosts' runs on a shared engine, are kept. --images also untags the builds a later build of the same image and platform superseded (the engine then deletes each image no other tag holds), except images that records of the store ran, which `cmc exp reproduce` needs.",
  examples: [
    '<%= config.bin %> gc',
    '<%= config.bin %> gc --dry-run',
    '<%= config.bin %> gc --images',
    '<%= config.bin %> gc --images --image stream --dry-run',
  ],
  flags: {
    'dry-run': { kind: 'boolean', description: 'list what would be removed, remove nothing' },
    images: { kind: 'boolean', description: 'also remove superseded builds (content tags a later build replaced)' },
    image: { kind: 'string', multiple: true, description: 'with --images: only the builds of this image or benchmark alias; repeatable' },
    store: storeSpec,
  },
  async action({ flags }, io) {
    if (flags.image && !flags.images) throw new CmcError('USAGE', '--image narrows --images', { hint: 'add --images' })
    await pingEngine()
    const items = await sweepLeftovers({ dryRun: flags['dry-run'] })
    if (flags.images) {
      const store = await openStore({ path: flags.store })
      const recorded = new Set(store.summaries().map((s) => s.digest))
      items.push(...(await pruneSupersededImages({ dryRun: flags['dry-run'], recorded, aliases: flags.image })))
    }
    if (!io.json) io.log(items.length ? formatTable(items, ['kind', 'id', 'what', 'state', 'action', 'why']) : 'nothing cmc made is left on this engine')
    if (items.some((i) => i.action === 'failed')) process.exitCode = 1
    return items
  },
})
