// compare's rule for emulated runs, on plain data (no engine): no verdict
// between an emulated run and a native one, nor between runs emulated on
// different hosts, unless allowed; both sides emulated alike are compared,
// with a warning.
import { describe, expect, it } from 'vitest'
import { CmcError } from '../../src/errors.js'
import { compareGroups, type Comparable } from '../../src/store/compare.js'

function run(id: string, over: Partial<Comparable> & { values?: number[] } = {}): Comparable {
  const values = over.values ?? [10, 10.1, 9.9]
  return {
    id,
    platform: 'arm64',
    image: { digest: 'sha256:img' },
    host: { hostname: 'lab-1' },
    benchmark: { alias: 'stream' },
    params: { threads: 1 },
    metrics: { triad_gbs: { median: values[1]!, higherIsBetter: true } },
    repeats: values.map((v) => ({ metrics: { triad_gbs: v } })),
    ...over,
  }
}

const refusal = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e as CmcError
  }
  throw new Error('no refusal')
}

describe('compare and emulation', () => {
  it('refuses an emulated run against a native one, naming how each ran', () => {
    const e = refusal(() => compareGroups([run('a', { platform: 'x86_64' })], [run('b', { emulated: true, values: [2, 2.1, 1.9] })]))
    expect(e.code).toBe('COMPARE_EMULATED')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe('no performance verdict between emulated and native runs: A ran native; B ran emulated on host lab-1')
    expect(e.hint).toContain('--allow-emulated')
  })

  it('refuses runs emulated on different hosts, before their hosts are', () => {
    const e = refusal(() => compareGroups([run('a', { emulated: true })], [run('b', { emulated: true, host: { hostname: 'lab-2' } })]))
    expect(e.code).toBe('COMPARE_EMULATED')
  })

  it('refuses a side that mixes emulated and native runs', () => {
    const e = refusal(() => compareGroups([run('a1'), run('a2', { emulated: true })], [run('b1'), run('b2')]))
    expect(e.message).toContain('A ran emulated on host lab-1 and native; B ran native')
  })

  it('with --allow-emulated gives the verdict and says what it includes', () => {
    const c = compareGroups([run('a', { platform: 'x86_64' })], [run('b', { emulated: true, values: [2, 2.1, 1.9] })], { allowEmulated: true })
    expect(c.metrics[0]!.verdict).toBe('regressed')
    expect(c.warnings.join('\n')).toContain("(allowed): a difference includes the emulator's cost")
  })

  it('compares both sides emulated on one host, with a warning', () => {
    const c = compareGroups([run('a', { emulated: true })], [run('b', { emulated: true, params: { threads: 1 }, values: [20, 20.2, 19.8] })])
    expect(c.metrics[0]!.verdict).toBe('improved')
    expect(c.warnings.join('\n')).toContain('both sides ran emulated on host lab-1: the numbers measure the emulator')
  })

  it('native against native is not touched', () => {
    const c = compareGroups([run('a', { platform: 'x86_64' })], [run('b')])
    expect(c.warnings.join('\n')).not.toContain('emulat')
  })
})
