// A point's container, as the engine API would create it here
// (containerCreateOptions), turned into `docker run` arguments for a node that
// has an engine and nothing else: one description of the container, whoever
// starts it. The outputs folder is the exception: here it is an anonymous
// volume read in place; on a node it is a folder of the task in the shared job
// folder, bind-mounted by the task script over the same target.
import type Docker from 'dockerode'
import { MANAGED_LABEL, OWNER_LABEL, OWNER_PROC_LABEL } from '../engine/gc.js'

export interface NodeContainer {
  /** Everything between `docker run` and the image, less the outputs mount and the name. */
  options: string[]
  image: string
  /** The command after the image. */
  command: string[]
  /** Where the outputs folder goes in the container; undefined when it cannot be a mount (the task copies it out). */
  outputsTarget?: string
  outputsDir?: string
}

/** Labels of a local run that mean nothing on a node (`cmc gc` there must not take a task for a leftover of this process). */
const LOCAL_ONLY = new Set([MANAGED_LABEL, OWNER_LABEL, OWNER_PROC_LABEL])

export function nodeContainer(create: Docker.ContainerCreateOptions, outputsDir: string | undefined, labels: Record<string, string>): NodeContainer {
  const host = (create.HostConfig ?? {}) as Docker.HostConfig
  const options: string[] = []
  for (const [k, v] of Object.entries({ ...create.Labels, ...labels })) if (!LOCAL_ONLY.has(k)) options.push('--label', `${k}=${v}`)
  if (create.WorkingDir) options.push('-w', create.WorkingDir)
  for (const e of create.Env ?? []) options.push('-e', e)
  for (const b of host.Binds ?? []) options.push('-v', b)
  for (const d of host.Devices ?? []) options.push('--device', `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`)
  for (const r of host.DeviceRequests ?? []) options.push(...deviceRequestFlags(r))
  for (const g of host.GroupAdd ?? []) options.push('--group-add', g)
  if (host.NanoCpus) options.push('--cpus', String(host.NanoCpus / 1e9))
  if (host.Memory) options.push('--memory', `${host.Memory}b`)
  const mount = (host.Mounts ?? [])[0] as { Target?: string } | undefined
  return { options, image: create.Image ?? '', command: (create.Cmd as string[] | undefined) ?? [], outputsTarget: mount?.Target, outputsDir }
}

/** --gpus for NVIDIA's requests, --device NAME for CDI ones (Docker 25+, Podman). */
function deviceRequestFlags(r: Docker.DeviceRequest): string[] {
  if (r.Driver === 'cdi') return (r.DeviceIDs ?? []).flatMap((id) => ['--device', id])
  if (r.DeviceIDs?.length) return ['--gpus', `"device=${r.DeviceIDs.join(',')}"`]
  return ['--gpus', r.Count === -1 || r.Count === undefined ? 'all' : String(r.Count)]
}

/** A word for a POSIX shell, quoted so that the shell gives it back unchanged. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
