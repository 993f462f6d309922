// The user error a call throws: a test that expects one fails when the call
// returns, and rethrows anything that is not a CmcError (a bug, not a refusal).
import { CmcError } from '../../src/errors.js'

export function cmcErrorOf(fn: () => unknown): CmcError {
  try {
    fn()
  } catch (e) {
    if (e instanceof CmcError) return e
    throw e
  }
  throw new Error('expected a CmcError')
}
