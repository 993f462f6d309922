// Commands on the hot path (find, run, build, exp list, exp compare) declare their
// flags and args as plain data (this file's types, src/cli/actions/), so that bin/run.js can parse and run them without
// loading oclif (about half of a warm `cmc find`'s wall time). The oclif command
// classes build their flags from the same data (src/cli/flags.ts), so --help and
// every error message still come from oclif: this parser only accepts argv it can
// read without doubt and answers `undefined` for anything else, which sends the
// invocation to oclif unchanged.

export interface FlagSpec {
  kind: 'string' | 'integer' | 'boolean'
  description: string
  char?: string
  multiple?: boolean
  default?: string | number | boolean
  options?: readonly string[]
  min?: number
  /** flags that cannot be given with this one */
  exclusive?: readonly string[]
}

export interface ArgSpec {
  name: string
  description: string
  required?: boolean
}

export interface CommandSpec {
  flags: Record<string, FlagSpec>
  args?: readonly ArgSpec[]
}

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>

export interface FastParse {
  args: Record<string, string | undefined>
  flags: ParsedFlags
  json: boolean
  quiet: boolean
}

export const repoSpec: FlagSpec = {
  kind: 'string',
  char: 'r',
  multiple: true,
  description: 'extra artifact repository folder to use without registering it; it replaces a registered copy of the same repository (repeatable; also CMC_REPOS=dir1:dir2)',
}

export const platformSpec: FlagSpec = {
  kind: 'string',
  char: 'p',
  description: 'target platform profile: x86_64, arm64, cuda, rocm (default: the host\'s)',
}

export const storeSpec: FlagSpec = {
  kind: 'string',
  description: 'experiment store folder (default: CMC_STORE, else the nearest .cmc/ walking up, else ~/.cmc/store)',
}

/** The global flags every command has (BaseCommand's and oclif's --json). */
const GLOBAL: Record<string, FlagSpec> = {
  json: { kind: 'boolean', description: 'format output as json' },
  quiet: { kind: 'boolean', char: 'q', description: 'print only results, warnings and errors (benchmark output stays in the record\'s logs)' },
}

/**
 * Parses argv (after the command id) against a spec, or returns undefined when
 * the argv holds anything this parser does not read exactly as oclif would:
 * help, unknown or repeated single flags, bad values, missing args, `--`.
 */
export function parseFast(argv: readonly string[], spec: CommandSpec): FastParse | undefined {
  const all = { ...GLOBAL, ...spec.flags }
  const byChar = new Map(Object.entries(all).filter(([, f]) => f.char).map(([name, f]) => [f.char!, name]))
  const flags: ParsedFlags = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (token === '--' || token === '-' || token === '--help' || token === '-h') return undefined
    if (!token.startsWith('-')) {
      positional.push(token)
      continue
    }
    let name: string | undefined
    let inline: string | undefined
    if (token.startsWith('--')) {
      const eq = token.indexOf('=')
      name = eq === -1 ? token.slice(2) : token.slice(2, eq)
      inline = eq === -1 ? undefined : token.slice(eq + 1)
    } else {
      if (token.length !== 2) return undefined // -abc bundles and -cvalue: oclif's business
      name = byChar.get(token[1]!)
    }
    const flag = name === undefined ? undefined : all[name]
    if (!flag || name === undefined) return undefined
    if (flag.kind === 'boolean') {
      if (inline !== undefined || flags[name] !== undefined) return undefined
      flags[name] = true
      continue
    }
    const raw = inline ?? argv[++i]
    if (raw === undefined || (inline === undefined && raw.startsWith('-') && !/^-\d/.test(raw))) return undefined
    const value = parseValue(raw, flag)
    if (value === undefined) return undefined
    if (flag.multiple) {
      // oclif reads the words after a multiple flag as more values: leave it those
      if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) return undefined
      ;(flags[name] as string[] | undefined)?.push(value as string) ?? (flags[name] = [value as string])
    } else {
      if (flags[name] !== undefined) return undefined
      flags[name] = value
    }
  }
  const specArgs = spec.args ?? []
  if (positional.length > specArgs.length) return undefined
  const args: Record<string, string | undefined> = {}
  for (const [k, a] of specArgs.entries()) {
    if (positional[k] === undefined && a.required) return undefined
    args[a.name] = positional[k]
  }
  // exclusive flags are judged on what was given, before defaults fill in
  for (const [name, f] of Object.entries(spec.flags)) {
    if (flags[name] !== undefined && f.exclusive?.some((x) => flags[x] !== undefined)) return undefined
  }
  for (const [name, f] of Object.entries(spec.flags)) {
    if (flags[name] === undefined && f.default !== undefined) flags[name] = f.default
    if (flags[name] === undefined && f.kind === 'boolean') flags[name] = false
  }
  const json = flags.json === true
  const quiet = flags.quiet === true
  delete flags.json
  return { args, flags, json, quiet }
}

function parseValue(raw: string, flag: FlagSpec): string | number | undefined {
  if (flag.options && !flag.options.includes(raw)) return undefined
  if (flag.kind === 'string') return raw
  if (!/^-?\d+$/.test(raw)) return undefined
  const n = Number(raw)
  if (flag.min !== undefined && n < flag.min) return undefined
  return n
}
