// `cmc plan`: the resolved dependency graph of an image or benchmark, or the
// graph CM would walk for a CM/MLC script.
import { defineCommand } from '../cli/command.js'
import { planCmScript } from '../cm/plan.js'
import { renderCmPlan } from '../cm/renderPlan.js'
import { parseCmQuery } from '../cm/search.js'
import { CmcError } from '../errors.js'
import type { Artifact } from '../meta/artifact.js'
import type { ArtifactIndex } from '../repos/index.js'
import type { CommandIo } from '../cli/io.js'
import { parseEnvFlags } from '../cli/parseEnvFlags.js'
import { redactEnv } from '../collect/redactEnv.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { findTarget, resolvePlan } from '../resolve/resolvePlan.js'

export default defineCommand({
  summary: 'Resolve the dependency graph of an image or benchmark for a platform, or of a CM/MLC script',
  description:
    'Prints the components in build order (deps first) with their selected variations, versions and layers, the merged env, and the plan hash. --json prints the whole plan. For a CM/MLC script, prints the graph CM would walk (variations expanded, env conditions decided, pre/post deps in their place, versions) as a tree saying why each dep is in or out; cmc does not run it (that needs the MLC runtime).',
  examples: [
    '<%= config.bin %> plan stream --platform arm64',
    '<%= config.bin %> plan torch-cpu --json',
    '<%= config.bin %> plan get-git-repo --tags _branch.main,_full-history',
    '<%= config.bin %> plan app-image-classification-onnx-py --tags _cuda --env MLC_HOST_OS_TYPE=linux',
  ],
  args: [{ name: 'target', required: true, description: 'image, benchmark or CM script (alias, uid or REPO:ALIAS)' }],
  flags: {
    tags: { kind: 'string', char: 't', description: 'for a CM script: its variations, e.g. _cuda,_fp16 (-_x turns one off)' },
    platform: platformSpec,
    repo: repoSpec,
    env: { kind: 'string', char: 'e', multiple: true, description: "KEY=VALUE env a run would add (highest precedence; the container's, not the image's)" },
  },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events, target: args.target })
    const t = findTarget(index, args.target)
    if (t.format === 'cm') return planCm(index, t, flags.tags ?? '', parseEnvFlags(flags.env), io)
    if (flags.tags)
      throw new CmcError('USAGE', '--tags selects variations of a CM script', {
        hint: `${t.alias} is a cmc ${t.kind}; its variations come from its meta and the platform`,
      })
    // as `cmc run` does: --env goes to the container, so it is shown apart and not hashed
    const plan = resolvePlan(index, args.target, { platform: flags.platform ?? hostPlatformName() })
    // a run's env is the container's; secrets among it are shown redacted, as records keep them
    const runEnv = redactEnv(parseEnvFlags(flags.env), plan.benchmark?.secrets)
    if (!io.json) {
      io.log(`${plan.target.kind} ${plan.target.alias} on ${plan.platform.name} (${plan.platform.dockerPlatform}), image ${plan.image.alias}`)
      io.log(`bases: build ${plan.platform.base.build}, runtime ${plan.platform.base.runtime}`)
      for (const [i, n] of plan.nodes.entries()) {
        io.log(
          `  ${String(i + 1).padStart(2)}. ${n.id.padEnd(28)} ${(n.version ?? '').padEnd(10)} ${n.layer.padEnd(9)} ${n.deps.length ? `<- ${n.deps.join(', ')}` : ''}`.trimEnd(),
        )
      }
      if (plan.benchmark) io.log(`  ${String(plan.nodes.length + 1).padStart(2)}. ${plan.benchmark.alias.padEnd(28)} ${''.padEnd(10)} benchmark`)
      if (Object.keys(plan.env).length)
        io.log(
          `env: ${Object.entries(plan.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        )
      if (Object.keys(runEnv).length)
        io.log(
          `run env: ${Object.entries(runEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        )
      if (plan.benchmark?.secrets.length)
        io.log(`secrets: ${plan.benchmark.secrets.join(' ')} (the container's only, from --env, --env-from or the environment; never in the image)`)
      io.log(`plan hash: ${plan.hash}`)
    }
    return Object.keys(runEnv).length ? { ...plan, runEnv } : plan
  },
})

function planCm(index: ArtifactIndex, target: Artifact, tags: string, env: Record<string, string>, io: CommandIo) {
  const q = parseCmQuery(tags)
  const foreign = q.include.filter((x) => !target.tags.includes(x))
  if (foreign.length || q.exclude.length)
    throw new CmcError(
      'FLAG_VALUE',
      `--tags ${tags}: ${foreign.length ? `${target.alias} has no tag ${foreign.join(', ')}` : '-TAG excludes scripts; it selects nothing here'}`,
      {
        hint: 'give variations: --tags _name,_other (-_name turns one off)',
      },
    )
  const scripts = index.all().filter((a) => a.format === 'cm')
  const plan = planCmScript(scripts, target, { variations: q.variations, env })
  if (!io.json) for (const line of renderCmPlan(plan)) io.log(line)
  const first = plan.problems[0]
  if (first) {
    throw new CmcError(first.code, plan.problems.length > 1 ? `${first.message} (and ${plan.problems.length - 1} more)` : first.message, {
      where: first.where,
      hint: first.hint,
      data: { plan },
    })
  }
  return plan
}
