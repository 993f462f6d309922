// `cmc dockerfile`: the multi-stage Dockerfile of a target, per platform.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineCommand } from '../cli/command.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { hostArch } from '../engine/baseNames.js'
import { CmcError } from '../errors.js'
import { makeOutputFolder } from '../files.js'
import { compileDockerfiles } from '../pipeline/dockerfiles.js'
import { loadIndex } from '../repos/index.js'

export default defineCommand({
  summary: 'Compile an image or benchmark into a multi-stage Dockerfile per platform',
  examples: [
    '<%= config.bin %> dockerfile stream --platform arm64',
    '<%= config.bin %> dockerfile stream --all-platforms -o out/',
    '<%= config.bin %> dockerfile numpy --builder classic',
  ],
  args: [{ name: 'target', required: true, description: 'image or benchmark (alias or uid)' }],
  flags: {
    platform: platformSpec,
    'all-platforms': { kind: 'boolean', description: 'every platform the image targets', exclusive: ['platform'] },
    output: { kind: 'string', char: 'o', description: 'write Dockerfile.<platform> files into this folder' },
    builder: { kind: 'string', options: ['buildkit', 'classic'], default: 'buildkit', description: 'buildkit uses cache mounts for apt; classic has none' },
    'build-arch': {
      kind: 'string',
      options: ['amd64', 'arm64', 'none'],
      description: 'arch of the machine that builds (default: this one); build stages may cross-compile from it; none = always emulate',
    },
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events, target: args.target })
    const buildArch = flags['build-arch'] === 'none' ? undefined : (flags['build-arch'] ?? hostArchIfKnown())
    const results = compileDockerfiles({
      target: args.target,
      index,
      platform: flags.platform,
      allPlatforms: flags['all-platforms'],
      builder: flags.builder,
      buildArch,
    })
    if (results.length > 1 && !flags.output && !io.json) {
      throw new CmcError('USAGE', 'several Dockerfiles need a folder', { hint: 'add -o DIR (files are named Dockerfile.<platform>)' })
    }
    if (flags.output) {
      makeOutputFolder(flags.output, '-o')
      for (const r of results) {
        const file = path.join(flags.output, `Dockerfile.${r.platform}`)
        writeFileSync(file, r.dockerfile)
        if (!io.json) io.log(`wrote ${file} (${r.stages.join(' -> ')})`)
      }
    } else if (!io.json) {
      process.stdout.write(results[0]!.dockerfile)
    }
    return results.map((r) => ({ platform: r.platform, stages: r.stages, planHash: r.planHash, bases: r.bases, dockerfile: r.dockerfile, context: r.context }))
  },
})

/** This machine's arch where build stages can cross-compile from it. */
function hostArchIfKnown(): 'amd64' | 'arm64' | undefined {
  return process.arch === 'x64' || process.arch === 'arm64' ? hostArch() : undefined
}
