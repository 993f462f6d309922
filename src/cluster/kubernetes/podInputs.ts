// A benchmark's inputs on Kubernetes, where pods cannot mount the submitter's folders.
import { CmcError } from '../../errors.js'
import type { RunContext } from '../../pipeline/runBenchmark.js'

/** Refuses, before anything is built or sent, inputs a pod cannot be given. */
export function checkPodInputs(run: Pick<RunContext, 'benchmark'>): void {
  const names = Object.keys(run.benchmark.inputs)
  if (names.length)
    throw new CmcError('CLUSTER_FLAG', `${run.benchmark.alias} mounts inputs from this machine (${names.join(', ')}), which pods cannot`, {
      hint: 'run it on Slurm (the nodes share the folder), or bake the data into the image',
    })
}
