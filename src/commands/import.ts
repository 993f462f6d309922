// `cmc import`: a file written by `cmc export`, loaded into this engine.
import { defineCommand } from '../cli/command.js'
import { importBundle } from '../pipeline/shareImage.js'

export default defineCommand({
  summary: 'Load a file written by `cmc export` into this engine',
  examples: ['<%= config.bin %> import stream-x86_64.cmc.tar', '<%= config.bin %> import stream.cmc.tar --meta-dir ./imported'],
  args: [{ name: 'file', required: true, description: 'a file written by cmc export' }],
  flags: { 'meta-dir': { kind: 'string', description: "also write the image's repo here, with its artifacts as the build used them (`--repo DIR`)" } },
  async action({ args, flags }, io) {
    const bundle = await importBundle(args.file, { metaDir: flags['meta-dir'] })
    if (!io.json) {
      for (const one of bundle.platforms ?? [bundle])
        io.log(`loaded ${one.refs.join(', ')} (${one.labels['cmc.target'] ?? ''}, plan ${(one.labels['cmc.plan-hash'] ?? '').slice(0, 12)})`)
      if (bundle.repoDirs.length && bundle.plan) {
        const { target, platform } = bundle.plan
        const repos = bundle.repoDirs.map((d) => `--repo ${d}`).join(' ')
        const verb = target.kind === 'benchmark' ? 'run' : 'build'
        io.log(`wrote its repo to ${bundle.repoDirs[0]}: cmc ${verb} ${target.alias} ${repos} --platform ${platform.name}`)
      }
    }
    for (const w of bundle.warnings) io.warn(w)
    return bundle
  },
})
