// How `cmc run --on` and `cmc jobs wait` show a job's progress: on a terminal
// one bar, redrawn in place; elsewhere (CI, a pipe) a plain line each time the
// counts change; with --json the core's progress events as they are.
import type { CommandIo } from '../cli/io.js'
import type { CmcEvent, EventSink } from '../events.js'

const WIDTH = 30

/**
 * The events of a command that imports a job's ended tasks by the way (`cmc
 * jobs`, `jobs show`, `jobs cancel`): what the tasks printed is in their
 * records' logs, and replayed here it would bury the command's own answer.
 */
export function withoutTaskOutput(events: EventSink): EventSink {
  return (e) => {
    if (e.type !== 'output') events(e)
  }
}

export function progressSink(io: CommandIo, tty = Boolean(process.stderr.isTTY)): EventSink & { end(): void } {
  let last = ''
  let drawn = false
  const sink = (e: CmcEvent) => {
    if (e.type !== 'progress' || io.json) return io.events(e)
    if (e.task === last) return
    last = e.task
    if (!tty) return io.events({ type: 'log', level: 'info', message: e.task })
    const done = e.total ? Math.round((e.current / e.total) * WIDTH) : 0
    process.stderr.write(`\r\x1b[K[${'#'.repeat(done)}${'.'.repeat(WIDTH - done)}] ${e.task}`)
    drawn = true
  }
  return Object.assign(sink, {
    end() {
      if (drawn) process.stderr.write('\n')
    },
  })
}
