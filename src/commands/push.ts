// `cmc push`: a built image, with its provenance labels, to a registry.
import { defineCommand } from '../cli/command.js'
import { platformSpec } from '../cli/spec.js'
import { pushBuilt } from '../pipeline/shareImage.js'
import { hostPlatformName } from '../resolve/platforms.js'

export default defineCommand({
  summary: 'Push a built image (with its provenance labels) to a registry',
  examples: ['<%= config.bin %> push stream --to 127.0.0.1:5000', '<%= config.bin %> push stream --platform arm64 --to registry.local:5000/team'],
  args: [{ name: 'image', required: true, description: 'image or benchmark alias (its latest local build), or a local ref' }],
  flags: {
    to: { kind: 'string', required: true, description: 'registry host[:port][/namespace]' },
    platform: platformSpec,
  },
  async action({ args, flags }, io) {
    const res = await pushBuilt(args.image, flags.platform ?? hostPlatformName(), flags.to, io.events)
    if (!io.json) for (const p of res.pushed) io.log(`pushed ${p.ref}${p.digest ? ` (${p.digest})` : ''}`)
    return res
  },
})
