// The flags of `cmc run --on slurm|kubernetes`, as data: declared once, spread
// into `cmc run`'s flags, and refused on a local run. Kept apart from
// runOnCluster.ts so that a local `cmc run` loads nothing else of src/cluster.
import type { FlagSpec } from '../cli/spec.js'
import { CmcError } from '../errors.js'

export const CLUSTER_RUN_FLAGS = {
  on: {
    kind: 'string',
    options: ['slurm', 'kubernetes'],
    description: 'run the sweep on a cluster: one Slurm array job, or one Kubernetes Indexed Job, each task one point',
  },
  partition: { kind: 'string', description: "Slurm partition (default: the cluster's default one)" },
  time: { kind: 'string', description: "Slurm time limit per task, in Slurm's words (30, 1:00:00, 1-0)" },
  'gpus-per-task': { kind: 'string', description: 'Slurm --gpus-per-task ([type:]N); on Kubernetes, GPUs per pod' },
  gres: { kind: 'string', description: 'Slurm --gres, e.g. gpu:a100:1' },
  'cpus-per-task': { kind: 'integer', min: 1, description: 'Slurm --cpus-per-task; on Kubernetes, the CPU request per pod' },
  'max-parallel': { kind: 'integer', min: 1, description: 'tasks running at once (Slurm --array=...%M, Kubernetes parallelism)' },
  'sbatch-arg': { kind: 'string', multiple: true, description: 'any other sbatch option, e.g. --sbatch-arg=--account=proj (repeatable)' },
  registry: {
    kind: 'string',
    description: 'registry HOST:PORT[/namespace] the nodes pull the image from (default for Slurm: an image archive in the job folder)',
  },
  'job-dir': { kind: 'string', description: 'folder shared with the nodes where job folders go (default: <store>/jobs)' },
  namespace: { kind: 'string', description: "Kubernetes namespace (default: the kubeconfig context's)" },
  'dry-run': { kind: 'boolean', description: 'print the batch script (or the Job) and submit nothing' },
  detach: { kind: 'boolean', description: 'submit and return; `cmc jobs wait ID` imports the records later' },
} as const satisfies Record<string, FlagSpec>

export type ClusterFlags = {
  partition?: string
  time?: string
  'gpus-per-task'?: string
  gres?: string
  'cpus-per-task'?: number
  'max-parallel'?: number
  'sbatch-arg'?: string[]
  registry?: string
  'job-dir'?: string
  namespace?: string
  'dry-run'?: boolean
  detach?: boolean
}

/** A local run given cluster flags: said, rather than silently run here. */
export function refuseClusterFlags<T>(options: T, flags: ClusterFlags): T {
  const given = (Object.keys(CLUSTER_RUN_FLAGS) as Array<keyof ClusterFlags>).filter((k) => k in flags && flags[k] !== undefined && flags[k] !== false)
  if (given.length)
    throw new CmcError('CLUSTER_FLAG', `--${given[0]} is for a cluster run, and there is no --on`, {
      hint: `add --on slurm (or --on kubernetes) to run the sweep on a cluster, or drop --${given.join(', --')}`,
    })
  return options
}
