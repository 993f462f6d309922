// `cmc exp reproduce`: a record run again as recorded, then compared with it.
import { defineCommand } from '../../cli/command.js'
import { parseEnvFiles, parseEnvFlags } from '../../cli/parseEnvFlags.js'
import { parseCpus, parseSize } from '../../cli/parseLimits.js'
import { repoSpec, storeSpec } from '../../cli/spec.js'
import { comparisonTable } from '../../cli/compareTable.js'
import { REDACTED } from '../../collect/redactEnv.js'
import { CmcError } from '../../errors.js'
import { runBenchmark } from '../../pipeline/runBenchmark.js'
import { compareGroups, type Comparison } from '../../store/compare.js'
import type { ExperimentRecord } from '../../store/record.js'
import { findRecord } from '../../store/select.js'
import { openStore } from '../../store/store.js'

export default defineCommand({
  summary: 'Re-run a record with the same image, params, devices and env, then compare',
  description: "Env values the record redacted (secrets) are not known: the benchmark's own values are used, and --env sets them.",
  examples: ['<%= config.bin %> exp reproduce 20261124T101500123Z-1a2b3c4d'],
  args: [{ name: 'id', required: true, description: 'record id or a unique prefix' }],
  flags: {
    repeat: { kind: 'integer', description: 'repeats (default: as recorded)', min: 1 },
    env: { kind: 'string', char: 'e', multiple: true, description: 'KEY=VALUE over the recorded env (for values the record redacted)' },
    'env-from': { kind: 'string', multiple: true, description: 'file of KEY=VALUE lines (the format of docker run --env-file); --env wins' },
    device: {
      kind: 'string',
      multiple: true,
      description: 'devices instead of the recorded ones (host path[:container path[:perms]]); --device none for none',
    },
    cpus: { kind: 'string', description: 'CPU limit instead of the recorded one (a smaller host)' },
    memory: { kind: 'string', description: 'memory limit instead of the recorded one, e.g. 2g' },
    store: storeSpec,
    repo: repoSpec,
  },
  async action({ args, flags }, io) {
    const store = await openStore({ path: flags.store })
    const old = findRecord(store, args.id, io.events)
    const given = { ...parseEnvFiles(flags['env-from']), ...parseEnvFlags(flags.env) }
    const recorded = Object.fromEntries(Object.entries(old.env).filter(([, v]) => v !== REDACTED))
    const unknown = Object.keys(old.env).filter((k) => old.env[k] === REDACTED && !(k in given))
    if (unknown.length)
      io.warn(
        `${unknown.join(', ')} ${unknown.length > 1 ? 'were' : 'was'} redacted in ${old.id}: the benchmark's own value is used where it declares one, else it is unset; set it with --env ${unknown[0]}=...`,
      )
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    const [fresh] = await runBenchmark({
      target: old.benchmark.uid,
      platform: old.platform,
      pinnedImage: old.image.id,
      sets: Object.fromEntries(Object.entries(old.params).map(([k, v]) => [k, String(v)])),
      repeat: flags.repeat ?? Math.max(old.repeats.length, 1),
      gpus: old.devices.gpus,
      cdi: old.devices.cdi,
      devices: flags.device ? flags.device.filter((d) => d !== 'none') : old.devices.paths,
      env: { ...recorded, ...given },
      cpus: flags.cpus === undefined ? old.limits?.cpus : parseCpus(flags.cpus),
      memoryBytes: flags.memory === undefined ? old.limits?.memoryBytes : parseSize(flags.memory),
      storePath: store.root,
      extraRepos: flags.repo,
      reproduces: old.id,
      events: io.events,
      signal: ac.signal,
    })
    if (!fresh || fresh.status === 'aborted') throw new CmcError('ABORTED', 'interrupted', { data: { original: old.id, reproduction: fresh?.id } })
    const comparison = compareWithOriginal(old, fresh)
    if (!io.json) {
      io.log(`reproduced ${old.id} as ${fresh.id} (${fresh.status})`)
      io.log(comparisonTable(comparison.metrics, ['before', 'now']))
    }
    const result = { original: old.id, reproduction: fresh.id, comparison }
    // as `cmc run` exits: the reproduction is recorded either way, and with --json the error is the one document, the result in its data
    if (fresh.status === 'timeout' || fresh.status === 'failed')
      throw new CmcError(fresh.status === 'timeout' ? 'TIMEOUT' : 'BENCHMARK_FAILED', `${fresh.benchmark.alias} ${fresh.status}: ${fresh.reason ?? ''}`, {
        hint: `see the logs: cmc exp show ${fresh.id}`,
        data: result,
      })
    return result
  },
})

/**
 * The reproduction against its record. It ran the recorded image by id, on this host by design;
 * when compare still refuses (a setup that differs), the refusal's hint names `cmc exp reproduce`'s
 * flags it does not have, so it is told as the `cmc exp compare` to run instead, the run recorded.
 */
function compareWithOriginal(old: ExperimentRecord, fresh: ExperimentRecord): Comparison {
  try {
    return compareGroups([old], [fresh], { allowDifferentHosts: true })
  } catch (e) {
    if (!(e instanceof CmcError)) throw e
    const flag = e.hint?.match(/--allow-[a-z-]+/)?.[0]
    throw new CmcError(e.code, `reproduced ${old.id} as ${fresh.id}, but the two cannot be compared: ${e.message}`, {
      details: e.details,
      hint: `compare them yourself: cmc exp compare ${old.id} ${fresh.id}${flag ? ` ${flag}` : ''}`,
      data: { original: old.id, reproduction: fresh.id },
    })
  }
}
