// The parts of a Slurm submission that are plain data: array specs, scontrol
// records, which nodes are this host, and the container a node is told to run.
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { nodeContainer, shellWord } from '../../../src/cluster/dockerRunArgs.js'
import { arraySpec } from '../../../src/cluster/slurm/slurmBackend.js'
import { checkShared, isThisHost } from '../../../src/cluster/slurm/slurmChecks.js'
import { parseScontrol } from '../../../src/cluster/slurm/slurmCli.js'
import { renderPointFile } from '../../../src/cluster/taskScript.js'
import { hostConfigForDevices } from '../../../src/engine/devices.js'
import { containerCreateOptions } from '../../../src/engine/run.js'
import { tmpDir } from '../../helpers/tmp.js'

describe('array specs', () => {
  it('writes runs of indices as ranges, in order, each once', () => {
    expect(arraySpec([0, 1, 2, 3, 4, 5])).toBe('0-5')
    expect(arraySpec([4, 1, 3])).toBe('1,3-4')
    expect(arraySpec([7])).toBe('7')
    expect(arraySpec([2, 2, 0])).toBe('0,2')
  })
})

describe('scontrol -o records', () => {
  it('reads Key=Value fields, values with spaces included', () => {
    const [n] = parseScontrol(
      'NodeName=n1 Arch=x86_64 Gres=(null) NodeAddr=127.0.0.1 NodeHostName=localhost OS=Linux 6.1.0 #1 SMP PREEMPT_DYNAMIC RealMemory=100\n',
    )
    expect(n).toMatchObject({ NodeName: 'n1', Gres: '(null)', NodeHostName: 'localhost', OS: 'Linux 6.1.0 #1 SMP PREEMPT_DYNAMIC', RealMemory: '100' })
  })
})

describe('which nodes see this machine', () => {
  it('this host by name or loopback; others not', () => {
    expect(isThisHost({ name: 'n1', hostname: 'localhost', addr: '127.0.0.1', gres: '(null)' })).toBe(true)
    expect(isThisHost({ name: 'n1', hostname: os.hostname(), addr: '10.1.2.3', gres: '(null)' })).toBe(true)
    expect(isThisHost({ name: 'far1', hostname: 'far1', addr: '127.0.0.3', gres: '(null)' })).toBe(false)
    expect(isThisHost({ name: 'gpu7', gres: 'gpu:a100:4' })).toBe(false)
  })

  it('a job folder on a local disk is refused only when a node is another host', () => {
    const dir = tmpDir('cmc-shared-')
    const local = { cluster: 'c', partition: 'p', nodes: [{ name: 'n1', hostname: 'localhost', gres: '(null)' }] }
    expect(() => checkShared(dir, local, { code: 'JOB_DIR_NOT_SHARED', flag: '--job-dir' })).not.toThrow()
    const far = { ...local, nodes: [...local.nodes, { name: 'far1', hostname: 'far1', gres: '(null)' }] }
    // tmpdirs are on this machine's own disk (ext4, tmpfs, overlay)
    expect(() => checkShared(dir, far, { code: 'JOB_DIR_NOT_SHARED', flag: '--job-dir' })).toThrow(/far1/)
  })
})

describe('the container a node runs', () => {
  const create = containerCreateOptions({
    image: 'sha256:abc',
    command: `echo "it's {{n}}" > /cmc/out/x`,
    workdir: '/work',
    env: { A: 'one two', QUOTE: `it's` },
    labels: { 'cmc.run': 'j1-0' },
    inputs: [{ host: '/data/in put', container: '/in' }],
    devices: hostConfigForDevices({ gpus: 'device=0,1' }),
    nanoCpus: 1.5e9,
    memoryBytes: 1 << 30,
    outputsDir: '/cmc/out',
  })
  const c = nodeContainer(create, '/cmc/out', { 'cmc.job': 'j1' })

  it('has what the engine API would have been given, less the local-only labels', () => {
    expect(c.options).toEqual(
      expect.arrayContaining([
        '-w',
        '/work',
        '-e',
        'A=one two',
        '-v',
        '/data/in put:/in:ro',
        '--gpus',
        '"device=0,1"',
        '--cpus',
        '1.5',
        '--memory',
        `${1 << 30}b`,
      ]),
    )
    expect(c.options.join(' ')).toContain('cmc.job=j1')
    expect(c.options.join(' ')).not.toMatch(/cmc\.owner|cmc\.managed/)
    expect(c.outputsTarget).toBe('/cmc/out')
    expect(c.command).toEqual(['sh', '-c', `mkdir -p '/cmc/out' && echo "it's {{n}}" > /cmc/out/x`])
  })

  it('survives the shell: bash reads the point file back into the same words', () => {
    const image = { via: 'archive' as const, ref: 'sha256:abc', archive: "/shared/it's images/abc.tar" }
    const file = renderPointFile({ index: 0, label: 'n=1', container: c, image, dockerPlatform: 'linux/arm64', attempts: 2, timeoutS: 60 })
    const words = execFileSync('bash', ['-c', `${file}\nprintf '%s\\0' "\${args[@]}" "\${cmd[@]}" "$image" "$archive" "$platform"`])
      .toString()
      .split('\0')
      .slice(0, -1)
    expect(words).toEqual([...c.options, ...c.command, 'sha256:abc', "/shared/it's images/abc.tar", 'linux/arm64'])
    expect(shellWord(`a'b`)).toBe(`'a'\\''b'`)
  })
})
