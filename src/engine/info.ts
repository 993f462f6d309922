// What the engine and the host are: /info and /version for records (host
// fingerprint) and for GPU checks before a run.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { CmcError } from '../errors.js'
import type { HostFingerprint } from '../store/record.js'
import { engineVersion, getDocker } from './docker.js'

export interface EngineInfo {
  version: string
  apiVersion: string
  os: string
  arch: string
  runtimes: string[]
  cdiSpecDirs: string[]
  gpus: HostFingerprint['gpus']
}

let cached: EngineInfo | undefined

function nvidiaGpus(): HostFingerprint['gpus'] {
  const gpus: HostFingerprint['gpus'] = []
  try {
    const driver = /Kernel Module\s+(\S+)/.exec(readFileSync('/proc/driver/nvidia/version', 'utf8'))?.[1]
    const dir = '/proc/driver/nvidia/gpus'
    if (existsSync(dir)) {
      for (const g of readdirSync(dir)) {
        const model = /Model:\s+(.+)/.exec(readFileSync(`${dir}/${g}/information`, 'utf8'))?.[1]?.trim() ?? 'NVIDIA GPU'
        gpus.push({ vendor: 'nvidia', model, driver })
      }
    }
  } catch {
    /* no NVIDIA driver */
  }
  if (existsSync('/dev/kfd')) gpus.push({ vendor: 'amd', model: 'ROCm device (/dev/kfd)' })
  return gpus
}

export async function engineInfo(): Promise<EngineInfo> {
  if (cached) return cached
  const docker = getDocker()
  const [info, version] = await Promise.all([docker.info(), engineVersion()])
  const i = info as { Runtimes?: Record<string, unknown>; CDISpecDirs?: string[]; OSType?: string; Architecture?: string }
  cached = {
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: i.OSType ?? version.Os,
    arch: i.Architecture ?? version.Arch,
    runtimes: Object.keys(i.Runtimes ?? {}).sort(),
    cdiSpecDirs: i.CDISpecDirs ?? [],
    gpus: nvidiaGpus(),
  }
  return cached
}

/** This machine and its engine; with `engine: false`, the machine alone (the engine's fields unknown). */
export async function hostFingerprint(opts: { engine?: boolean } = {}): Promise<HostFingerprint> {
  const e = opts.engine === false ? undefined : await engineInfo()
  const cpus = os.cpus()
  let osName = os.type()
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName
  } catch {
    /* keep os.type() */
  }
  return {
    hostname: os.hostname(),
    os: osName,
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    gpus: e ? e.gpus : nvidiaGpus(),
    docker: e
      ? { version: e.version, apiVersion: e.apiVersion, os: e.os, arch: e.arch, runtimes: e.runtimes }
      : { version: 'unknown', apiVersion: 'unknown', os: 'unknown', arch: 'unknown', runtimes: [] },
  }
}

/** Before an NVIDIA GPU run: is there any way for the engine to pass GPUs? */
export async function checkGpuSupport(kind: 'nvidia' | 'cdi'): Promise<void> {
  const e = await engineInfo()
  if (kind === 'nvidia' && !e.runtimes.includes('nvidia') && !existsSync('/usr/bin/nvidia-container-runtime-hook') && !existsSync('/usr/bin/nvidia-container-toolkit')) {
    throw new CmcError('device', 'NO_GPU_RUNTIME', 'this Docker engine has no NVIDIA runtime, so GPUs cannot be passed to containers', {
      details: [`engine runtimes: ${e.runtimes.join(', ') || 'none'}`, `GPUs seen on the host: ${e.gpus.map((g) => g.model).join(', ') || 'none'}`],
      hint: 'install the NVIDIA driver and Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker` and restart dockerd; or run on a CPU platform (--platform x86_64) without --gpus',
    })
  }
  if (kind === 'cdi' && !e.cdiSpecDirs.length) {
    throw new CmcError('device', 'NO_CDI', `this Docker engine (${e.version}) has CDI disabled or too old for CDI devices`, {
      hint: 'use Docker 25 or newer with CDI enabled (`"features": {"cdi": true}` in daemon.json) and generate specs with `nvidia-ctk cdi generate`; or use --gpus',
    })
  }
}
