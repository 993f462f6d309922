// `cmc pull`: a shared image, with its provenance.
import { defineCommand } from '../cli/command.js'
import { repoSpec } from '../cli/spec.js'
import { pullShared } from '../pipeline/shareImage.js'

export default defineCommand({
  summary: 'Pull a shared image and show its provenance',
  description: "A multi-arch tag (`cmc push --all-platforms`) gives the engine's own platform's image, or the one --platform names.",
  examples: ['<%= config.bin %> pull 127.0.0.1:5000/cmc/stream:x86_64', '<%= config.bin %> pull 127.0.0.1:5000/cmc/stream:latest --platform arm64'],
  args: [{ name: 'ref', required: true, description: 'registry/name:tag' }],
  flags: {
    platform: { kind: 'string', char: 'p', description: "the platform to take of a multi-arch tag: x86_64, arm64, ... or os/arch (default: the engine's)" },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    const pulled = await pullShared(args.ref, io.events, { platform: flags.platform, extraRepos: flags.repo })
    if (!io.json)
      io.log(
        `pulled ${pulled.ref} ${pulled.id.slice(7, 19)} (${pulled.arch}): ${pulled.labels['cmc.target'] ?? 'not a cmc image'}${pulled.labels['cmc.plan-hash'] ? `, plan ${pulled.labels['cmc.plan-hash'].slice(0, 12)}` : ''}`,
      )
    return pulled
  },
})
