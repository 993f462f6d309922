import { describe, expect, it } from 'vitest'
import { CmcError, formatError } from '../../src/errors.js'

describe('CmcError', () => {
  it('maps categories to exit codes and formats file:line:col with a hint', () => {
    const e = new CmcError('META_YAML', 'bad indentation', { hint: 'indent with spaces', where: { file: 'a/cmc.yaml', line: 3, col: 5 } })
    expect(e.exitCode).toBe(2)
    expect(formatError(e)).toBe('error[META_YAML]: a/cmc.yaml:3:5: bad indentation\nhint: indent with spaces')
    expect(new CmcError('NO_DAEMON', 'x').exitCode).toBe(3)
    expect(new CmcError('ABORTED', 'x').exitCode).toBe(130)
  })
})
