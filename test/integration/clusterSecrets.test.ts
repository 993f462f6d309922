// A cluster job keeps a benchmark's declared secrets out of what it writes
// and prints: the job (job.json, `--dry-run --json`) holds their names only,
// the Kubernetes Job refers to a Secret for them, and the values live in a
// file of the job folder only its owner reads.
import { rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSecrets, withSecrets } from '../../src/cluster/frozenRun.js'
import type { ClusterJob } from '../../src/cluster/jobs.js'
import { secretManifest, secretName } from '../../src/cluster/kubernetes/indexedJob.js'
import { cli } from '../helpers/engine.js'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

const work = tmpDir('cmc-cluster-secrets-')
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store'), KUBECONFIG: path.join(work, 'none'), HF_TOKEN: undefined }
const repo = path.join(repoRoot, 'test/fixtures/secret-repo')
const VALUE = 'hf_fromTheMetaFile42'
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('secrets in cluster jobs', () => {
  it('a Kubernetes dry run names the secret and never shows its value', async () => {
    const r = await cli(
      ['run', 'hf-secret', '--repo', repo, '--platform', 'x86_64', '--on', 'kubernetes', '--registry', 'registry.example.test:5000', '--dry-run', '--json'],
      { env },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain(VALUE)
    const out = JSON.parse(r.stdout) as { job: ClusterJob; script: string }
    expect(out.job.run.env.HF_TOKEN).toBe('***')
    const container = (JSON.parse(out.script) as { spec: { template: { spec: { containers: Array<{ env: Array<Record<string, unknown>> }> } } } }).spec.template
      .spec.containers[0]
    expect(container.env.find((e) => e.name === 'HF_TOKEN')).toEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: secretName(out.job, 0), key: 'HF_TOKEN' } },
    })
    expect(container.env.find((e) => e.name === 'PLAIN')).toEqual({ name: 'PLAIN', value: 'visible' })

    // the Secret it would create beside the Job: schema-valid, owned by the Job
    const secret = secretManifest(out.job, 0, { HF_TOKEN: VALUE }, { name: 'cmc-job', uid: '1234' }) as {
      metadata: { name: string; ownerReferences: Array<{ kind: string }> }
      stringData: Record<string, string>
    }
    expect(secret.metadata.name).toBe(secretName(out.job, 0))
    expect(secret.metadata.ownerReferences[0].kind).toBe('Job')
    expect(secret.stringData.HF_TOKEN).toBe(VALUE)
  })

  it('the values come back from a file only its owner reads', async () => {
    const { saveSecrets } = await import('../../src/cluster/frozenRun.js')
    const file = path.join(work, 'secrets.json')
    saveSecrets({ benchmark: { secrets: ['HF_TOKEN', 'UNSET'] }, env: { HF_TOKEN: VALUE, PLAIN: 'x' } } as never, file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readSecrets(file)).toEqual({ HF_TOKEN: VALUE })
    expect(withSecrets({ env: { HF_TOKEN: '***', PLAIN: 'x' } }, file).env).toEqual({ HF_TOKEN: VALUE, PLAIN: 'x' })
    expect(withSecrets({ env: { A: 'b' } }, path.join(work, 'none.json')).env).toEqual({ A: 'b' })
  })
})
