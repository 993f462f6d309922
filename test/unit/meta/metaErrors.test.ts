import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { rmSync } from 'node:fs'
import { CmcError } from '../../../src/errors.js'
import { loadArtifactFile } from '../../../src/meta/load.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'

const root = tmpDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))
const repo = { name: 't', root }

function loadError(rel: string, text: string): CmcError {
  writeTree(root, { [rel]: text })
  try {
    loadArtifactFile(path.join(root, rel), repo)
  } catch (e) {
    expect(e).toBeInstanceOf(CmcError)
    return e as CmcError
  }
  throw new Error('expected an error')
}

describe('meta errors name the file, line and column and say what to write', () => {
  it('malformed YAML', () => {
    const e = loadError('bad-yaml/cmc.yaml', 'kind: component\nalias: x\ntags: [a, b\ndeps: []\n')
    expect(e.code).toBe('META_YAML')
    expect(e.exitCode).toBe(2)
    expect(e.where?.file).toBe(path.join(root, 'bad-yaml/cmc.yaml'))
    expect(e.where?.line).toBeGreaterThanOrEqual(3)
    expect(e.where?.col).toBeGreaterThan(0)
  })

  it('an unknown key gets the nearest valid key, at the key position', () => {
    const e = loadError('typo/cmc.yaml', 'kind: component\nalias: py\ndeps:\n  - tags: os\n    verison: ">=1"\n')
    expect(e.code).toBe('META_UNKNOWN_KEY')
    expect(e.message).toContain('verison')
    expect(e.hint).toBe('did you mean "version"?')
    expect(e.where).toMatchObject({ line: 5, col: 5 })
  })

  it('a top-level typo', () => {
    const e = loadError('typo2/cmc.yaml', 'kind: image\nalias: im\ncomponent: []\n')
    expect(e.code).toBe('META_UNKNOWN_KEY')
    expect(e.hint).toBe('did you mean "components"?')
    expect(e.where).toMatchObject({ line: 3, col: 1 })
  })

  it('every problem of a file is said, each at its line', () => {
    const e = loadError('several/cmc.yaml', 'kind: benchmark\nalias: b\nimage: x\ncomand: run\nrepeat: two\n')
    expect(e.message).toBe('unknown key "comand" (and 2 more problems)')
    expect(e.where).toMatchObject({ line: 4, col: 1 })
    expect(e.details).toEqual(['1:1: missing required key "command"', '5:9: repeat must be an integer'])
  })

  it('a value that is none of those a key takes lists them, with the nearest', () => {
    const meta = (format: string) => `kind: benchmark\nalias: b\nimage: x\ncommand: run\noutputs:\n  metrics:\n    format: ${format}\n`
    const e = loadError('values/cmc.yaml', meta('loadgn'))
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toBe('outputs.metrics.format must be one of "json", "loadgen", "regex"')
    expect(e.hint).toBe('did you mean "format: loadgen"?')
    expect(e.where).toMatchObject({ line: 7, col: 13 })
    // not a string at all: the same one problem, and no guess
    const n = loadError('values-number/cmc.yaml', meta('3'))
    expect(n.message).toBe('outputs.metrics.format must be one of "json", "loadgen", "regex"')
    expect(n.hint).toBeUndefined()
  })

  it('a wrong type says what is expected', () => {
    const e = loadError('type/cmc.yaml', 'kind: benchmark\nalias: b\nimage: x\ncommand: run\nrepeat: two\n')
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toMatch(/repeat must be an integer/)
    expect(e.where).toMatchObject({ line: 5, col: 9 })
  })

  it('a relative outputs folder points at its line and says what is expected', () => {
    const e = loadError('outdir/cmc.yaml', 'kind: benchmark\nalias: b\nimage: x\ncommand: run\noutputs:\n  dir: cmc/out\n')
    expect(e.code).toBe('META_INVALID')
    expect(e.message).toMatch(/outputs\.dir must match/)
    expect(e.where).toMatchObject({ line: 6, col: 8 })
    expect(e.hint).toMatch(/absolute folder in the container/)
  })

  it('an unknown kind suggests the nearest', () => {
    const e = loadError('kind/cmc.yaml', 'kind: componnet\nalias: x\n')
    expect(e.code).toBe('META_KIND')
    expect(e.hint).toContain('kind: component')
  })

  it('JSON meta is read with positions too', () => {
    writeTree(root, { 'json/cmc.json': '{"kind": "component", "alias": "j", "tags": ["a"]}' })
    const a = loadArtifactFile(path.join(root, 'json/cmc.json'), repo)
    expect(a).toMatchObject({ kind: 'component', alias: 'j', tags: ['a'], format: 'cmc' })
    expect(a.uid).toMatch(/^[0-9a-f]{16}$/)
    const e = loadError('json2/cmc.json', '{"kind": "component", "alias": "j", "tagz": []}')
    expect(e.hint).toBe('did you mean "tags"?')
    expect(e.where?.line).toBe(1)
  })
})
