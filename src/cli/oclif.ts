// The oclif side of a declared command (src/cli/command.ts): oclif's flags and
// args derived from the declaration's data, and the command class oclif runs,
// made from the declaration the first time oclif runs it. Help, parse errors
// and everything the fast path declines come through here. oclif is loaded
// through src/lazy.ts, only when one of these functions is called.
import { CmcError, isCmcError } from '../errors.js'
import { oclif } from '../lazy.js'
import { nearest } from '../meta/nearest.js'
import type { DeclaredCommand } from './command.js'
import { commandIo, failWith, printResult } from './io.js'
import type { ArgSpec, FlagSpec, FlagSpecs } from './spec.js'

export function oclifFlag(f: FlagSpec, helpGroup?: string) {
  const Flags = oclif.flags()
  const common = {
    description: f.description,
    ...(f.char ? { char: f.char as 'a' } : {}),
    ...(f.exclusive ? { exclusive: [...f.exclusive] } : {}),
    ...(helpGroup ? { helpGroup } : {}),
    ...(f.required ? { required: true } : {}),
  }
  if (f.kind === 'boolean') return Flags.boolean({ ...common, default: f.default === true })
  if (f.kind === 'integer') {
    return Flags.integer({ ...common, ...(f.min !== undefined ? { min: f.min } : {}), ...(typeof f.default === 'number' ? { default: f.default } : {}) })
  }
  const options = f.options ? { options: [...f.options] } : {}
  if (f.multiple) return Flags.string({ ...common, ...options, multiple: true })
  return Flags.string({ ...common, ...options, ...(typeof f.default === 'string' ? { default: f.default } : {}) })
}

export function oclifFlags(specs: FlagSpecs, helpGroup?: string) {
  return Object.fromEntries(Object.entries(specs).map(([name, f]) => [name, oclifFlag(f, helpGroup)]))
}

export function oclifArgs(specs: readonly ArgSpec[]) {
  const Args = oclif.args()
  return Object.fromEntries(
    specs.map((a) => [
      a.name,
      Args.string({
        description: a.description,
        required: a.required ?? false,
        ...(a.options ? { options: [...a.options] } : {}),
        ...(a.default !== undefined ? { default: a.default } : {}),
      }),
    ]),
  )
}

type OclifConfig = import('@oclif/core/config').Config
type OclifCommand = import('@oclif/core/command').Command

const classes = new WeakMap<DeclaredCommand, { run(argv: string[], config: OclifConfig): Promise<unknown> }>()

/** Runs a declared command the way oclif runs a command class (help, parsing, errors). */
export function runWithOclif(declared: DeclaredCommand, argv: string[], config: unknown): Promise<unknown> {
  let Class = classes.get(declared)
  if (!Class) {
    Class = commandClass(declared)
    classes.set(declared, Class)
  }
  return Class.run(argv, config as OclifConfig)
}

function commandClass(declared: DeclaredCommand) {
  const { Command } = oclif.command()
  const { declaration } = declared
  return class extends Command {
    static override id = declared.id ?? ''
    static override summary = declaration.summary
    static override description = declaration.description
    static override examples = [...(declaration.examples ?? [])]
    static override enableJsonFlag = true
    static override baseFlags = declared.baseFlags as OclifCommand['ctor']['baseFlags']
    static override flags = declared.flags as OclifCommand['ctor']['flags']
    static override args = declared.args as OclifCommand['ctor']['args']

    async run() {
      const io = commandIo({ json: this.jsonEnabled(), quiet: this.argv.includes('--quiet') || this.argv.includes('-q') })
      let parsed: { args: Record<string, unknown>; flags: Record<string, unknown> }
      try {
        parsed = await this.parse(this.ctor)
      } catch (err) {
        // whatever the parser throws is about the command line
        if (isCmcError(err) || (err as { oclif?: { exit?: number } }).oclif?.exit === 0) throw err
        throw usageError(err as Error, this.id, ['json', ...Object.keys({ ...(declared.baseFlags as object), ...declaration.flags })])
      }
      const { flags } = parsed
      delete flags.json
      const result = await declaration.action({ args: parsed.args, flags } as never, io)
      printResult(result, io)
      return undefined // printed: oclif must not print it again
    }

    protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
      if (isCmcError(err)) return failWith(err, this.jsonEnabled())
      return super.catch(err)
    }
  }
}

/** oclif's parse error as cmc's usage error: its message without the boilerplate, an unknown flag's nearest named. */
function usageError(err: Error, id: string | undefined, flagNames: string[]): CmcError {
  // "Missing 1 required arg:\nbenchmark  benchmark alias or uid" -> "Missing 1 required arg: benchmark (benchmark alias or uid)"
  const lines = err.message
    // an indented line goes on the one before it (oclif wraps a long description)
    .replace(/\n {2,}/g, ' ')
    .split('\n')
    .map((l) => l.trim().replace(/^(\S+)\s{2,}(.+)$/, '$1 ($2)'))
    .filter((l) => l && !/^(See more help|Note:|Alternatively,)/i.test(l) && !/^The following errors? occurred:?$/i.test(l))
  const message = lines.reduce((m, l) => (m ? `${m}${m.endsWith(':') ? ' ' : '; '}${l}` : l), '')
  const help = `run \`cmc ${id?.replace(/:/g, ' ') ?? ''} --help\` for usage`
  // "Parsing --repeat; Expected an integer greater than or equal to 1 but received: 0" -> "--repeat 0: expected an integer, 1 or more"
  const value = /^Parsing --([\w-]+); Expected (.+?) but received: (.*)$/.exec(message)
  if (value) {
    const expected = value[2]!.replace(/ greater than or equal to (\S+)$/, ', $1 or more').replace(/ less than or equal to (\S+)$/, ', $1 or less')
    return new CmcError('FLAG_VALUE', `--${value[1]} ${value[3]}: expected ${expected}`, { hint: help })
  }
  const unknown = /Nonexistent flags?: --([\w-]+)(?:[ =](\S+))?/.exec(message)
  const [near] = unknown ? nearest(unknown[1]!, flagNames, 1) : []
  // `cmc run stream --threads 2`: a benchmark's param taken for a flag
  const param = unknown && flagNames.includes('set') ? `a benchmark's params are set with --set, e.g. \`--set ${unknown[1]}=${unknown[2] ?? 'VALUE'}\`; ` : ''
  const rest = param + help
  const hint = near ? `did you mean \`--${near}\`? ${rest[0]!.toUpperCase()}${rest.slice(1)}` : rest
  return new CmcError('USAGE', message || err.message, { hint })
}
