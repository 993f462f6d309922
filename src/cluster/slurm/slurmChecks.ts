// What can be known about a Slurm submission before it is made: slurmctld
// answers, the partition exists, its nodes have the GPUs asked for, and they
// can reach the job folder and the registry. Each refusal says what to do,
// and sbatch itself refuses what only the scheduler knows, queueing nothing.
import { statfsSync } from 'node:fs'
import os from 'node:os'
import { CmcError } from '../../errors.js'
import { nearest } from '../../meta/nearest.js'
import { parseScontrol, pingController, slurm } from './slurmCli.js'

export interface SlurmNode {
  name: string
  /** NodeHostName; undefined for a node scontrol does not show (FUTURE, or hidden). */
  hostname?: string
  addr?: string
  gres: string
}

export interface SlurmTarget {
  cluster: string
  partition: string
  nodes: SlurmNode[]
}

export interface SlurmAsk {
  partition?: string
  gpusPerTask?: string
  gres?: string
}

/** The cluster and partition a job goes to, checked: slurmctld up, the partition known, GPUs there if asked for. */
export async function slurmTarget(ask: SlurmAsk): Promise<SlurmTarget> {
  await pingController()
  const config = (await slurm('scontrol', ['show', 'config'])).stdout
  const cluster = /^ClusterName\s*=\s*(\S+)/m.exec(config)?.[1] ?? 'slurm'
  const partitions = parseScontrol((await slurm('scontrol', ['-o', 'show', 'partition'])).stdout)
  const names = partitions.map((p) => p.PartitionName)
  const chosen = ask.partition ? partitions.find((p) => p.PartitionName === ask.partition) : partitions.find((p) => p.Default === 'YES')
  if (!chosen) {
    const near = ask.partition ? nearest(ask.partition, names, 1) : []
    throw new CmcError(
      'PARTITION_UNKNOWN',
      ask.partition ? `Slurm cluster ${cluster} has no partition ${ask.partition}` : `Slurm cluster ${cluster} has no default partition`,
      { hint: `${near.length ? `did you mean --partition ${near[0]}? ` : ''}its partitions: ${names.join(', ') || 'none'} (sinfo lists them)` },
    )
  }
  const nodes = await partitionNodes(chosen.Nodes ?? '')
  const target = { cluster, partition: chosen.PartitionName, nodes }
  checkGpus(target, ask)
  return target
}

async function partitionNodes(list: string): Promise<SlurmNode[]> {
  if (!list || list === '(null)') return []
  const names = (await slurm('scontrol', ['show', 'hostnames', list])).stdout.split('\n').filter(Boolean)
  const shown = parseScontrol((await slurm('scontrol', ['-o', 'show', 'node', list], { allowFailure: true })).stdout)
  return names.map((name) => {
    const n = shown.find((x) => x.NodeName === name)
    return { name, hostname: n?.NodeHostName, addr: n?.NodeAddr, gres: n?.Gres ?? '(null)' }
  })
}

/** GPUs asked for (--gpus-per-task, a gpu --gres) where no node of the partition has any. */
function checkGpus(target: SlurmTarget, ask: SlurmAsk): void {
  const wantsGpu = ask.gpusPerTask !== undefined || /(^|,)gpu\b/.test(ask.gres ?? '')
  if (!wantsGpu) return
  if (target.nodes.some((n) => /(^|,)gpu\b/.test(n.gres))) return
  const flag = ask.gpusPerTask !== undefined ? `--gpus-per-task ${ask.gpusPerTask}` : `--gres ${ask.gres}`
  throw new CmcError(
    'CLUSTER_NO_GPUS',
    `${flag}: no node of partition ${target.partition} on ${target.cluster} has GPUs (their Gres: ${[...new Set(target.nodes.map((n) => n.gres))].join(', ')})`,
    {
      hint: 'choose a partition with GPU nodes (`sinfo -o "%P %G"` shows their Gres), or drop the GPU request to run on CPUs',
    },
  )
}

/** Whether a node is this machine (so sees its disks): its host name or address is this host's. */
export function isThisHost(node: SlurmNode): boolean {
  const me = new Set(['localhost', os.hostname(), os.hostname().split('.')[0]])
  if (node.hostname && me.has(node.hostname)) return true
  if (node.addr && (/^127\./.test(node.addr) || node.addr === '::1') && (!node.hostname || me.has(node.hostname))) return true
  const mine = Object.values(os.networkInterfaces()).flatMap((ifs) => (ifs ?? []).map((i) => i.address))
  return Boolean(node.addr && mine.includes(node.addr) && (!node.hostname || node.hostname === node.addr))
}

/** Filesystems that belong to one machine (statfs magic numbers): tmpfs, ext2-4, xfs, btrfs, overlay, zfs, f2fs. */
const LOCAL_FS = new Map<number, string>([
  [0x01021994, 'tmpfs'],
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlay'],
  [0x2fc12fc1, 'zfs'],
  [0xf2f52010, 'f2fs'],
])

/** The job folder (or an input) must be seen by every node: a folder on this machine's own disk is not, unless every node is this machine. */
export function checkShared(dir: string, target: SlurmTarget, what: { code: 'JOB_DIR_NOT_SHARED'; flag: string }): void {
  const others = target.nodes.filter((n) => !isThisHost(n))
  if (!others.length) return
  let fs: string | undefined
  try {
    fs = LOCAL_FS.get(Number(statfsSync(dir).type))
  } catch {
    return
  }
  if (!fs) return
  throw new CmcError(
    what.code,
    `${dir} is on this machine's own disk (${fs}), and the nodes of partition ${target.partition} (${others.map((n) => n.hostname ?? n.name).join(', ')}) are other hosts: they would not see it`,
    {
      hint: `give ${what.flag} a folder on a filesystem the nodes share (NFS, Lustre, GPFS, BeeGFS; often your home or a project folder), at the same path on every node`,
    },
  )
}

/** A registry the nodes are to pull from: it answers here, and is not this machine's loopback when the nodes are elsewhere. */
export async function checkRegistry(registry: string, target: SlurmTarget | undefined): Promise<void> {
  const host = registry.replace(/\/.*$/, '')
  const loopback = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host)
  const others = target?.nodes.filter((n) => !isThisHost(n)) ?? []
  if (loopback && others.length)
    throw new CmcError(
      'REGISTRY_UNREACHABLE',
      `--registry ${registry} is this machine's loopback; the nodes of partition ${target!.partition} (${others.map((n) => n.hostname ?? n.name).join(', ')}) would reach their own`,
      {
        hint: 'give the registry by a name or address the nodes resolve to this registry (HOST:PORT), or leave --registry out: the image then travels as an archive in the shared job folder',
      },
    )
  if (!(await answers(host)))
    throw new CmcError('REGISTRY_UNREACHABLE', `--registry ${registry} does not answer (no registry API at http(s)://${host}/v2/)`, {
      hint: 'start the registry (Debian: `docker-registry` serves 127.0.0.1:5000), check HOST:PORT, or leave --registry out to send the image as an archive in the job folder',
    })
}

async function answers(host: string): Promise<boolean> {
  for (const scheme of ['http', 'https']) {
    try {
      await fetch(`${scheme}://${host}/v2/`, { signal: AbortSignal.timeout(3000) })
      return true
    } catch {
      // try the other scheme
    }
  }
  return false
}
