import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/baseCommand.js'
import { platformFlag, repoFlag } from '../cli/flags.js'
import { compile } from '../compile/compile.js'
import { CmcError } from '../errors.js'
import type { ImageMeta } from '../meta/schema.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { imageOfTarget, resolvePlan } from '../resolve/resolvePlan.js'

export default class DockerfileCmd extends BaseCommand {
  static override summary = 'Compile an image or benchmark into a multi-stage Dockerfile per platform'
  static override examples = [
    '<%= config.bin %> dockerfile stream --platform arm64',
    '<%= config.bin %> dockerfile stream --all-platforms -o out/',
    '<%= config.bin %> dockerfile numpy --builder classic',
  ]
  static override args = { target: Args.string({ required: true, description: 'image or benchmark (alias or uid)' }) }
  static override flags = {
    platform: platformFlag,
    'all-platforms': Flags.boolean({ description: 'every platform the image targets', exclusive: ['platform'] }),
    output: Flags.string({ char: 'o', description: 'write Dockerfile.<platform> files into this folder' }),
    builder: Flags.string({ options: ['buildkit', 'classic'], default: 'buildkit', description: 'buildkit uses cache mounts for apt; classic has none' }),
    'build-arch': Flags.string({ options: ['amd64', 'arm64', 'none'], description: 'arch of the machine that builds (default: this one); build stages may cross-compile from it; none = always emulate' }),
    repo: repoFlag,
  }

  async run() {
    const { args, flags } = await this.parse(DockerfileCmd)
    const index = await loadIndex({ extraRepos: flags.repo, events: this.events })
    let platforms = [flags.platform ?? hostPlatformName()]
    if (flags['all-platforms']) {
      const image = imageOfTarget(index, args.target)
      platforms = (image.meta as ImageMeta).platforms ?? index.all().filter((a) => a.kind === 'platform').map((a) => a.alias)
    }
    if (platforms.length > 1 && !flags.output && !this.jsonEnabled()) {
      throw new CmcError('input', 'USAGE', 'several Dockerfiles need a folder', { hint: 'add -o DIR (files are named Dockerfile.<platform>)' })
    }
    const results = platforms.map((p) => {
      const plan = resolvePlan(index, args.target, { platform: p })
      const hostArch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined
      const buildArch = flags['build-arch'] === 'none' ? undefined : ((flags['build-arch'] as 'amd64' | 'arm64' | undefined) ?? hostArch)
      return { ...compile(plan, { builder: flags.builder as 'buildkit' | 'classic', buildArch }), dockerPlatform: plan.platform.dockerPlatform, platform: p }
    })
    if (flags.output) {
      mkdirSync(flags.output, { recursive: true })
      for (const r of results) {
        const file = path.join(flags.output, `Dockerfile.${r.platform}`)
        writeFileSync(file, r.dockerfile)
        if (!this.jsonEnabled()) this.log(`wrote ${file} (${r.stages.join(' -> ')})`)
      }
    } else if (!this.jsonEnabled()) {
      process.stdout.write(results[0].dockerfile)
    }
    return results.map((r) => ({ platform: r.platform, stages: r.stages, planHash: r.planHash, bases: r.bases, dockerfile: r.dockerfile, context: r.context }))
  }
}
