// One declaration per command: its help text, its flags and args as data, the
// action and the type of what `--json` prints. Each file under src/commands/
// default-exports `defineCommand({...})`. The oclif-free fast path
// (src/cli/fast.ts) runs the action straight from the declaration; oclif sees
// the same object as a command (the `run`, `flags` and `args` members below),
// whose class src/cli/oclif.ts derives from the declaration when oclif runs it;
// oclif itself loads only then.
import type { CommandIo } from './io.js'
import { oclifArgs, oclifFlags, runWithOclif } from './oclif.js'
import { GLOBAL_FLAGS, type ArgSpec, type FlagSpec, type FlagSpecs } from './spec.js'

/** The value a flag has in an action: typed from its spec. */
type FlagValue<F extends FlagSpec> = F['kind'] extends 'boolean'
  ? boolean
  : F extends { multiple: true }
    ? string[] | undefined
    : | (F['kind'] extends 'integer' ? number : F extends { options: readonly (infer O)[] } ? O : string)
      | (F extends { default: string | number } | { required: true } ? never : undefined)

export type FlagValues<F extends FlagSpecs> = { [K in keyof F]: FlagValue<F[K]> }

export type ArgValues<A extends readonly ArgSpec[]> = {
  [K in A[number] as K['name']]: K extends { required: true } | { default: string }
    ? K extends { options: readonly (infer O)[] }
      ? O
      : string
    : string | undefined
}

export interface ActionInput<F extends FlagSpecs, A extends readonly ArgSpec[]> {
  args: ArgValues<A>
  flags: FlagValues<F>
}

export interface CommandDeclaration<F extends FlagSpecs, A extends readonly ArgSpec[], R> {
  summary: string
  description?: string
  examples?: readonly string[]
  flags?: F
  args?: A
  /** Called with the parsed argv; what it returns is the command's `--json` document. */
  action(input: ActionInput<F, A>, io: CommandIo): Promise<R>
}

/** A declared command: the declaration, and the members oclif reads of a command class. */
export interface DeclaredCommand<F extends FlagSpecs = FlagSpecs, A extends readonly ArgSpec[] = readonly ArgSpec[], R = unknown> {
  readonly declaration: CommandDeclaration<F, A, R>
  readonly summary: string
  readonly description?: string
  readonly examples?: readonly string[]
  readonly enableJsonFlag: true
  readonly strict: true
  /** oclif's flags and args, derived when oclif asks (the manifest build, a run without a manifest). */
  readonly flags: unknown
  readonly baseFlags: unknown
  readonly args: unknown
  /** Set by oclif when it loads the command. */
  id?: string
  run(argv: string[], config: unknown): Promise<unknown>
}

/** The result type of a declared command's `--json` output. */
export type JsonResult<C> = C extends DeclaredCommand<FlagSpecs, readonly ArgSpec[], infer R> ? Awaited<R> : never

export function defineCommand<const F extends FlagSpecs = Record<never, FlagSpec>, const A extends readonly ArgSpec[] = readonly [], R = unknown>(
  declaration: CommandDeclaration<F, A, R>,
): DeclaredCommand<F, A, R> {
  const declared: DeclaredCommand<F, A, R> = {
    declaration,
    summary: declaration.summary,
    description: declaration.description,
    examples: declaration.examples,
    enableJsonFlag: true,
    strict: true,
    get flags() {
      return oclifFlags(declaration.flags ?? {})
    },
    get baseFlags() {
      return oclifFlags({ quiet: GLOBAL_FLAGS.quiet }, 'GLOBAL')
    },
    get args() {
      return oclifArgs(declaration.args ?? [])
    },
    run(argv, config) {
      return runWithOclif(this as DeclaredCommand, argv, config)
    },
  }
  // oclif copies a command's other enumerable members into its manifest
  Object.defineProperty(declared, 'declaration', { enumerable: false })
  return declared
}
