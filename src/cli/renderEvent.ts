// Human rendering of core events (stderr). Steps print one line when they end,
// plus a start line on a TTY so long steps show they are alive.
import type { CmcEvent } from '../events.js'

export function renderEvent(e: CmcEvent, opts: { tty: boolean }): string | undefined {
  switch (e.type) {
    case 'log':
      if (e.level === 'debug' && !process.env.CMC_DEBUG) return undefined
      return `${e.level === 'warn' ? 'warning: ' : ''}${e.message}\n`
    case 'step': {
      const t = e.elapsedMs !== undefined ? ` (${(e.elapsedMs / 1000).toFixed(1)}s)` : ''
      if (e.status === 'started') return opts.tty ? `  … ${e.name}\n` : undefined
      const mark = e.status === 'cached' ? 'CACHED' : e.status === 'failed' ? 'FAILED' : 'done'
      return `  ${mark.padEnd(6)} ${e.name}${t}\n`
    }
    case 'step-log':
      return process.env.CMC_VERBOSE ? `    │ ${e.line}\n` : undefined
    case 'progress':
      return opts.tty ? `  ${e.task} ${e.current}${e.total ? `/${e.total}` : ''}\n` : undefined
    case 'phase':
      return e.status === 'started' ? `==> ${e.name}\n` : undefined
    case 'output':
      return e.data
    case 'result':
      return undefined
  }
}
