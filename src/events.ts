// The core never prints: long operations report progress through a typed
// event sink. The CLI renders events (TTY lines or --json lines); tests collect them.

export type CmcEvent =
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  | { type: 'step'; id: string; name: string; status: 'started' | 'cached' | 'done' | 'failed'; elapsedMs?: number }
  | { type: 'step-log'; id: string; line: string }
  | { type: 'progress'; task: string; current: number; total?: number }
  | { type: 'phase'; name: string; status: 'started' | 'done'; detail?: Record<string, unknown> }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'result'; data: unknown }

export type EventSink = (e: CmcEvent) => void

export const silent: EventSink = () => {}

/** Collects events in an array (handy in tests). */
export function collector(): { events: CmcEvent[]; sink: EventSink } {
  const events: CmcEvent[] = []
  return { events, sink: (e) => events.push(e) }
}
