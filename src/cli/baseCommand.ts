// Shared behaviour of every cmc command: --json, event rendering, and turning
// CmcError values into a message plus a meaningful exit code (no stack trace).
// (oclif's parts from their own modules: its index loads all of oclif)
import { Command } from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import { CmcError, formatError, isCmcError } from '../errors.js'
import type { CmcEvent, EventSink } from '../events.js'
import { renderEvent } from './renderEvent.js'

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only results and errors', default: false, helpGroup: 'GLOBAL' }),
  }

  /**
   * The sink the core reports progress to. With --json, events go to stderr as
   * JSON lines so stdout holds one JSON document (the result); otherwise they are
   * rendered for humans on stderr.
   */
  protected get events(): EventSink {
    const json = this.jsonEnabled()
    const quiet = this.argv.includes('--quiet') || this.argv.includes('-q')
    const tty = Boolean(process.stderr.isTTY)
    return (e: CmcEvent) => {
      if (json) {
        process.stderr.write(JSON.stringify(e) + '\n')
        return
      }
      if (quiet && e.type !== 'output') return
      const text = renderEvent(e, { tty })
      if (text !== undefined) process.stderr.write(text)
    }
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isCmcError(err)) return this.failWith(err)
    // oclif's own parse errors (unknown flag, missing arg) are user errors.
    const name = err?.constructor?.name ?? ''
    if (/Parse|Flag|Arg|Validation|Required|Unexpected|Nonexistent/i.test(name) || err.oclif?.exit === 2) {
      return this.failWith(new CmcError('input', 'USAGE', err.message.split('\n')[0], {
        hint: `run \`cmc ${this.id?.replace(/:/g, ' ') ?? ''} --help\` for usage`,
      }))
    }
    if (err.oclif?.exit === 0) throw err // oclif's --help/--version exits
    return super.catch(err)
  }

  private failWith(err: CmcError): never {
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(err.toJSON(), null, 2) + '\n')
    else process.stderr.write(formatError(err) + '\n')
    // exit through process.exit so oclif does not print its own stack
    return process.exit(err.exitCode)
  }
}
