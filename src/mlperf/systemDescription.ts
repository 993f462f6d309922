// A submission's system description (systems/<system>.json, the fields the
// MLPerf submission checker requires): read into what a record says of the
// system, and written back from a host fingerprint plus what the user adds.
import type { HostFingerprint, PublishedSource } from '../store/record.js'

export type SystemDescription = Record<string, unknown>

/** The fields the submission checker requires in systems/<system>.json, in its order. */
export const SYSTEM_FIELDS = [
  'division',
  'submitter',
  'status',
  'system_name',
  'number_of_nodes',
  'host_processor_model_name',
  'host_processors_per_node',
  'host_processor_core_count',
  'host_memory_capacity',
  'host_storage_capacity',
  'host_storage_type',
  'accelerators_per_node',
  'accelerator_model_name',
  'accelerator_memory_capacity',
  'framework',
  'operating_system',
  'system_type',
  'other_software_stack',
  'host_processor_frequency',
  'host_processor_caches',
  'host_memory_configuration',
  'host_processor_interconnect',
  'host_networking',
  'host_networking_topology',
  'accelerator_frequency',
  'accelerator_host_interconnect',
  'accelerator_interconnect',
  'accelerator_interconnect_topology',
  'accelerator_memory_configuration',
  'accelerator_on-chip_memories',
  'cooling',
  'hw_notes',
  'sw_notes',
  'host_network_card_count',
  'system_type_detail',
] as const

const text = (v: unknown): string | undefined => (v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim())

/** A count as submitters write it: 8, "8", "8 (2 per socket)"; undefined when it is not one. */
export function countOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined
  const m = typeof v === 'string' ? /^\s*(\d+)/.exec(v) : null
  return m ? Number(m[1]) : undefined
}

/** What a CPU-only system writes for its accelerator. */
export const NO_ACCELERATOR = /^(n\/?a|none|-)$/i

/**
 * Why the accelerator count a system's results get is missing or may be
 * wrong, for the import to say: a named accelerator with no count, or a count
 * or node number that is not a number (a node number that is not one is taken
 * as 1). Undefined when the count is sound or there is no accelerator.
 */
export function acceleratorCountProblem(sys: SystemDescription): string | undefined {
  const accelerator = text(sys.accelerator_model_name)
  if (!accelerator || NO_ACCELERATOR.test(accelerator)) return undefined
  const perNode = sys.accelerators_per_node
  const refused = 'its results carry no accelerator count, and compares --per accelerator refuse them'
  if (text(perNode) === undefined) return `names the accelerator ${accelerator} but no accelerators_per_node: ${refused}`
  if (countOf(perNode) === undefined) return `accelerators_per_node ${JSON.stringify(perNode)} is not a count: ${refused}`
  if (text(sys.number_of_nodes) !== undefined && countOf(sys.number_of_nodes) === undefined)
    return `number_of_nodes ${JSON.stringify(sys.number_of_nodes)} is not a count: taken as 1, so its results count ${countOf(perNode)} accelerators`
  return undefined
}

/** What a record says of a published system, from its description. */
export function describeSystem(
  sys: SystemDescription,
): Pick<PublishedSource, 'systemName' | 'systemType' | 'availability' | 'accelerator' | 'accelerators' | 'hostProcessor' | 'framework' | 'operatingSystem'> {
  const perNode = countOf(sys.accelerators_per_node)
  const nodes = countOf(sys.number_of_nodes) ?? 1
  const accelerator = text(sys.accelerator_model_name)
  return {
    systemName: text(sys.system_name),
    systemType: text(sys.system_type),
    availability: text(sys.status)?.toLowerCase(),
    // a CPU-only system names "N/A" or nothing and has no accelerators
    accelerator: accelerator && !NO_ACCELERATOR.test(accelerator) ? accelerator : undefined,
    accelerators: perNode !== undefined ? perNode * nodes : undefined,
    hostProcessor: text(sys.host_processor_model_name),
    framework: text(sys.framework),
    operatingSystem: text(sys.operating_system),
  }
}

/** The host as far as a publication states it: nothing is measured, unknown parts stay empty or 0. */
export function publishedHost(submitter: string, system: string, sys: SystemDescription): HostFingerprint {
  const cores = countOf(sys.host_processor_core_count)
  const sockets = countOf(sys.host_processors_per_node) ?? 1
  const nodes = countOf(sys.number_of_nodes) ?? 1
  return {
    hostname: `mlperf:${submitter}/${system}`,
    os: text(sys.operating_system) ?? '',
    kernel: '',
    arch: '',
    cpuModel: text(sys.host_processor_model_name) ?? '',
    cores: cores !== undefined ? cores * sockets * nodes : 0,
    memoryBytes: 0,
    gpus: [],
    docker: { version: '', apiVersion: '', os: '', arch: '', runtimes: [] },
  }
}

/**
 * A system description for a submission of local runs: what the host
 * fingerprint knows, then the user's fields over it, every required field
 * present (empty where nobody said).
 */
export function systemFromHost(host: HostFingerprint, given: SystemDescription): SystemDescription {
  const gpus = host.gpus
  const known: SystemDescription = {
    system_name: host.hostname,
    number_of_nodes: 1,
    host_processor_model_name: host.cpuModel,
    host_processors_per_node: 1,
    host_processor_core_count: host.cores,
    host_memory_capacity: host.memoryBytes ? `${Math.round(host.memoryBytes / 2 ** 30)} GiB` : '',
    accelerators_per_node: gpus.length,
    accelerator_model_name: gpus.length ? gpus[0]!.model : 'N/A',
    operating_system: host.os,
    system_type: 'datacenter',
    status: 'available',
    sw_notes: gpus[0]?.driver ? `driver ${gpus[0].driver}; kernel ${host.kernel}` : `kernel ${host.kernel}`,
  }
  const out: SystemDescription = {}
  for (const field of SYSTEM_FIELDS) out[field] = given[field] ?? known[field] ?? ''
  for (const [k, v] of Object.entries(given)) out[k] ??= v
  return out
}
