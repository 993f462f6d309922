// KEY=VALUE flags (--env, --set) into a record, with a clear error for bad ones.
import { CmcError } from '../errors.js'

export function parseKeyValues(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of values ?? []) {
    const i = v.indexOf('=')
    if (i <= 0)
      throw new CmcError('FLAG_VALUE', `--${flag} ${v}: expected KEY=VALUE`, { hint: `e.g. --${flag} ${flag === 'set' ? 'batch=8' : 'OMP_NUM_THREADS=4'}` })
    out[v.slice(0, i)] = v.slice(i + 1)
  }
  return out
}

export const parseEnvFlags = (values: string[] | undefined) => parseKeyValues(values, 'env')
