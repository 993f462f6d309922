// Versions as CM compares and chooses them. Versions are texts (2.9 written
// as a number is "2.9"; master and r3.0 are versions too), compared part by
// part on each part's leading digits. A dep's version request does not pick
// among scripts: it is handed to the script, which takes the version asked
// for, else its default_version moved into [version_min, version_max].
import { scalarText } from './script.js'

export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map((p) => Number(/^(\d+)/.exec(p)?.[1] ?? 0))
  const x = parts(a),
    y = parts(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d) return d > 0 ? 1 : -1
  }
  return 0
}

export interface VersionRequest {
  version?: string
  version_min?: string
  version_max?: string
  version_max_usable?: string
}

const KEYS = ['version', 'version_min', 'version_max', 'version_max_usable'] as const

/** The version keys of a dep (or of the command line), as texts. */
export function versionRequest(from: Record<string, unknown>): VersionRequest {
  const out: VersionRequest = {}
  for (const k of KEYS) {
    const v = scalarText(from[k])
    if (v !== undefined && v.trim() !== '') out[k] = v.trim()
  }
  return out
}

export interface ChosenVersion {
  version: string
  /** Why this version: asked for, the default, the default moved into the range. */
  why: string
}

/** The version a script takes for a request, as CM chooses it; undefined where nothing names one. */
export function chooseVersion(req: VersionRequest, meta: Record<string, unknown>): ChosenVersion | undefined {
  const own = versionRequest(meta)
  const version = req.version ?? own.version
  const min = req.version_min ?? own.version_min
  const max = req.version_max ?? own.version_max
  const usable = req.version_max_usable ?? own.version_max_usable
  if (version !== undefined) return { version, why: req.version !== undefined ? 'asked for' : 'the script fixes it' }
  const def = scalarText(meta.default_version)?.trim()
  if (!def) {
    const range = [min && `>= ${min}`, max && `<= ${max}`].filter(Boolean).join(', ')
    return range ? { version: '', why: `${range}; no default_version: the script detects or installs one in range at run time` } : undefined
  }
  if (min !== undefined && compareVersions(def, min) < 0) return { version: min, why: `default_version ${def} is below version_min ${min}` }
  if (max !== undefined && compareVersions(def, max) > 0) {
    const v = usable ?? max
    return { version: v, why: `default_version ${def} is above version_max ${max}${usable ? `; version_max_usable ${usable}` : ''}` }
  }
  return { version: def, why: 'default_version' }
}
