// The documented error codes are the ones cmc has, each with its exit code.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CmcError, ERROR_CODES, EXIT_CODES, isErrorCode } from '../../src/errors.js'

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8')
const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| (\w+) \|/gm)].map(([, code, exit, category]) => ({ code, exit: Number(exit), category }))

describe('error codes', () => {
  it('docs/errors.md lists every code once, with its category and exit code', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_CODES).sort())
    for (const r of rows) {
      const [category] = ERROR_CODES[r.code as keyof typeof ERROR_CODES]
      expect(r.category, r.code).toBe(category)
      expect(r.exit, r.code).toBe(EXIT_CODES[category])
    }
  })

  it('a code decides the category and the exit code of its error', () => {
    expect(new CmcError('FLAG_VALUE', 'x').exitCode).toBe(2)
    expect(new CmcError('BUILD_FAILED', 'x').category).toBe('build')
    expect(new CmcError('TIMEOUT', 'x').exitCode).toBe(124)
    expect(isErrorCode('NO_DAEMON')).toBe(true)
    expect(isErrorCode('toString')).toBe(false)
  })
})
