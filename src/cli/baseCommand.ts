// Shared behaviour of every cmc command: --json, event rendering, and turning
// CmcError values into a message plus a meaningful exit code (no stack trace).
// (oclif's parts from their own modules: its index loads all of oclif)
import { Command } from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import { CmcError, isCmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { eventSink, failWith, type CommandIo } from './io.js'

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only results, warnings and errors (benchmark output stays in the record\'s logs)', default: false, helpGroup: 'GLOBAL' }),
  }

  protected get events(): EventSink {
    return eventSink({ json: this.jsonEnabled(), quiet: this.argv.includes('--quiet') || this.argv.includes('-q') })
  }

  /** The printing side of a command, for actions shared with the fast path. */
  protected get io(): CommandIo {
    return { json: this.jsonEnabled(), events: this.events, log: (t) => this.log(t), warn: (t) => { this.warn(t) } }
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isCmcError(err)) return this.failWith(err)
    // oclif's own parse errors (unknown flag, missing arg) are user errors.
    const name = err?.constructor?.name ?? ''
    if (/Parse|Flag|Arg|Validation|Required|Unexpected|Nonexistent/i.test(name) || err.oclif?.exit === 2) {
      // oclif's message without its boilerplate: "Missing 1 required arg: benchmark"
      const lines = err.message.split('\n').map((l) => l.trim().replace(/^(\S+)\s{2,}(.+)$/, '$1 ($2)'))
        .filter((l) => l && !/^(See more help|Note:|Alternatively,)/i.test(l) && !/^The following errors? occurred:?$/i.test(l))
      const message = lines.reduce((m, l) => (m ? `${m}${m.endsWith(':') ? ' ' : '; '}${l}` : l), '')
      return this.failWith(new CmcError('input', 'USAGE', message || err.message, {
        hint: `run \`cmc ${this.id?.replace(/:/g, ' ') ?? ''} --help\` for usage`,
      }))
    }
    if (err.oclif?.exit === 0) throw err // oclif's --help/--version exits
    return super.catch(err)
  }

  private failWith(err: CmcError): never {
    // exit through process.exit so oclif does not print its own stack
    return failWith(err, this.jsonEnabled())
  }
}
