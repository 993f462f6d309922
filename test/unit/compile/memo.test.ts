// The compile memo gives exactly what compile() gives, stores one file per
// distinct input, and a changed input (plan, options) compiles anew. Also the
// command templates: plain {{param}} placeholders filled without handlebars,
// anything else through it, unknown params refused.
import { readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compile } from '../../../src/compile/compile.js'
import { compileKey, compileMemo } from '../../../src/compile/memo.js'
import { CmcError } from '../../../src/errors.js'
import { renderCommand } from '../../../src/pipeline/sweep.js'
import { loadIndex } from '../../../src/repos/index.js'
import { resolvePlan } from '../../../src/resolve/resolvePlan.js'
import { examplesDir, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())

describe('compile memo', async () => {
  const index = await loadIndex({ extraRepos: [examplesDir] })
  const plan = resolvePlan(index, 'stream', { platform: 'arm64' })
  const memoDir = () => path.join(home.home, 'compiled')

  it('returns what compile returns, from one file per input', async () => {
    const opts = { builder: 'buildkit', buildArch: 'amd64' } as const
    const first = await compileMemo(plan, opts)
    expect(first).toEqual(compile(plan, opts))
    expect(readdirSync(memoDir())).toEqual([`${compileKey(plan, opts)}.json`])
    expect(await compileMemo(plan, opts)).toEqual(first)
    expect(readdirSync(memoDir())).toHaveLength(1)
  })

  it('compiles anew for other options or another plan, and survives a damaged file', async () => {
    const classic = await compileMemo(plan, { builder: 'classic', buildArch: 'amd64' })
    expect(classic.builder).toBe('classic')
    const other = resolvePlan(index, 'stream', { platform: 'arm64', env: { EXTRA: '1' } })
    expect(compileKey(other, { builder: 'classic', buildArch: 'amd64' })).not.toBe(compileKey(plan, { builder: 'classic', buildArch: 'amd64' }))
    const key = compileKey(plan, { builder: 'classic', buildArch: 'amd64' })
    writeFileSync(path.join(memoDir(), `${key}.json`), '{"damaged":')
    expect(await compileMemo(plan, { builder: 'classic', buildArch: 'amd64' })).toEqual(compile(plan, { builder: 'classic', buildArch: 'amd64' }))
  })
})

describe('command templates', () => {
  const params = { threads: 2, size: 10_000_000, fast: true, 'data-type': 'fp16' }
  it('fills plain placeholders as handlebars would', () => {
    expect(renderCommand('./stream --threads {{threads}} --size {{ size }} --fast={{fast}} {{data-type}}', params)).toBe(
      './stream --threads 2 --size 10000000 --fast=true fp16',
    )
    expect(renderCommand('echo plain', params)).toBe('echo plain')
    expect(renderCommand('{{#if fast}}--fast {{/if}}-t {{threads}}', params)).toBe('--fast -t 2')
  })
  it('refuses a placeholder that is not a param', () => {
    for (const t of ['x {{nope}}', 'x {{nope.deep}}']) {
      let err: unknown
      try {
        renderCommand(t, params)
      } catch (e) {
        err = e
      }
      expect(err, t).toBeInstanceOf(CmcError)
      expect((err as CmcError).code).toBe('COMMAND_TEMPLATE')
    }
  })
})
