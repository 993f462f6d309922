// `cmc export`: a built image with its meta and provenance, in one file.
import { defineCommand } from '../cli/command.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { exportAllPlatforms, exportBundle } from '../pipeline/shareImage.js'
import { hostPlatformName } from '../resolve/platforms.js'

export default defineCommand({
  summary: 'Write one file holding a built image, its artifact meta and provenance',
  description:
    'The file holds the image under every tag it has (its content tag too), the base images that tag was computed from, and each artifact of its plan as the build used it, with its repo: `cmc import FILE --meta-dir DIR` on another machine gives an image `cmc run --repo DIR` finds without building.',
  examples: ['<%= config.bin %> export stream -o stream-x86_64.cmc.tar', '<%= config.bin %> export stream --all-platforms -o stream.cmc.tar'],
  args: [{ name: 'image', required: true, description: 'image or benchmark alias (its latest local build)' }],
  flags: {
    output: { kind: 'string', char: 'o', required: true, description: 'file to write' },
    platform: platformSpec,
    'all-platforms': { kind: 'boolean', description: 'every platform built here, in the one file (`cmc import` loads them all)', exclusive: ['platform'] },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    if (flags['all-platforms']) {
      const all = await exportAllPlatforms(args.image, flags.output, { extraRepos: flags.repo })
      if (!io.json)
        io.log(`wrote ${flags.output}: ${all.platforms!.map((b) => b.refs[0]).join(', ')} with ${all.meta.length} file(s) of ${all.repos?.length ?? 0} repo(s)`)
      if (all.notBuilt.length) io.warn(`not built here, so not in the file: ${all.notBuilt.join(', ')}`)
      for (const w of all.warnings) io.warn(w)
      return all
    }
    const bundle = await exportBundle(args.image, flags.platform ?? hostPlatformName(), flags.output, { extraRepos: flags.repo })
    if (!io.json) io.log(`wrote ${flags.output}: ${bundle.refs.join(', ')} with ${bundle.meta.length} file(s) of ${bundle.repos?.length ?? 0} repo(s)`)
    for (const w of bundle.warnings) io.warn(w)
    return bundle
  },
})
