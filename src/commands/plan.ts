// `cmc plan`: the resolved dependency graph of an image or benchmark.
import { defineCommand } from '../cli/command.js'
import { parseEnvFlags } from '../cli/parseEnvFlags.js'
import { redactEnv } from '../collect/redactEnv.js'
import { platformSpec, repoSpec } from '../cli/spec.js'
import { loadIndex } from '../repos/index.js'
import { hostPlatformName } from '../resolve/platforms.js'
import { resolvePlan } from '../resolve/resolvePlan.js'

export default defineCommand({
  summary: 'Resolve the dependency graph of an image or benchmark for a platform',
  description:
    'Prints the components in build order (deps first) with their selected variations, versions and layers, the merged env, and the plan hash. --json prints the whole plan.',
  examples: ['<%= config.bin %> plan stream --platform arm64', '<%= config.bin %> plan torch-cpu --json'],
  args: [{ name: 'target', required: true, description: 'image or benchmark (alias or uid)' }],
  flags: {
    platform: platformSpec,
    repo: repoSpec,
    env: { kind: 'string', char: 'e', multiple: true, description: "KEY=VALUE env a run would add (highest precedence; the container's, not the image's)" },
  },
  async action({ args, flags }, io) {
    const index = await loadIndex({ extraRepos: flags.repo, events: io.events })
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
