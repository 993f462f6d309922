// Secrets at run time: the redactor hides every value wherever chunks cut it,
// holds back only what may begin a value, and --env-from reads docker's
// env-file format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseEnvFiles } from '../../../src/cli/parseEnvFlags.js'
import { CmcError } from '../../../src/errors.js'
import { SecretRedactor, secretValues } from '../../../src/pipeline/secrets.js'

function through(values: string[], chunks: string[]): { out: string; shownBeforeEnd: string } {
  const r = new SecretRedactor(values)
  let shown = ''
  for (const c of chunks) shown += r.write(Buffer.from(c)).toString()
  return { out: shown + r.end().toString(), shownBeforeEnd: shown }
}

describe('SecretRedactor', () => {
  const secret = 'hf_abcdef123456'
  const text = `a=${secret} b=${secret}${secret} end ${secret.slice(0, 5)}\n`

  it('hides a value at every place the stream is cut, however it is cut', () => {
    const want = `a=*** b=****** end ${secret.slice(0, 5)}\n`
    for (let size = 1; size <= text.length; size++) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!
      expect(through([secret], chunks).out, `chunks of ${size}`).toBe(want)
    }
    // and cut at every single position into two chunks
    for (let at = 0; at <= text.length; at++) expect(through([secret], [text.slice(0, at), text.slice(at)]).out).toBe(want)
  })

  it('holds back only an end that may begin a value', () => {
    const { shownBeforeEnd } = through([secret], ['plain output with no secret\n'])
    expect(shownBeforeEnd).toBe('plain output with no secret\n')
    const partial = through([secret], ['waiting for hf_abc'])
    expect(partial.shownBeforeEnd).toBe('waiting for ')
    expect(partial.out).toBe('waiting for hf_abc')
  })

  it('hides the longer of two values that overlap, and leaves values too short to hide alone', () => {
    expect(through(['abcd', 'abcdefgh'], ['xx abcdefgh yy abcd']).out).toBe('xx *** yy ***')
    expect(through(['ab'], ['ab cab']).out).toBe('ab cab')
  })

  it('passes bytes through untouched when no secret is declared', () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41])
    expect(new SecretRedactor([]).write(bytes)).toBe(bytes)
  })
})

describe('secretValues', () => {
  it('takes --env over the environment over the meta, and warns for a missing one', () => {
    const warnings: string[] = []
    const events = (e: { type: string; message?: string }) => e.type === 'log' && warnings.push(e.message!)
    const values = secretValues(['A', 'B', 'C'], { given: { A: 'given-a' }, environment: { A: 'env-a', B: 'env-b' } }, events)
    expect(values).toEqual({ A: 'given-a', B: 'env-b' })
    expect(warnings.join('\n')).toMatch(/secret C has no value/)
  })
})

describe('--env-from', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cmc-envfile-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("reads KEY=VALUE lines, skips comments and blanks, and takes a bare KEY from the caller's environment", () => {
    const file = path.join(dir, 'a.env')
    writeFileSync(file, '# comment\n\nTOKEN=abc=def\nSPACED= kept as is \nFROM_CALLER\nNOT_SET\n')
    expect(parseEnvFiles([file], { FROM_CALLER: 'yes' })).toEqual({ TOKEN: 'abc=def', SPACED: ' kept as is ', FROM_CALLER: 'yes' })
  })

  it('names the file and line of a line that is no KEY=VALUE', () => {
    const file = path.join(dir, 'bad.env')
    writeFileSync(file, 'OK=1\nnot a key=1\n')
    try {
      parseEnvFiles([file], {})
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(CmcError)
      expect((e as CmcError).message).toContain(`${file}:2`)
      expect((e as CmcError).where).toEqual({ file, line: 2 })
    }
  })
})
