// `cmc dockerfile`'s pipeline: resolve and compile a target for each platform
// asked for, without building anything.
import { compile } from '../compile/compile.js'
import type { ImageMeta } from '../meta/schema.js'
import type { CompiledImage } from '../compile/types.js'
import type { ArtifactIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { imageOfTarget, resolvePlan } from '../resolve/resolvePlan.js'

export interface DockerfileOptions {
  target: string
  index: ArtifactIndex
  /** one platform; with `allPlatforms`, every platform the image targets */
  platform?: string
  allPlatforms?: boolean
  builder: 'buildkit' | 'classic'
  /** the arch of the machine that builds (build stages may cross-compile from it); undefined: always emulate */
  buildArch?: 'amd64' | 'arm64'
}

export type CompiledDockerfile = Pick<CompiledImage, 'stages' | 'planHash' | 'bases' | 'dockerfile' | 'context'> & { platform: string; dockerPlatform: string }

/** The platforms a target compiles for: the one given, the image's own with `allPlatforms`, else the host's. */
export function targetPlatforms(index: ArtifactIndex, target: string, opts: { platform?: string; allPlatforms?: boolean }): string[] {
  if (!opts.allPlatforms) return [opts.platform ?? hostPlatformName()]
  const image = imageOfTarget(index, target)
  return (
    (image.meta as ImageMeta).platforms ??
    index
      .all()
      .filter((a) => a.kind === 'platform')
      .map((a) => a.alias)
  )
}

export function compileDockerfiles(opts: DockerfileOptions): CompiledDockerfile[] {
  return targetPlatforms(opts.index, opts.target, opts).map((platform) => {
    const plan = resolvePlan(opts.index, opts.target, { platform })
    const compiled = compile(plan, { builder: opts.builder, buildArch: opts.buildArch })
    return {
      platform,
      dockerPlatform: plan.platform.dockerPlatform,
      stages: compiled.stages,
      planHash: compiled.planHash,
      bases: compiled.bases,
      dockerfile: compiled.dockerfile,
      context: compiled.context,
    }
  })
}
