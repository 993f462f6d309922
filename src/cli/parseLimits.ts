// Sizes like 512m, 2g, 1.5G into bytes (for --memory).
import { CmcError } from '../errors.js'

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(s.trim())
  if (!m) throw new CmcError('input', 'USAGE', `--memory ${s}: expected a size like 512m or 2g`)
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't']
  return Math.round(Number(m[1]) * mult)
}
