// `cmc find` with a misspelt tag or variation: no match, and what exists nearby.
import { afterAll, describe, expect, it } from 'vitest'
import find_ from '../../../src/commands/find.js'
import type { CommandIo } from '../../../src/cli/io.js'
import { useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome() // the builtin repository only
afterAll(() => home.cleanup())

async function find(tags: string, json = false): Promise<{ rows: unknown[]; out: string[] }> {
  const out: string[] = []
  const io: CommandIo = { json, events: () => {}, log: (t) => out.push(t), warn: (t) => out.push(`warning: ${t}`), note: (t) => out.push(t) }
  const rows = await find_.declaration.action({ args: {}, flags: { tags, kind: undefined, repo: undefined } }, io)
  return { rows, out }
}

describe('cmc find hints', () => {
  it('names each required tag no artifact has, with the nearest existing ones', async () => {
    const { rows, out } = await find('compilr,toolchain,zzzzzzzz')
    expect(rows).toEqual([])
    expect(out).toEqual(['no artifacts match', 'no artifact has the tag "compilr"; did you mean "compiler"?', 'no artifact has the tag "zzzzzzzz"'])
  })

  it('says nothing more when the tags exist but no artifact has them all, or when there are results', async () => {
    expect((await find('compiler,-compiler')).out).toEqual(['no artifacts match'])
    const hit = await find('compiler')
    expect(hit.rows.length).toBeGreaterThan(0)
    expect(hit.out.join('\n')).not.toMatch(/did you mean/)
  })

  it('a variation the artifacts of those tags lack: names them and the variations they have', async () => {
    const { rows, out } = await find('python3,_devel')
    expect(rows).toEqual([])
    expect(out).toEqual(['no artifacts match', '1 artifact(s) have the tags python3, none the variation _devel: python3 (_dev)'])
    expect((await find('_cpuu')).out).toEqual(['no artifacts match', 'no artifact has the variation _cpuu; did you mean "_cpu"?'])
    // a variation that exists gives results and no hint
    expect((await find('python3,_dev')).rows).toHaveLength(1)
  })
})
