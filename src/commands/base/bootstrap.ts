import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/baseCommand.js'
import { bootstrapBase } from '../../engine/bootstrap.js'
import { pingEngine } from '../../engine/docker.js'
import { hostArch } from '../../engine/baseNames.js'

export default class BaseBootstrap extends BaseCommand {
  static override summary = 'Build a Debian base image with debootstrap and import it (no registry needed)'
  static override description = 'The image is tagged cmc/base-debian:<suite>-<arch>; for the host architecture it is also tagged debian:<suite> unless that name holds an image cmc did not bootstrap. Manuals, docs and translations are left out (dpkg path-exclude rules in /etc/dpkg/dpkg.cfg.d/cmc-slim, which also apply to packages images install); --full keeps them. Foreign architectures run under qemu-user-static.'
  static override examples = ['<%= config.bin %> base bootstrap debian:bookworm', '<%= config.bin %> base bootstrap debian:bookworm --arch arm64']
  static override args = { image: Args.string({ default: 'debian:bookworm', description: 'debian:<suite>' }) }
  static override flags = {
    arch: Flags.string({ options: ['amd64', 'arm64'], default: hostArch() }),
    mirror: Flags.string({ description: 'Debian mirror URL (default: CMC_DEBIAN_MIRROR or http://deb.debian.org/debian)' }),
    full: Flags.boolean({ description: 'keep manuals, docs and translations (default: left out, in the base and in what images install on it, as in Debian\'s slim images)' }),
  }

  async run() {
    const { args, flags } = await this.parse(BaseBootstrap)
    await pingEngine()
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const res = await bootstrapBase({ image: args.image, arch: flags.arch as 'amd64' | 'arm64', mirror: flags.mirror, full: flags.full, events: this.events, signal: ac.signal })
    if (!this.jsonEnabled()) this.log(`${res.ref} (${res.arch}) ${res.id.slice(7, 19)}${res.aliases.length ? `, also tagged ${res.aliases.join(', ')}` : ''} in ${res.seconds.toFixed(0)} s`)
    return res
  }
}
