// How an invocation starts: bin/run.js hands argv here first. Every command is
// a declaration under src/commands/ (src/cli/command.ts); where argv is plain
// enough for the fast parser to read it exactly as oclif would, the action runs
// from the declaration without loading oclif and its config, which cost about
// as much as the whole of a warm `cmc find`. Anything else (help, an unknown
// flag, a bad value, a topic) goes to oclif untouched, which prints the usual
// help and errors. Start-up work that saves wall time lives here too.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { isCmcError } from '../errors.js'
import { fromSources, packageRoot } from '../paths.js'
import type { DeclaredCommand } from './command.js'
import { commandOf as commandIn } from './commandOf.js'
import { commandIo, failWith, printResult } from './io.js'
import { parseFast } from './spec.js'

/** Where the command modules are: the sources' when the tests run them, else the bundle's (scripts/bundle.mjs). */
const commandsDir = pathToFileURL(path.join(packageRoot, fromSources ? 'src' : 'dist/bundle', 'commands') + path.sep)

/** Commands whose first engine request, /version, is sent before their modules load, to be answered meanwhile. */
const ASKS_ENGINE_FIRST = new Set(['run', 'build', 'exp reproduce'])

/** The command argv starts with, and the rest of argv; undefined when none is. */
export function commandOf(argv: readonly string[]): { id: string; rest: string[] } | undefined {
  return commandIn(argv, commandsDir)
}

export async function loadCommand(id: string): Promise<DeclaredCommand> {
  const mod = (await import(new URL(`${id.replace(' ', '/')}.js`, commandsDir).href)) as { default: DeclaredCommand }
  return mod.default
}

/**
 * Runs argv when it names a command in a form the fast parser reads exactly;
 * returns false (having done nothing) otherwise, for oclif to take it.
 */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  if (process.env.CMC_NO_FAST_PATH) return false
  const command = commandOf(argv)
  if (!command) return false
  if (ASKS_ENGINE_FIRST.has(command.id)) (await import('../engine/endpoint.js')).askVersionEarly()
  const { declaration } = await loadCommand(command.id)
  const parsed = parseFast(command.rest, declaration)
  if (!parsed) return false
  const io = commandIo({ json: parsed.json, quiet: parsed.quiet })
  try {
    printResult(await declaration.action({ args: parsed.args, flags: parsed.flags } as never, io), io)
  } catch (err) {
    if (isCmcError(err)) failWith(err, parsed.json)
    throw err
  }
  return true
}
