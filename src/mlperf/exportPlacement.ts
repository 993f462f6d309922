// Where a record goes in an exported submission tree, whatever the round:
// its division, submitter, system, benchmark, scenario and mode, and its
// files named as they sit in a scenario folder of today's layout
// (performance/run_1/..., accuracy/..., TEST0X/..., user.conf,
// measurements.json, mlperf.conf). The round's layout (exportTree.ts) decides
// the folders they end up in.
import { loadgenFolderOf, type LoadgenFacts } from '../collect/parseLoadgen.js'
import { scenarioOfFacts } from '../collect/scenarios.js'
import { CmcError } from '../errors.js'
import { readKeptLoadgen } from '../store/keptFiles.js'
import type { ExperimentRecord } from '../store/record.js'
import type { Store } from '../store/store.js'
import { COMPLIANCE_TEST } from './compliance.js'
import { systemFromHost, type SystemDescription } from './systemDescription.js'

export interface PlacementOptions {
  /** the submitter of local runs (published ones keep theirs) */
  submitter?: string
  division?: string
  /** the system id of local runs; default: from the host's accelerators, else its hostname */
  systemId?: string
  /** fields of systems/<system>.json for local runs, over what the host fingerprint knows; `measurements` holds measurements.json's */
  system?: SystemDescription
  /** the MLPerf benchmark name of local runs (resnet50, bert-99, ...); default: the record's benchmark */
  benchmark?: string
}

export interface Placement {
  division: string
  submitter: string
  system: string
  benchmark: string
  scenario: string
  mode: string
  systemDescription: SystemDescription
  measurements: Record<string, unknown>
  /** files: record-relative source path -> path under the scenario folder, as today's layout names it */
  files: Array<{ from: string; to: string }>
  settings?: LoadgenFacts['settings']
}

const safeName = (s: string) => s.replace(/[^\w.+-]+/g, '_').replace(/^_+|_+$/g, '') || 'system'

/**
 * Why a name cannot be one folder of the tree, or undefined: a division,
 * submitter, system, benchmark or scenario with a slash or `..` would put
 * files in another result's folder, or outside -o.
 */
function unsafeName(s: string): string | undefined {
  if (!s.trim()) return 'it is empty'
  if (s === '.' || s === '..') return `${s} names no folder of its own`
  if (/[/\\\0]/.test(s)) return 'it holds a slash'
  return undefined
}

/** Why a kept file's path under a scenario folder would leave that folder, or undefined. */
function unsafePath(p: string): string | undefined {
  if (/[\\\0]/.test(p) || p.split('/').some((part) => part === '' || part === '.' || part === '..'))
    return `its kept file ${JSON.stringify(p)} would be written outside its scenario folder`
  return undefined
}

/** The placement, or why its names would put a file anywhere but in its own folders. */
function inTree(at: Placement): Placement | string {
  for (const field of ['division', 'submitter', 'system', 'benchmark', 'scenario', 'mode'] as const) {
    const why = unsafeName(at[field])
    if (why) return `its ${field} ${JSON.stringify(at[field])} cannot be a folder of the tree: ${why}`
  }
  for (const f of at.files) {
    const why = unsafePath(f.to)
    if (why) return why
  }
  return at
}

const EXAMPLES = { submitter: 'MyOrg', 'system-id': 'my-system', benchmark: 'resnet50' }

/** A flag's value that becomes a folder of the tree: one name, or FLAG_VALUE. */
function flagName(flag: keyof typeof EXAMPLES, value: string | undefined): void {
  const why = value === undefined ? undefined : unsafeName(value)
  if (why)
    throw new CmcError('FLAG_VALUE', `--${flag} ${JSON.stringify(value)}: ${why}; it names one folder of the submission tree`, {
      hint: `give --${flag} one folder name, no slash or .., e.g. --${flag} ${EXAMPLES[flag]}`,
    })
}

/** Where a published record goes: back where it was published, with the files it kept. */
export function placePublished(record: ExperimentRecord): Placement | string {
  const src = record.source!
  const files = record.outputs.map((o) => ({ from: o.path, to: o.path }))
  const logs = files.filter((f) => /^(performance\/run_\d+|accuracy)\/mlperf_log_(summary|detail)\.txt$/.test(f.to))
  if (!logs.length) return `a published result without its logs (imported from ${src.from}) cannot make a submission`
  return inTree({
    division: src.division,
    submitter: src.submitter,
    system: src.system,
    benchmark: src.benchmark,
    scenario: src.scenario,
    mode: src.mode,
    systemDescription: src.systemDescription ?? {},
    measurements: src.measurements ?? {},
    files,
    settings: record.loadgen?.settings,
  })
}

/** The run's own files in its LoadGen folder that a scenario folder holds as they are. */
const SCENARIO_FILES = /^(user\.conf|mlperf\.conf)$/
const LOG_FILES = /^(mlperf_log_(summary|detail)\.txt|mlperf_log_accuracy\.json|accuracy\.txt)$/

/**
 * Where a local run goes: its LoadGen logs as run_1 (or accuracy/), the
 * compliance folders (TEST0X/) its outputs hold beside the logs, the system
 * from its host and the user's fields.
 */
export function placeLocal(store: Store, record: ExperimentRecord, opts: PlacementOptions): Placement | string {
  flagName('submitter', opts.submitter)
  flagName('system-id', opts.systemId)
  flagName('benchmark', opts.benchmark)
  const paths = record.outputs.map((o) => o.path)
  // a compliance run's logs are not the run's own
  const folder = loadgenFolderOf(paths.filter((p) => !p.split('/').some((part) => COMPLIANCE_TEST.test(part))))
  if (folder === undefined) return 'its outputs hold no mlperf_log_summary.txt or mlperf_log_detail.txt'
  const loadgen = record.loadgen ?? readKeptLoadgen(store, record)
  if (!loadgen?.scenario) return 'its LoadGen logs name no scenario'
  if (!opts.submitter)
    throw new CmcError('EXPORT_SYSTEM_FIELDS', 'a submission of local runs needs its submitter', { hint: 'add --submitter NAME (your organization)' })
  const accuracy = loadgen.mode === 'AccuracyOnly'
  const prefix = folder === '.' ? '' : `${folder}/`
  const files: Placement['files'] = []
  for (const p of paths) {
    if (!p.startsWith(prefix)) continue
    const rel = p.slice(prefix.length)
    const [first, ...rest] = rel.split('/')
    if (!rest.length && LOG_FILES.test(first!)) files.push({ from: p, to: `${accuracy ? 'accuracy' : 'performance/run_1'}/${rel}` })
    else if (!rest.length && SCENARIO_FILES.test(first!) && !accuracy) files.push({ from: p, to: rel })
    else if (rest.length && COMPLIANCE_TEST.test(first!) && !accuracy) files.push({ from: p, to: rel })
  }
  const gpus = record.host.gpus
  const system = opts.systemId ?? safeName(gpus.length ? `${gpus[0]!.model}x${gpus.length}` : record.host.hostname)
  const division = opts.division ?? 'closed'
  const { measurements, ...given } = opts.system ?? {}
  return inTree({
    division,
    submitter: opts.submitter,
    system,
    benchmark: opts.benchmark ?? record.benchmark.alias,
    scenario: scenarioOfFacts(loadgen)!,
    mode: loadgen.mode ?? 'PerformanceOnly',
    systemDescription: systemFromHost(record.host, { ...given, division, submitter: opts.submitter }),
    measurements: (measurements && typeof measurements === 'object' ? measurements : {}) as Record<string, unknown>,
    files,
    settings: loadgen.settings,
  })
}
