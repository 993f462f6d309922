// What a command prints, the same whether oclif (src/cli/oclif.ts) or the
// oclif-free fast path (src/cli/fast.ts) runs it: progress events, results,
// warnings, the `--json` document and the one way a CmcError ends the process.
import { formatError, type CmcError } from '../errors.js'
import type { CmcEvent, EventSink } from '../events.js'
import { renderEvent } from './renderEvent.js'

export interface CommandIo {
  json: boolean
  events: EventSink
  log(text: string): void
  warn(text: string): void
  /** a word for the user beside the result (stderr), which is no warning */
  note(text: string): void
}

/**
 * The sink the core reports progress to. With --json, events go to stderr as
 * JSON lines so stdout holds one JSON document (the result); otherwise they are
 * rendered for humans on stderr.
 */
export function eventSink(opts: { json: boolean; quiet: boolean }): EventSink {
  const tty = Boolean(process.stderr.isTTY)
  return (e: CmcEvent) => {
    if (opts.json) {
      process.stderr.write(JSON.stringify(e) + '\n')
      return
    }
    // quiet: results, warnings and errors only; a benchmark's output is in its record's logs
    if (opts.quiet && !(e.type === 'log' && e.level === 'warn')) return
    const text = renderEvent(e, { tty })
    if (text !== undefined) process.stderr.write(text)
  }
}

/**
 * The printing side a command's action gets. With --json, stdout is kept for the one document:
 * what an action logs or warns goes to stderr as a log event, as the core's progress does.
 */
export function commandIo(opts: { json: boolean; quiet: boolean }): CommandIo {
  const events = eventSink(opts)
  return {
    json: opts.json,
    events,
    log: (t) => (opts.json ? events({ type: 'log', level: 'info', message: t }) : process.stdout.write(t + '\n')),
    warn: (t) => (opts.json ? events({ type: 'log', level: 'warn', message: t }) : process.stderr.write(`warning: ${t}\n`)),
    note: (t) => (opts.json ? events({ type: 'log', level: 'info', message: t }) : process.stderr.write(`${t}\n`)),
  }
}

/** With --json, the action's result is the one document on stdout. */
export function printResult(result: unknown, io: CommandIo): void {
  if (io.json && result !== undefined) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
}

/**
 * Prints a user error and exits with its code. With --json the error is stdout's one document:
 * what a failing command still has to report (the records of a failed run) is in its data.
 */
export function failWith(err: CmcError, json: boolean): never {
  if (json) process.stdout.write(JSON.stringify(err.toJSON(), null, 2) + '\n')
  else process.stderr.write(formatError(err) + '\n')
  return process.exit(err.exitCode)
}
