// Dates in queries, read strictly: an ISO 8601 date (2026-12-01) or date-time
// (2026-12-01T23:59 or 2026-12-01 23:59, optional seconds and fraction, then Z
// or an offset). A value means the span it names (a day, a minute, a second, a
// fraction of one), so `date = 2026-11-24` is that whole day. Without an offset
// a time is UTC, as the store's own times are (ids, createdAt): a query means
// the same on every machine that reads a shared store.

/** Milliseconds since the epoch, from (inclusive) to (exclusive); fractions of a millisecond kept. */
export interface DateSpan {
  from: number
  to: number
}

/** How a user may write a date, for hints. */
export const DATE_FORMS =
  "2026-12-01, 2026-12-01T23:59 or '2026-12-01 23:59', then optional :30 seconds, .5 fraction and Z or an offset such as +02:00; without an offset a time is UTC"

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/

const DAY_MS = 86_400_000

function daysIn(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Minutes east of UTC for Z, +hh, +hhmm or +hh:mm; undefined when out of range. */
function offsetMinutes(text: string | undefined): number | undefined {
  if (!text || text === 'Z') return 0
  const hours = Number(text.slice(1, 3))
  const minutes = text.length > 3 ? Number(text.slice(-2)) : 0
  if (hours > 23 || minutes > 59) return undefined
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

/** The span a date value names, or undefined when it is not one of the accepted forms. */
export function parseDateSpan(text: string): DateSpan | undefined {
  const m = ISO.exec(text)
  if (!m) return undefined
  const [year, month, day] = [m[1], m[2], m[3]].map(Number) as [number, number, number]
  const [hour, minute, second] = [m[4], m[5], m[6]].map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number]
  const offset = offsetMinutes(m[8])
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 || offset === undefined) return undefined
  // Date.UTC reads years 0-99 as 1900-1999: set the year apart
  const at = new Date(Date.UTC(2000, month - 1, day, hour, minute, second))
  at.setUTCFullYear(year)
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0
  const from = at.getTime() + fraction - offset * 60_000
  const length = m[7] ? 1000 / 10 ** m[7].length : m[6] ? 1000 : m[4] ? 60_000 : DAY_MS
  return { from, to: from + length }
}
