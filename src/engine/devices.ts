// Device passthrough as Engine API HostConfig: NVIDIA GPUs through
// DeviceRequests (count or ids, capabilities [["gpu"]]), CDI names through a
// "cdi" DeviceRequest, ROCm through /dev/kfd + /dev/dri (or chosen renderD*
// nodes) with the nodes' groups added by gid, and plain --device paths.
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { CmcError } from '../errors.js'

export interface DeviceSpec {
  /** --gpus: all | N | device=0,1 (NVIDIA) */
  gpus?: string
  /** CDI device names, e.g. nvidia.com/gpu=all */
  cdi?: string[]
  /** ROCm passthrough (the rocm platform's default); renderD* nodes to pass, or all */
  rocm?: { render?: string[] }
  /** --device PATH[:CONTAINER_PATH[:PERMS]] */
  paths?: string[]
  /** extra groups (names or gids) */
  groups?: string[]
}

export interface DeviceHostConfig {
  DeviceRequests: Array<{ Driver: string; Count: number; DeviceIDs: string[] | null; Capabilities: string[][]; Options: Record<string, string> }>
  Devices: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>
  GroupAdd: string[]
}

export function parseGpus(spec: string): DeviceHostConfig['DeviceRequests'][number] {
  const base = { Driver: '', Count: 0, DeviceIDs: null as string[] | null, Capabilities: [['gpu']], Options: {} }
  const s = spec.trim()
  if (s === 'all' || s === '-1') return { ...base, Count: -1 }
  if (/^\d+$/.test(s)) return { ...base, Count: Number(s) }
  const m = /^"?device=([\w,:-]+)"?$/.exec(s)
  if (m) return { ...base, DeviceIDs: m[1].split(',').filter(Boolean) }
  throw new CmcError('GPUS_INVALID', `--gpus ${spec} is not understood`, { hint: 'use --gpus all, --gpus 2 or --gpus device=0,1' })
}

/**
 * How many GPUs a run was given, of the `seen` its host has: `--gpus N` or
 * `device=0,1` name them, as do CDI GPU names (`nvidia.com/gpu=0`); `all`,
 * `nvidia.com/gpu=all` or no GPU request at all count every GPU seen.
 */
export function gpusGiven(devices: Pick<DeviceSpec, 'gpus' | 'cdi'> | undefined, seen: number): number {
  const spec = devices?.gpus?.trim()
  if (spec && spec !== 'all' && spec !== '-1') {
    const request = parseGpus(spec)
    return request.DeviceIDs ? request.DeviceIDs.length : request.Count
  }
  const cdiGpus = (devices?.cdi ?? []).filter((name) => /\/gpu=/.test(name))
  if (!spec && cdiGpus.length && !cdiGpus.some((name) => name.endsWith('=all'))) return cdiGpus.length
  return seen
}

function deviceEntry(spec: string): DeviceHostConfig['Devices'][number] {
  const [host, inContainer, perms, ...rest] = spec.split(':')
  if (rest.length || (perms && !/^(?!.*(.).*\1)[rwm]+$/.test(perms)) || (inContainer && !inContainer.startsWith('/'))) {
    throw new CmcError('DEVICE_INVALID', `--device ${spec} is not understood`, {
      hint: 'use --device /dev/HOST[:/dev/IN_CONTAINER[:PERMISSIONS]], permissions a mix of r, w and m',
    })
  }
  return { PathOnHost: host, PathInContainer: inContainer || host, CgroupPermissions: perms || 'rwm' }
}

/** A device as the --device flag writes it (a plain path when it is mounted as itself, rwm): what records keep. */
export function deviceFlag(d: DeviceHostConfig['Devices'][number]): string {
  return d.PathInContainer === d.PathOnHost && d.CgroupPermissions === 'rwm' ? d.PathOnHost : `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`
}

function gidOf(p: string): string | undefined {
  try {
    return String(statSync(p).gid)
  } catch {
    return undefined
  }
}

/**
 * devRoot: where the host's /dev lives, '' on a normal host; a chroot or a test
 * can point it elsewhere. Paths in the container are always /dev/....
 */
export function hostConfigForDevices(spec: DeviceSpec, opts: { devRoot?: string } = {}): DeviceHostConfig {
  const root = opts.devRoot ?? ''
  const kfd = `${root}/dev/kfd`
  const dri = `${root}/dev/dri`
  const out: DeviceHostConfig = { DeviceRequests: [], Devices: [], GroupAdd: [] }
  if (spec.gpus) out.DeviceRequests.push(parseGpus(spec.gpus))
  if (spec.cdi?.length) {
    for (const name of spec.cdi) {
      if (!/^[\w.-]+\/[\w.-]+=[\w.,:-]+$/.test(name))
        throw new CmcError('CDI_INVALID', `${name} is not a CDI device name`, { hint: 'CDI names look like vendor.com/class=name, e.g. nvidia.com/gpu=all' })
    }
    out.DeviceRequests.push({ Driver: 'cdi', Count: 0, DeviceIDs: spec.cdi, Capabilities: [], Options: {} })
  }
  if (spec.rocm) {
    if (!existsSync(kfd)) {
      throw new CmcError('NO_ROCM_GPU', 'no ROCm GPU on this host: /dev/kfd is missing', {
        hint: 'run on a machine with an AMD GPU and the amdgpu kernel driver (check `ls /dev/kfd /dev/dri`), or choose a CPU platform: --platform x86_64',
      })
    }
    out.Devices.push(deviceEntry(`${kfd}:/dev/kfd`))
    const render = spec.rocm.render
    if (render?.length) {
      for (const r of render) {
        const name = r.startsWith('/') ? path.relative('/dev/dri', r) : r
        out.Devices.push(deviceEntry(`${path.join(dri, name)}:${path.join('/dev/dri', name)}`))
      }
    } else out.Devices.push(deviceEntry(`${dri}:/dev/dri`))
    // Groups by gid from the device nodes: names like "render" may not exist in the image's /etc/group.
    const chosen = render?.length ? render.map((r) => path.basename(r)) : undefined
    const renderNodes = existsSync(dri) ? readdirSync(dri).filter((n) => n.startsWith('renderD') && (!chosen || chosen.includes(n))) : []
    const nodes = [kfd, ...renderNodes.map((n) => `${dri}/${n}`)]
    for (const n of nodes) {
      const g = gidOf(n)
      if (g && g !== '0' && !out.GroupAdd.includes(g)) out.GroupAdd.push(g)
    }
  }
  for (const p of spec.paths ?? []) {
    const d = deviceEntry(p)
    if (!existsSync(d.PathOnHost))
      throw new CmcError('DEVICE_MISSING', `device ${d.PathOnHost} does not exist on this host`, {
        hint: 'check the path (ls /dev) or drop --device (`cmc exp reproduce` uses the recorded ones: give --device none, or the devices this host has)',
      })
    // once each (a reproduction passes the recorded devices, the profile's included)
    if (!out.Devices.some((x) => x.PathOnHost === d.PathOnHost && x.PathInContainer === d.PathInContainer)) out.Devices.push(d)
  }
  for (const g of spec.groups ?? []) if (!out.GroupAdd.includes(g)) out.GroupAdd.push(g)
  return out
}

/** The daemon's words for "no GPU runtime", turned into what to do. */
export function gpuStartError(message: string): CmcError | undefined {
  if (
    /could not select device driver|unknown or invalid runtime name: nvidia|nvidia-container-cli|CDI device injection failed|unresolvable CDI devices|no devices found/i.test(
      message,
    )
  ) {
    return new CmcError('NO_GPU_RUNTIME', `the Docker engine cannot pass GPUs through: ${message.trim()}`, {
      hint: 'install the NVIDIA Container Toolkit and run `nvidia-ctk runtime configure --runtime=docker` then restart dockerd (for CDI: `nvidia-ctk cdi generate`); or run without --gpus / on a CPU platform (--platform x86_64)',
    })
  }
  if (/error gathering device information|not a device node/i.test(message)) {
    return new CmcError('DEVICE_UNUSABLE', `the Docker engine cannot pass a device through: ${message.trim()}`, {
      hint: 'pass device nodes only (check `ls -l /dev/kfd /dev/dri` or the --device path); for ROCm the amdgpu driver must be loaded; or run on a CPU platform (--platform x86_64)',
    })
  }
  return undefined
}
