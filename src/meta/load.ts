// Loading one artifact's meta file (cmc.yaml/cmc.json, or CM's _cm.yaml,
// _cm.json, meta.yaml): parse (parse.ts), validate, and report the first
// problem as a CmcError with file:line:col and what to write instead.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { SCENARIO_NAMES } from '../collect/scenarios.js'
import { CmcError, type ErrorCode } from '../errors.js'
import type { Artifact } from './artifact.js'
import { cmToComponent, looksLikeCm } from './cmScript.js'
import { KINDS, type Kind } from './kinds.js'
import { nearest } from './nearest.js'
import { parseMetaText, type Parsed } from './parse.js'
import type { ArtifactMeta, BenchmarkMeta } from './schema.js'
import { derivedUid } from './uid.js'
import { validateMeta, valueAt, type MetaProblem } from './validate.js'

export { parseMetaText, yaml } from './parse.js'

import { CM_META_FILES } from './files.js'

export { CM_META_FILES, CMC_META_FILES } from './files.js'

export interface RepoRef {
  name: string
  root: string
  uid?: string
}

function fail(
  file: string,
  parsed: Parsed,
  code: ErrorCode,
  message: string,
  p: Array<string | number>,
  atKey: boolean,
  hint?: string,
  details?: string[],
): never {
  const pos = parsed.position(p, atKey)
  throw new CmcError(code, message, { where: { file, ...pos }, hint, details })
}

/**
 * Regex metrics that could never give a value, refused here rather than
 * after a build and a run: no patterns, a pattern that does not compile, a
 * pattern without a capture group for the number.
 */
function checkMetricPatterns(file: string, parsed: Parsed, meta: BenchmarkMeta): void {
  const spec = meta.outputs?.metrics
  if (spec?.scenario !== undefined) checkScenario(file, parsed, spec.format, spec.scenario)
  if (spec?.format !== 'regex') return
  const at = ['outputs', 'metrics']
  if (!spec.patterns || !Object.keys(spec.patterns).length) {
    const hint = `add "patterns:", a regex per metric with a capture group for its value, e.g. patterns: { gflops: 'GFLOP/s: ([0-9.]+)' }`
    fail(file, parsed, 'META_MISSING_KEY', 'outputs.metrics has format: regex but no patterns', spec.patterns ? [...at, 'patterns'] : at, true, hint)
  }
  for (const [name, pattern] of Object.entries(spec.patterns)) {
    const where = [...at, 'patterns', name]
    const key = `outputs.metrics.patterns.${name}`
    try {
      new RegExp(pattern, 'm')
    } catch (e) {
      fail(
        file,
        parsed,
        'METRICS_REGEX',
        `${key}: invalid regex '${pattern}': ${(e as Error).message}`,
        where,
        false,
        'JavaScript regex syntax, e.g. ([0-9.]+)',
      )
    }
    // with `|` added a regex matches '' and gives one slot per capture group
    if (new RegExp(`${pattern}|`).exec('')!.length === 1)
      fail(
        file,
        parsed,
        'META_INVALID',
        `${key}: '${pattern}' has no capture group for the value`,
        where,
        false,
        `put the number in parentheses, e.g. ${name}: 'took ([0-9.]+) ms'`,
      )
  }
}

/** outputs.metrics.scenario: for LoadGen logs only, and a scenario's name or a template over the params. */
function checkScenario(file: string, parsed: Parsed, format: string, scenario: string): void {
  const at = ['outputs', 'metrics', 'scenario']
  if (format !== 'loadgen')
    fail(
      file,
      parsed,
      'META_INVALID',
      `outputs.metrics.scenario is the MLPerf scenario LoadGen logs stand for, and these metrics are format: ${format}`,
      at,
      true,
      'set format: loadgen, or leave scenario out',
    )
  if (scenario.includes('{{') || SCENARIO_NAMES.includes(scenario)) return
  const near = nearest(scenario, SCENARIO_NAMES, 1)
  fail(
    file,
    parsed,
    'META_INVALID',
    `outputs.metrics.scenario: "${scenario}" is not an MLPerf scenario`,
    at,
    false,
    near.length ? `did you mean "${near[0]}"?` : `write one of ${SCENARIO_NAMES.join(', ')}, or a template such as '{{scenario}}'`,
  )
}

/**
 * A problem said in words where the schema can only say "must match" a regex:
 * the one rule on a text entry of `files:` is that it stays inside the
 * artifact's folder (schema.ts), so a listed path cannot reach the builder's
 * machine beyond it.
 */
function inWords(p: MetaProblem, data: unknown, metaFile: string): MetaProblem {
  const value = valueAt(data, p.path)
  if (p.code !== 'META_INVALID' || p.path.at(-2) !== 'files' || typeof p.path.at(-1) !== 'number' || typeof value !== 'string') return p
  return {
    ...p,
    message: `${p.path.join('.')} ${JSON.stringify(value)} leaves the artifact's folder`,
    hint: `\`files:\` lists what is in the folder of ${metaFile}: write paths relative to the folder, without \`..\`; copy what is needed from elsewhere into it`,
  }
}

/**
 * Load and validate one meta file (`text`: its content when the caller has
 * read it already). Throws CmcError('input', META_*) with a position.
 */
export function loadArtifactFile(file: string, repo: RepoRef, text?: string): Artifact {
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new CmcError('META_READ', `cannot read ${file}: ${(e as Error).message}`, { where: { file } })
    }
  }
  const parsed = parseMetaText(text, file)
  const dir = path.dirname(file)
  const relDir = path.relative(repo.root, dir).split(path.sep).join('/') || '.'
  const base = path.basename(file)
  const data = parsed.data

  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    fail(
      file,
      parsed,
      'META_INVALID',
      'meta must be a mapping of keys to values',
      [],
      false,
      'start with `kind: component` (or image, benchmark, platform) and `alias: NAME`',
    )
  }

  if (CM_META_FILES.includes(base) && looksLikeCm(data)) {
    const alias = String(data.alias)
    const uid = typeof data.uid === 'string' && /^[0-9a-f]{16}$/.test(data.uid) ? data.uid : derivedUid(repo.uid ?? repo.name, relDir)
    const meta = cmToComponent(data, alias, uid)
    return { kind: 'component', alias, uid, tags: meta.tags ?? [], version: meta.version, dir, file, repo: repo.name, relDir, format: 'cm', meta }
  }

  const obj = data as Record<string, unknown>
  const kind = obj.kind
  if (typeof kind !== 'string' || !KINDS.includes(kind as Kind)) {
    const near = typeof kind === 'string' ? nearest(kind, KINDS, 1) : []
    fail(
      file,
      parsed,
      'META_KIND',
      kind === undefined ? 'missing "kind"' : `unknown kind "${String(kind)}"`,
      kind === undefined ? [] : ['kind'],
      false,
      near.length ? `did you mean "kind: ${near[0]}"?` : `write one of: ${KINDS.map((k) => `kind: ${k}`).join(', ')}`,
    )
  }
  const problems = validateMeta(kind as Kind, data)
  if (problems.length) {
    const [p, ...others] = problems.map((q) => inWords(q, data, base))
    const more = others.length ? ` (and ${others.length} more problem${others.length > 1 ? 's' : ''})` : ''
    // each other problem at its line, as the first is
    const details = others.map((q) => {
      const at = parsed.position(q.path, q.atKey)
      return `${at ? `${at.line}:${at.col}: ` : ''}${q.message}`
    })
    fail(file, parsed, p!.code, p!.message + more, p!.path, p!.atKey, p!.hint, details)
  }
  const meta = data as ArtifactMeta
  if (meta.kind === 'benchmark') checkMetricPatterns(file, parsed, meta)
  const uid = meta.uid ?? derivedUid(repo.uid ?? repo.name, relDir)
  return {
    kind: meta.kind,
    alias: meta.alias,
    uid,
    tags: meta.tags ?? [],
    version: meta.version,
    dir,
    file,
    repo: repo.name,
    relDir,
    format: 'cmc',
    meta: { ...meta, uid },
  }
}
