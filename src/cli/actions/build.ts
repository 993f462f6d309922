// `cmc build`: the action and its flags as data (run by oclif and by the fast path).
import { CmcError } from '../../errors.js'
import type { ImageMeta } from '../../meta/schema.js'
import { askVersionEarly } from '../../engine/endpoint.js'
import type { BuilderChoice, BuiltImage } from '../../pipeline/buildImage.js'
import type { CommandIo } from '../io.js'
import { platformSpec, repoSpec, type CommandSpec, type ParsedFlags } from '../spec.js'
import { formatTable } from '../table.js'

export const spec = {
  args: [{ name: 'target', required: true, description: 'image or benchmark (alias or uid)' }],
  flags: {
    platform: platformSpec,
    'all-platforms': { kind: 'boolean', description: 'every platform the image targets', exclusive: ['platform'] },
    builder: { kind: 'string', options: ['auto', 'buildkit', 'classic'], default: 'auto', description: 'BuildKit, or the classic builder; auto: BuildKit' },
    'no-cache': { kind: 'boolean', description: 'rebuild every step' },
    repo: repoSpec,
  },
} satisfies CommandSpec

export async function action(input: { args: Record<string, string | undefined>; flags: ParsedFlags }, io: CommandIo) {
  const target = input.args.target!
  const flags = input.flags as { platform?: string; 'all-platforms': boolean; builder: BuilderChoice; 'no-cache': boolean; repo?: string[] }
  // the engine answers /version while the pipeline's modules load
  askVersionEarly()
  const [{ buildImage }, { loadIndex }, { hostPlatformName }, { imageOfTarget }] = await Promise.all([
    import('../../pipeline/buildImage.js'), import('../../repos/index.js'), import('../../resolve/platforms.js'), import('../../resolve/resolvePlan.js'),
  ])
  const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
  let platforms = [flags.platform ?? hostPlatformName()]
  if (flags['all-platforms']) {
    const image = imageOfTarget(index, target)
    platforms = (image.meta as ImageMeta).platforms ?? [hostPlatformName()]
  }
  const ac = new AbortController()
  process.once('SIGINT', () => ac.abort())
  const results: BuiltImage[] = []
  for (const platform of platforms) {
    results.push(await buildImage({ target, platform, builder: flags.builder as BuilderChoice, noCache: flags['no-cache'], index, events: io.events, signal: ac.signal }))
  }
  if (ac.signal.aborted) throw new CmcError('aborted', 'ABORTED', 'interrupted')
  const rows = results.map((r) => ({ platform: r.platform, ref: r.ref, id: r.id.slice(7, 19), cached: r.cached ? 'yes' : 'no', seconds: (r.durationMs / 1000).toFixed(1) }))
  if (!io.json) io.log(formatTable(rows, ['platform', 'ref', 'id', 'cached', 'seconds'], { maxWidth: 80 }))
  return results.map(({ plan: _p, compiled: _c, ...r }) => r)
}
