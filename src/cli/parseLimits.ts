// Resource limit flags as the engine takes them: --memory sizes like 512m, 2g
// or 1.5G in bytes, --cpus as a positive number of CPUs.
import { CmcError } from '../errors.js'

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(s.trim())
  if (!m) throw new CmcError('FLAG_VALUE', `--memory ${s}: expected a size like 512m or 2g`)
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't']
  return Math.round(Number(m[1]) * mult)
}

/** --cpus as docker takes it: a positive number of CPUs, fractions allowed. */
export function parseCpus(raw: string): number {
  const n = Number(raw)
  // the engine's own floor is 0.01 CPU; below it the container would fail only at start
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0.01)
    throw new CmcError('FLAG_VALUE', `--cpus ${raw} is not a number of CPUs (0.01 or more)`, { hint: 'e.g. --cpus 2 or --cpus 1.5' })
  return n
}
