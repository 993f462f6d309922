// A benchmark's inputs on Kubernetes, where pods cannot mount the submitter's
// folders: the files are read here, at submit time, into one ConfigMap per
// Job (binaryData), which the pod mounts read-only where the meta says, as a
// local run bind-mounts the folder. A ConfigMap, not the image: the pod runs
// the very image a local run records, so its records compare with local ones
// by image digest. A ConfigMap holds at most 1 MiB: larger inputs are refused
// before anything is built or sent.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../../errors.js'
import type { PlanBenchmark } from '../../resolve/plan.js'

/** What the API server takes in one ConfigMap: its data and binaryData together. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024

/** One file of an input: its key in the ConfigMap, its path under the mount, and its mode there. */
export interface PodInputFile {
  key: string
  path: string
  mode: number
  bytes: number
  /** Where it was read from on the submitting machine. */
  source: string
}

/** One input as the pod sees it: a folder (or a single file) mounted at `mount`. */
export interface PodInput {
  name: string
  mount: string
  /** The input is one file, mounted as that file rather than a folder. */
  file: boolean
  files: PodInputFile[]
}

/** The benchmark's inputs, file by file; refused when they do not fit one ConfigMap. */
export function podInputs(benchmark: Pick<PlanBenchmark, 'alias' | 'dir' | 'inputs'>): PodInput[] {
  const inputs = Object.entries(benchmark.inputs).map(([name, input], i) => {
    const host = path.resolve(benchmark.dir, input.path)
    const file = existsSync(host) && statSync(host).isFile()
    const found = file ? [{ rel: path.basename(host), abs: host }] : walk(host)
    const files = found.map((f, j) => {
      const st = statSync(f.abs)
      // a ConfigMap key: letters, digits, '-', '_' and '.'; the path carries the name
      return { key: `in${i}-${j}`, path: f.rel, mode: st.mode & 0o111 ? 0o755 : 0o644, bytes: st.size, source: f.abs }
    })
    return { name, mount: input.mount, file, files }
  })
  const total = inputs.reduce((n, i) => n + i.files.reduce((m, f) => m + f.bytes + f.key.length, 0), 0)
  if (total > CONFIGMAP_MAX_BYTES)
    throw new CmcError(
      'KUBE_INPUTS_TOO_LARGE',
      `the inputs of ${benchmark.alias} (${inputs.map((i) => i.name).join(', ')}) are ${mib(total)} MiB; pods get inputs through a ConfigMap, which holds ${mib(CONFIGMAP_MAX_BYTES)} MiB`,
      {
        hint: 'put large data into the image (a component that installs it), or run the sweep on Slurm, where the nodes mount the inputs from a shared folder',
        data: { bytes: total, limit: CONFIGMAP_MAX_BYTES },
      },
    )
  return inputs
}

/** Every regular file under `dir`, links followed (a link that leads back up is walked once). */
function walk(dir: string, rel = '', seen = new Set<string>()): Array<{ rel: string; abs: string }> {
  const real = realpathSync(dir)
  if (seen.has(real)) return []
  seen.add(real)
  const out: Array<{ rel: string; abs: string }> = []
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name)
    const st = statSync(abs, { throwIfNoEntry: false })
    if (st?.isDirectory()) out.push(...walk(abs, path.posix.join(rel, name), seen))
    else if (st?.isFile()) out.push({ rel: path.posix.join(rel, name), abs })
  }
  return out
}

/** The ConfigMap's binaryData: the job folder's snapshot (made at submit, so a retry sends what the first Job had), else the files now. */
export function inputData(inputs: PodInput[], snapshot?: string): Record<string, string> {
  if (snapshot && existsSync(snapshot)) return JSON.parse(readFileSync(snapshot, 'utf8')) as Record<string, string>
  return Object.fromEntries(inputs.flatMap((i) => i.files.map((f) => [f.key, readFileSync(f.source).toString('base64')])))
}

/** The inputs as they are now, kept in the job folder for every Job of the job. */
export function snapshotInputs(inputs: PodInput[], file: string): void {
  writeFileSync(file, JSON.stringify(inputData(inputs)))
}

/** The pod's volumes and its container's mounts: one ConfigMap volume per input, read-only at its mount. */
export function inputVolumes(inputs: PodInput[], configMap: string): { volumes: unknown[]; volumeMounts: unknown[] } {
  const volumes = inputs.map((input, i) => ({
    name: `input-${i}`,
    configMap: { name: configMap, items: input.files.map((f) => ({ key: f.key, path: f.path, ...(f.mode === 0o755 ? { mode: f.mode } : {}) })) },
  }))
  const volumeMounts = inputs.map((input, i) => ({
    name: `input-${i}`,
    mountPath: input.mount,
    readOnly: true,
    ...(input.file ? { subPath: input.files[0].path } : {}),
  }))
  return { volumes, volumeMounts }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)
}
