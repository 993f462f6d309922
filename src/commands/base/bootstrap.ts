// `cmc base bootstrap`: a Debian base image made with debootstrap, no registry.
import { defineCommand } from '../../cli/command.js'
import { hostArch } from '../../engine/baseNames.js'
import { bootstrapBase } from '../../engine/bootstrap.js'
import { pingEngine } from '../../engine/docker.js'

export default defineCommand({
  summary: 'Build a Debian base image with debootstrap and import it (no registry needed)',
  description:
    'The image is tagged cmc/base-debian:<suite>-<arch>; for the host architecture it is also tagged debian:<suite> unless that name holds an image cmc did not bootstrap. Manuals, docs and translations are left out (dpkg path-exclude rules in /etc/dpkg/dpkg.cfg.d/cmc-slim, which also apply to packages images install); --full keeps them. Foreign architectures run under qemu-user-static.',
  examples: ['<%= config.bin %> base bootstrap debian:bookworm', '<%= config.bin %> base bootstrap debian:bookworm --arch arm64'],
  args: [{ name: 'image', default: 'debian:bookworm', description: 'debian:<suite>' }],
  flags: {
    arch: { kind: 'string', options: ['amd64', 'arm64'], default: hostArch(), description: "architecture of the root (default: this machine's)" },
    mirror: { kind: 'string', description: 'Debian mirror URL (default: CMC_DEBIAN_MIRROR or http://deb.debian.org/debian)' },
    full: {
      kind: 'boolean',
      description: "keep manuals, docs and translations (default: left out, in the base and in what images install on it, as in Debian's slim images)",
    },
  },
  async action({ args, flags }, io) {
    await pingEngine()
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const res = await bootstrapBase({ image: args.image, arch: flags.arch, mirror: flags.mirror, full: flags.full, events: io.events, signal: ac.signal })
    if (!io.json)
      io.log(
        `${res.ref} (${res.arch}) ${res.id.slice(7, 19)}${res.aliases.length ? `, also tagged ${res.aliases.join(', ')}` : ''} in ${res.seconds.toFixed(0)} s`,
      )
    return res
  },
})
