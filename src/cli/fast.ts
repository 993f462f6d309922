// The oclif-free path for the commands users run in loops and scripts (find,
// exp list, exp compare, run, build). Loading oclif and its config costs about as much as
// the work of a warm `cmc find` over 5,000 artifacts; these commands' flags are
// plain data (src/cli/spec.ts), so bin/run.js can run them directly. Anything the
// fast parser does not read exactly (help, an unknown flag, a bad value) goes to
// oclif untouched, which prints the usual help and errors.
import { isCmcError } from '../errors.js'
import { eventSink, failWith, type CommandIo } from './io.js'
import { parseFast, type CommandSpec, type FastParse } from './spec.js'

type Action = (input: Pick<FastParse, 'args' | 'flags'>, io: CommandIo) => Promise<unknown>
interface ActionModule { spec: CommandSpec; action: Action }

const HOT: Record<string, () => Promise<ActionModule>> = {
  find: () => import('./actions/find.js') as Promise<ActionModule>,
  'exp list': () => import('./actions/expList.js') as Promise<ActionModule>,
  'exp compare': () => import('./actions/expCompare.js') as Promise<ActionModule>,
  run: () => import('./actions/run.js') as Promise<ActionModule>,
  build: () => import('./actions/build.js') as Promise<ActionModule>,
}

/** The hot command argv starts with, and the rest of argv; undefined for any other. */
export function hotCommand(argv: readonly string[]): { id: string; rest: string[] } | undefined {
  const [a, b] = argv
  if (a === undefined) return undefined
  if (HOT[a]) return { id: a, rest: argv.slice(1) }
  if (b !== undefined && HOT[`${a} ${b}`]) return { id: `${a} ${b}`, rest: argv.slice(2) }
  if (HOT[a.replace(/:/g, ' ')]) return { id: a.replace(/:/g, ' '), rest: argv.slice(1) }
  return undefined
}

/**
 * Runs argv when it is a hot command in a form the fast parser reads exactly;
 * returns false (having done nothing) otherwise, for oclif to take it.
 */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  if (process.env.CMC_NO_FAST_PATH) return false
  const hot = hotCommand(argv)
  if (!hot) return false
  const mod = await HOT[hot.id]!()
  const parsed = parseFast(hot.rest, mod.spec)
  if (!parsed) return false
  const io: CommandIo = {
    json: parsed.json,
    events: eventSink({ json: parsed.json, quiet: parsed.quiet }),
    log: (t) => process.stdout.write(t + '\n'),
    warn: (t) => process.stderr.write(`Warning: ${t}\n`),
  }
  try {
    const result = await mod.action({ args: parsed.args, flags: parsed.flags }, io)
    if (parsed.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  } catch (err) {
    if (isCmcError(err)) failWith(err, parsed.json)
    throw err
  }
  return true
}
