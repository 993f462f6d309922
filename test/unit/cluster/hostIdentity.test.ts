// Records of two cluster nodes that share a host name (the test cluster's n1
// and n2 are daemons on one machine) are two hosts to compare, whether the
// sides are records or index lines.
import { describe, expect, it } from 'vitest'
import { compareGroups } from '../../../src/store/compare.js'
import { hostIdentity } from '../../../src/store/hostIdentity.js'
import type { SchedulerProvenance } from '../../../src/store/record.js'
import { summaryOf } from '../../../src/store/summary.js'
import { cmcErrorOf } from '../../helpers/errors.js'
import { recordOf } from '../../helpers/records.js'

const on = (node: string, cluster = 'cmc'): SchedulerProvenance => ({ kind: 'slurm', cluster, jobId: '42', arrayIndex: 0, node, cmcJob: 'j1' })
const run = (values: number[], hostname: string, scheduler?: SchedulerProvenance) => recordOf({ t: values }, { hostname, scheduler })

function hostsRefused(fn: () => unknown) {
  const err = cmcErrorOf(fn)
  expect(err.code).toBe('COMPARE_DIFFERENT_HOSTS')
  return err
}

describe('the host of a cluster record', () => {
  it('names the cluster and the node beside the host name, where the node is not the host by name', () => {
    expect(hostIdentity(run([1], 'vm', on('n1')))).toBe('vm (cmc/n1)')
    expect(hostIdentity(run([1], 'n1.example.org', on('n1')))).toBe('n1.example.org')
    expect(summaryOf(run([1], 'node17', on('node17'))).host).toBe('node17')
    expect(hostIdentity(run([1], 'lab-1'))).toBe('lab-1')
    expect(summaryOf(run([1], 'vm', on('n2'))).host).toBe('vm (cmc/n2)')
  })

  it('compare refuses runs of two nodes of one host name, naming both nodes', () => {
    const A = [run([10, 10.1, 9.9], 'vm', on('n1'))]
    const B = [run([12, 12.1, 11.9], 'vm', on('n2'))]
    const err = hostsRefused(() => compareGroups(A, B))
    expect(err.message).toContain('vm (cmc/n1)')
    expect(err.message).toContain('vm (cmc/n2)')
    expect(compareGroups(A, B, { allowDifferentHosts: true }).warnings).toContain('the sides ran on different hosts (allowed)')
  })

  it('the same node of the same cluster is one host; node n1 of another cluster is not', () => {
    const n1 = [run([10, 10.1, 9.9], 'vm', on('n1'))]
    expect(() => compareGroups(n1, [run([10, 10.2, 9.8], 'vm', on('n1'))])).not.toThrow()
    hostsRefused(() => compareGroups(n1, [run([10, 10.2, 9.8], 'vm', on('n1', 'other'))]))
  })

  it('index lines carry the same identity: a compare of summaries sees the two nodes', () => {
    const line = (values: number[], node: string) => {
      const r = run(values, 'vm', on(node))
      const s = summaryOf(r)
      return { id: s.id, platform: s.platform, image: { digest: s.digest }, host: { hostname: s.host }, metrics: r.metrics, repeats: [] }
    }
    const err = hostsRefused(() => compareGroups([line([1, 1, 1], 'n1'), line([1, 1, 1], 'n1')], [line([2, 2, 2], 'n2'), line([2, 2, 2], 'n2')]))
    expect(err.message).toMatch(/vm \(cmc\/n1\).*vm \(cmc\/n2\)/)
  })
})
