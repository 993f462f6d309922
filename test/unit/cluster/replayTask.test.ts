// What a task leaves in its folder, read back: its attempts, its node's
// fingerprint, and what is missing when it was stopped.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostFromNode, readTask, schedulerStop } from '../../../src/cluster/replayTask.js'
import { tmpDir, writeTree } from '../../helpers/tmp.js'

describe('task folders', () => {
  it('reads attempts, start and end; torn lines are skipped', () => {
    const dir = writeTree(tmpDir('cmc-task-'), {
      started: '1000 n2\n',
      attempts: '0 0 1000 1500 0\n1 7 1600 1900 0\n2 0 19',
      done: '2000\n',
    })
    const t = readTask(dir)
    expect(t.started).toEqual({ ms: 1000, node: 'n2' })
    expect(t.attempts).toEqual([
      { attempt: 0, exitCode: 0, startMs: 1000, endMs: 1500, timedOut: false },
      { attempt: 1, exitCode: 7, startMs: 1600, endMs: 1900, timedOut: false },
    ])
    expect(t.doneMs).toBe(2000)
  })

  it('a task still going (or killed) has no end', () => {
    const dir = writeTree(tmpDir('cmc-task-'), { started: '1000 n1\n' })
    expect(readTask(dir)).toMatchObject({ attempts: [], doneMs: undefined, error: undefined })
  })

  it("a node's fingerprint as its first task wrote it", () => {
    const dir = tmpDir('cmc-host-')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      path.join(dir, 'host.env'),
      'hostname=node7\nkernel=6.1.0\narch=aarch64\ncores=64\nmemkb=1048576\ncpu=Neoverse-V2\nos=Debian GNU/Linux 12 (bookworm)\n',
    )
    writeFileSync(
      path.join(dir, 'engine-version.json'),
      JSON.stringify({ Server: { Version: '24.0.7', ApiVersion: '1.43', Os: 'linux', Arch: 'arm64', Components: [{ Name: 'Engine' }] } }),
    )
    writeFileSync(path.join(dir, 'engine-info.json'), JSON.stringify({ Runtimes: { runc: {}, nvidia: {} }, OSType: 'linux', Architecture: 'aarch64' }))
    writeFileSync(path.join(dir, 'gpus.txt'), 'Model: \t NVIDIA GH200 480GB\n')
    expect(hostFromNode(dir, 'n7')).toEqual({
      hostname: 'node7',
      os: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0',
      arch: 'arm64',
      cpuModel: 'Neoverse-V2',
      cores: 64,
      memoryBytes: 1024 * 1024 * 1024,
      gpus: [{ vendor: 'nvidia', model: 'NVIDIA GH200 480GB' }],
      docker: { name: 'Docker', version: '24.0.7', apiVersion: '1.43', os: 'linux', arch: 'aarch64', runtimes: ['nvidia', 'runc'] },
    })
  })

  it('a node that wrote no fingerprint is named, its engine unknown', () => {
    const h = hostFromNode(tmpDir('cmc-host-'), 'n9')
    expect(h.hostname).toBe('n9')
    expect(h.docker.version).toBe('unknown')
  })

  it('a task the scheduler ended becomes aborted, timeout or failed, saying why', () => {
    expect(schedulerStop({ state: 'CANCELLED by 0', node: 'n1' })).toEqual({ status: 'aborted', reason: 'cancelled before it finished on n1' })
    expect(schedulerStop({ state: 'TIMEOUT', node: 'n2' }).status).toBe('timeout')
    expect(schedulerStop({ state: 'NODE_FAIL', node: 'n2', reason: 'NodeDown' })).toEqual({ status: 'failed', reason: 'its node failed on n2 (NodeDown)' })
    expect(schedulerStop({ state: 'PREEMPTED' }).reason).toMatch(/preempted/)
    expect(schedulerStop({ state: 'OUT_OF_MEMORY', node: 'n1' }).reason).toBe('out of memory on n1')
    expect(schedulerStop(undefined)).toEqual({ status: 'failed', reason: 'the task ended (UNKNOWN) without finishing its point' })
  })
})
