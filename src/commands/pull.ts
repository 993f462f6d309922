// `cmc pull`: a shared image, with its provenance.
import { defineCommand } from '../cli/command.js'
import { pullShared } from '../pipeline/shareImage.js'

export default defineCommand({
  summary: 'Pull a shared image and show its provenance',
  examples: ['<%= config.bin %> pull 127.0.0.1:5000/cmc/stream:x86_64'],
  args: [{ name: 'ref', required: true, description: 'registry/name:tag' }],
  async action({ args }, io) {
    const pulled = await pullShared(args.ref, io.events)
    if (!io.json)
      io.log(
        `pulled ${pulled.ref} ${pulled.id.slice(7, 19)}: ${pulled.labels['cmc.target'] ?? 'not a cmc image'}${pulled.labels['cmc.plan-hash'] ? `, plan ${pulled.labels['cmc.plan-hash'].slice(0, 12)}` : ''}`,
      )
    return pulled
  },
})
