// KEY=VALUE flags (--env, --set) into a record, with a clear error for bad ones.
import { readFileSync } from 'node:fs'
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

/**
 * --env-from FILE, in the format `docker run --env-file` reads: KEY=VALUE lines, `#` comments and blank
 * lines skipped, a bare KEY taking the caller's value. A file keeps secrets out of the shell's history.
 */
export function parseEnvFiles(files: string[] | undefined, environment: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const file of files ?? []) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new CmcError('FLAG_VALUE', `--env-from ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
        hint: 'give a file of KEY=VALUE lines',
      })
    }
    for (const [n, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim()
      if (!line || line.startsWith('#')) continue
      const i = line.indexOf('=')
      const key = i === -1 ? line : line.slice(0, i)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        throw new CmcError('FLAG_VALUE', `--env-from ${file}:${n + 1}: expected KEY=VALUE`, { where: { file, line: n + 1 }, hint: 'one KEY=VALUE per line' })
      const value = i === -1 ? environment[key] : raw.slice(raw.indexOf('=') + 1)
      if (value !== undefined) out[key] = value
    }
  }
  return out
}
