// `cmc push`: a built image, with its provenance labels, to a registry; with
// --all-platforms every platform's build under one multi-arch tag.
import { defineCommand } from '../cli/command.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { pushAllPlatforms, pushBuilt } from '../pipeline/shareImage.js'
import { hostPlatformName } from '../resolve/platforms.js'

export default defineCommand({
  summary: 'Push a built image (with its provenance labels) to a registry',
  description:
    "Each platform's image goes under its content tag (the local one's suffix) and its platform's tag. With --all-platforms, every platform built here is pushed and an OCI image index names them under one tag (REGISTRY/cmc/<image>:latest, or the name:tag given), so that a pull on an amd64 or arm64 engine takes its own. An index holds one image per os/arch: cuda and rocm builds are linux/amd64 like x86_64's and keep their own tags.",
  examples: [
    '<%= config.bin %> push stream --to 127.0.0.1:5000',
    '<%= config.bin %> push stream --platform arm64 --to registry.local:5000/team',
    '<%= config.bin %> push stream --all-platforms --to 127.0.0.1:5000/stream:1.0',
  ],
  args: [{ name: 'image', required: true, description: 'image or benchmark alias (its latest local build), or a local ref' }],
  flags: {
    to: { kind: 'string', required: true, description: 'registry host[:port][/namespace]; with --all-platforms also host[:port]/name:tag' },
    platform: platformSpec,
    'all-platforms': { kind: 'boolean', description: 'every platform built here, under one multi-arch tag (an OCI image index)', exclusive: ['platform'] },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    if (flags['all-platforms']) {
      const res = await pushAllPlatforms(args.image, flags.to, { extraRepos: flags.repo, events: io.events })
      if (!io.json) {
        for (const p of res.platforms)
          io.log(`pushed ${p.platform} (${p.arch}): ${p.pushed.map((x) => x.ref).join(', ')}${p.inIndex ? '' : ' (not in the index: its os/arch is taken)'}`)
        io.log(`index ${res.index.ref} (${res.index.digest})`)
      }
      if (res.notBuilt.length) io.warn(`not built here, so not pushed: ${res.notBuilt.join(', ')} (\`cmc build ${args.image} --all-platforms\`)`)
      return res
    }
    const res = await pushBuilt(args.image, flags.platform ?? hostPlatformName(), flags.to, io.events)
    if (!io.json) for (const p of res.pushed) io.log(`pushed ${p.ref}${p.digest ? ` (${p.digest})` : ''}`)
    return res
  },
})
