// `--set` as a user types it: lists expand to the product of points, values
// are typed like the param's default and checked against its `values:`.
import { describe, expect, it } from 'vitest'
import { CmcError } from '../../../src/errors.js'
import { expandSweep, renderCommand } from '../../../src/pipeline/sweep.js'

const params = {
  threads: { default: 1, values: [1, 2, 4] },
  size: { default: 1000 },
  dtype: { default: 'float64', values: ['float64', 'float32'] },
  check: { default: true },
}

function refusal(sets: Record<string, string>): CmcError {
  try {
    expandSweep(params, sets)
  } catch (e) {
    return e as CmcError
  }
  throw new Error(`expected --set ${JSON.stringify(sets)} to be refused`)
}

describe('--set sweeps', () => {
  it('expands the product of the lists, typed like the defaults, defaults filled in', () => {
    const points = expandSweep(params, { threads: '1,2', size: '2000, 3e3', check: 'false' })
    expect(points).toEqual([
      { threads: 1, size: 2000, dtype: 'float64', check: false },
      { threads: 1, size: 3000, dtype: 'float64', check: false },
      { threads: 2, size: 2000, dtype: 'float64', check: false },
      { threads: 2, size: 3000, dtype: 'float64', check: false },
    ])
  })

  it('refuses text outside the declared values, naming them; numeric values are suggestions', () => {
    const e = refusal({ dtype: 'float16' })
    expect(e.code).toBe('PARAM_VALUE')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe('--set dtype=float16: not one of the values the benchmark declares (float64, float32)')
    expect(e.hint).toMatch(/values:/)
    expect(expandSweep(params, { threads: '3' })[0].threads).toBe(3)
  })

  it('refuses text for a number, a non-boolean for a boolean, and empty items', () => {
    expect(refusal({ size: 'abc' }).message).toBe('--set size=abc: size is a number')
    expect(refusal({ check: 'yes' }).message).toBe('--set check=yes: check is true or false')
    expect(refusal({ threads: '1,,2' }).message).toBe('--set threads=1,,2: an empty item in the list')
    expect(refusal({ size: '' }).code).toBe('PARAM_VALUE')
  })

  it('values of mixed types match as written; a recorded value runs as it ran', () => {
    const mixed = { threads: { default: 'auto', values: ['auto', 1, 2, 4] } }
    expect(expandSweep(mixed, { threads: 'auto,2' }).map((p) => p.threads)).toEqual(['auto', '2'])
    expect(expandSweep(params, { dtype: 'bfloat16', size: '5000' }, { recorded: true })[0]).toMatchObject({ dtype: 'bfloat16', size: 5000 })
  })

  it('an unknown param gets the nearest name', () => {
    const e = refusal({ thread: '2' })
    expect(e.code).toBe('PARAM_UNKNOWN')
    expect(e.hint).toBe('did you mean "threads"?')
  })

  it('fills the command with the point', () => {
    expect(renderCommand('./stream --threads {{threads}} --size {{ size }}', { threads: 2, size: 3000 })).toBe('./stream --threads 2 --size 3000')
  })
})
