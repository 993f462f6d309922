// Flags and args as plain data, and the parser that reads argv against them
// without oclif. A command declares its flags once (src/cli/command.ts); oclif's
// flags are derived from the same data (src/cli/oclif.ts), so --help and every
// error message come from oclif. This parser accepts only argv it reads exactly
// as oclif would and answers `undefined` for anything else, which sends the
// invocation to oclif unchanged.
import { parseArgs } from 'node:util'

export interface FlagSpec {
  kind: 'string' | 'integer' | 'boolean'
  description: string
  char?: string
  multiple?: boolean
  default?: string | number | boolean
  options?: readonly string[]
  min?: number
  required?: boolean
  /** flags that cannot be given with this one */
  exclusive?: readonly string[]
}

export interface ArgSpec {
  name: string
  description: string
  required?: boolean
  options?: readonly string[]
  default?: string
}

export type FlagSpecs = Record<string, FlagSpec>

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>

export interface FastParse {
  args: Record<string, string | undefined>
  flags: ParsedFlags
  json: boolean
  quiet: boolean
}

export const repoSpec = {
  kind: 'string',
  char: 'r',
  multiple: true,
  description:
    'extra artifact repository folder to use without registering it; it replaces a registered copy of the same repository (repeatable; also CMC_REPOS=dir1:dir2)',
} as const satisfies FlagSpec

export const platformSpec = {
  kind: 'string',
  char: 'p',
  description: "target platform profile: x86_64, arm64, cuda, rocm (default: the host's)",
} as const satisfies FlagSpec

export const storeSpec = {
  kind: 'string',
  description: 'experiment store folder (default: CMC_STORE, else the nearest .cmc/ walking up, else ~/.cmc/store)',
} as const satisfies FlagSpec

/** --store of the commands that read records: a folder, or a team hub's project. */
export const readStoreSpec = {
  kind: 'string',
  description: 'experiment store: a folder, or a hub project https://HUB/PROJECT (default: CMC_STORE, else the nearest .cmc/ walking up, else ~/.cmc/store)',
} as const satisfies FlagSpec

/** `--per accelerator`: a LoadGen headline divided by each run's accelerator count (exp compare, report). */
export const perFlag = {
  kind: 'string',
  options: ['accelerator'],
  description:
    "LoadGen results: compare the headline result divided by each run's accelerator count (published results state theirs; a run counts the GPUs it was given)",
} as const satisfies FlagSpec

/** The flags every command has: oclif's --json and cmc's --quiet. */
export const GLOBAL_FLAGS = {
  json: { kind: 'boolean', description: 'format output as json' },
  quiet: { kind: 'boolean', char: 'q', description: "print only results, warnings and errors (benchmark output stays in the record's logs)" },
} as const satisfies FlagSpecs

/** node:util's parseArgs tokens (its own type is lost to its generics). */
type Token =
  | { kind: 'option'; name: string; rawName: string; index: number; value: string | undefined; inlineValue: boolean | undefined }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number }

/**
 * Parses argv (after the command id) against a command's flags and args, or
 * returns undefined when argv holds anything this parser does not read exactly
 * as oclif would: help, unknown or repeated single flags, bad values, missing
 * args, bundled short flags, `--`.
 */
export function parseFast(argv: readonly string[], spec: { flags?: FlagSpecs; args?: readonly ArgSpec[] }): FastParse | undefined {
  const all: FlagSpecs = { ...GLOBAL_FLAGS, ...spec.flags }
  const tokens = tokenize(argv, all)
  if (!tokens || !plainTokens(tokens, all)) return undefined
  const flags: ParsedFlags = {}
  const positional: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positional.push(token.value)
      continue
    }
    if (token.kind !== 'option') return undefined
    const flag = all[token.name]!
    if (flag.kind === 'boolean') {
      flags[token.name] = true
      continue
    }
    const value = parseValue(token.value!, flag)
    if (value === undefined) return undefined
    if (flag.multiple) ((flags[token.name] as string[] | undefined) ??= []).push(value as string)
    else flags[token.name] = value
  }
  const args = readArgs(positional, spec.args ?? [])
  if (!args || !withDefaults(flags, spec.flags ?? {})) return undefined
  const json = flags.json === true
  const quiet = flags.quiet === true
  delete flags.json
  return { args, flags, json, quiet }
}

/** node:util's tokens for argv, or undefined where it refuses it (unknown flags, a missing value). */
function tokenize(argv: readonly string[], all: FlagSpecs): Token[] | undefined {
  const options = Object.fromEntries(
    Object.entries(all).map(([name, f]) => [
      name,
      {
        type: f.kind === 'boolean' ? ('boolean' as const) : ('string' as const),
        ...(f.char ? { short: f.char } : {}),
        ...(f.multiple ? { multiple: true } : {}),
      },
    ]),
  )
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true }).tokens as Token[]
  } catch {
    return undefined
  }
}

/**
 * Whether the tokens hold only forms oclif reads the same way: no `--`, no
 * lone `-`, no bundled or glued short flags, no single flag given twice, no
 * value that looks like a flag, and no word right after a multiple flag's value
 * (oclif reads it as one more value).
 */
function plainTokens(tokens: Token[], all: FlagSpecs): boolean {
  const seen = new Set<string>()
  const indexes = new Set<number>()
  let afterMultiple = -1
  for (const token of tokens) {
    if (token.kind === 'option-terminator') return false
    if (token.kind === 'positional') {
      if (token.value === '-' || token.index === afterMultiple) return false
      continue
    }
    const flag = all[token.name]!
    if (indexes.has(token.index)) return false // -abc
    indexes.add(token.index)
    if (token.rawName.length === 2 && token.rawName[0] === '-' && token.inlineValue) return false // -cvalue
    if (flag.kind === 'boolean' && token.inlineValue) return false
    if (!flag.multiple && seen.has(token.name)) return false
    seen.add(token.name)
    if (flag.kind !== 'boolean' && !token.inlineValue && /^-(?!\d)/.test(token.value ?? '')) return false
    if (flag.multiple && !token.inlineValue) afterMultiple = token.index + 2
  }
  return true
}

/** Positional words as named args; undefined for too many, a missing required one or one not among its options. */
function readArgs(positional: string[], specs: readonly ArgSpec[]): Record<string, string | undefined> | undefined {
  if (positional.length > specs.length) return undefined
  const args: Record<string, string | undefined> = {}
  for (const [k, a] of specs.entries()) {
    const value = positional[k]
    if (value === undefined && a.required) return undefined
    if (value === undefined && a.default !== undefined) {
      args[a.name] = a.default
      continue
    }
    if (value !== undefined && a.options && !a.options.includes(value)) return undefined
    args[a.name] = value
  }
  return args
}

/** Judges exclusive and required flags on what was given, then fills in defaults; false where argv breaks one. */
function withDefaults(flags: ParsedFlags, specs: FlagSpecs): boolean {
  for (const [name, f] of Object.entries(specs)) {
    if (flags[name] !== undefined && f.exclusive?.some((x) => flags[x] !== undefined)) return false
  }
  for (const [name, f] of Object.entries(specs)) {
    if (flags[name] === undefined && f.required) return false
    if (flags[name] === undefined && f.default !== undefined) flags[name] = f.default
    if (flags[name] === undefined && f.kind === 'boolean') flags[name] = false
  }
  return true
}

function parseValue(raw: string, flag: FlagSpec): string | number | undefined {
  if (flag.options && !flag.options.includes(raw)) return undefined
  if (flag.kind === 'string') return raw
  if (!/^-?\d+$/.test(raw)) return undefined
  const n = Number(raw)
  if (flag.min !== undefined && n < flag.min) return undefined
  return n
}
