import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { describeCmScript } from '../../../src/cm/describe.js'
import { loadIndex } from '../../../src/repos/index.js'
import { repoRoot, useTmpHome } from '../../helpers/tmp.js'

const home = useTmpHome()
afterAll(() => home.cleanup())
const cmRepo = path.join(repoRoot, 'test/fixtures/cm-repo')

describe('CM/MLC script folders are indexed as artifacts', () => {
  it('finds _cm.yaml, _cm.json and meta.yaml scripts by CM tag queries', async () => {
    const index = await loadIndex({ extraRepos: [cmRepo] })
    const found = index.find('get,python').map((a) => a.alias)
    expect(found).toEqual(['get-python3'])
    expect(index.find('app,image-classification')[0]).toMatchObject({
      alias: 'app-image-classification-onnx-py',
      uid: '3d5e908e472b417e',
      format: 'cm',
      kind: 'component',
      repo: 'cm-fixture',
    })
    expect(index.find('get,generic-python-lib,_onnxruntime').map((a) => a.alias)).toEqual(['get-generic-python-lib'])
    expect(index.find('get,python,-python3')).toEqual([])
  })

  it('keeps deps with their names and conditions, and variation groups with defaults, as written', async () => {
    const index = await loadIndex({ extraRepos: [cmRepo] })
    const app = describeCmScript(index.get('app-image-classification-onnx-py'))
    expect(app.deps.deps).toEqual([
      { tags: 'get,python3', names: ['python'], conditions: {}, more: { version_min: '3.8' } },
      { tags: 'get,generic-python-lib,_onnxruntime', names: [], conditions: { enable_if_env: { USE_CPU: ['yes'] } }, more: {} },
    ])
    expect(app.groups).toEqual([{ group: 'target', names: ['cpu', 'cuda'], default: 'cpu' }])
    const py = describeCmScript(index.get('d3c1a1f2b3c4d5e6'))
    expect(py.groups).toEqual([
      { group: '', names: ['shared'] },
      { group: 'distro', names: ['conda', 'system'], default: 'system' },
    ])
    expect(index.get('get-python3').meta).toMatchObject({ default_env: { CM_PYTHON_MIN: '3.8' } })
  })
})
