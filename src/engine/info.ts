// What the engine and the host are: /info and /version for records (host
// fingerprint), for GPU checks before a run, and where Docker-compatible
// engines differ (Podman: no BuildKit, a digest for every local name).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import type DockerClient from 'dockerode'
import { CmcError } from '../errors.js'
import type { HostFingerprint } from '../store/record.js'
import { engineEndpoint, engineVersion, getDocker, pingEngine } from './docker.js'

export interface EngineInfo {
  /** The product: Docker or Podman. */
  name: string
  version: string
  apiVersion: string
  os: string
  arch: string
  runtimes: string[]
  cdiSpecDirs: string[]
  gpus: HostFingerprint['gpus']
}

/** One /info a process: asked early by `cmc run`, answered meanwhile, and shared by whoever asks after. */
let cached: Promise<EngineInfo> | undefined

/**
 * The engine's product from its /version: Podman names itself among the
 * Components ("Podman Engine"; its Platform.Name is os/arch/distro), Docker
 * as "Engine" and in Platform.Name, which Debian's docker.io leaves empty.
 */
export function engineName(version: Pick<DockerClient.DockerVersion, 'Components' | 'Platform'>): string {
  const names = [...(version.Components ?? []).map((component) => component.Name), version.Platform?.Name ?? '']
  return names.some((name) => /podman/i.test(name)) ? 'Podman' : 'Docker'
}

/**
 * What `--builder auto` builds with. Podman builds with Buildah behind its
 * Docker-compatible API and has no BuildKit session endpoint; Docker has one.
 * Decided from /version, which cmc asks anyway, instead of a request of its own;
 * the ping bounds the wait (an engine that takes the connection and never answers).
 */
export async function autoBuilder(): Promise<'buildkit' | 'classic'> {
  const [, version] = await Promise.all([pingEngine(), engineVersion().catch(() => undefined)])
  return version && engineName(version) === 'Podman' ? 'classic' : 'buildkit'
}

/**
 * An image's repo@sha256 digest when a registry knows it, else undefined.
 * Docker lists a digest only for a repository the image was pushed to or
 * pulled from; Podman lists one for every name the image has, so an image it
 * built or loaded shows docker.io/cmc/<alias>@... or localhost/cmc/...@...
 * although nothing went to a registry. cmc's own names (cmc/...) are never a
 * registry's: push puts the registry in front of them.
 */
export function registryDigest(digest: string | undefined): string | undefined {
  if (!digest || /^(?:(?:docker\.io|localhost)\/)?cmc\/[^/@]+@/.test(digest)) return undefined
  return digest
}

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

export function engineInfo(): Promise<EngineInfo> {
  if (cached) return cached
  const asked = askEngineInfo()
  // a failed ask is not kept: the next caller asks again
  asked.catch(() => {
    if (cached === asked) cached = undefined
  })
  cached = asked
  return asked
}

async function askEngineInfo(): Promise<EngineInfo> {
  const docker = getDocker()
  const [info, version] = await Promise.all([docker.info(), engineVersion()])
  const i = info as { Runtimes?: Record<string, unknown>; CDISpecDirs?: string[]; OSType?: string; Architecture?: string }
  return {
    name: engineName(version),
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: i.OSType ?? version.Os,
    arch: i.Architecture ?? version.Arch,
    runtimes: Object.keys(i.Runtimes ?? {}).sort(),
    cdiSpecDirs: i.CDISpecDirs ?? [],
    gpus: nvidiaGpus(),
  }
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
  const engine: HostFingerprint['docker'] = e
    ? { name: e.name, version: e.version, apiVersion: e.apiVersion, os: e.os, arch: e.arch, runtimes: e.runtimes }
    : { name: 'unknown', version: 'unknown', apiVersion: 'unknown', os: 'unknown', arch: 'unknown', runtimes: [] }
  return {
    hostname: os.hostname(),
    os: osName,
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    gpus: e ? e.gpus : nvidiaGpus(),
    docker: engine,
  }
}

/** Before an NVIDIA GPU run: is there any way for the engine to pass GPUs? */
export async function checkGpuSupport(kind: 'nvidia' | 'cdi'): Promise<void> {
  const e = await engineInfo()
  if (
    kind === 'nvidia' &&
    !e.runtimes.includes('nvidia') &&
    !existsSync('/usr/bin/nvidia-container-runtime-hook') &&
    !existsSync('/usr/bin/nvidia-container-toolkit')
  ) {
    throw new CmcError('NO_GPU_RUNTIME', 'this Docker engine has no NVIDIA runtime, so GPUs cannot be passed to containers', {
      details: [`engine runtimes: ${e.runtimes.join(', ') || 'none'}`, `GPUs seen on the host: ${e.gpus.map((g) => g.model).join(', ') || 'none'}`],
      hint: 'install the NVIDIA driver and Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker` and restart dockerd; or run on a CPU platform (--platform x86_64) without --gpus',
    })
  }
  if (kind === 'cdi' && !e.cdiSpecDirs.length) {
    throw new CmcError('NO_CDI', `this Docker engine (${e.version}) has CDI disabled or too old for CDI devices`, {
      hint: 'use Docker 25 or newer with CDI enabled (`"features": {"cdi": true}` in daemon.json) and generate specs with `nvidia-ctk cdi generate`; or use --gpus',
    })
  }
}

/** How an image of another architecture than the engine host's runs: under an interpreter (qemu through binfmt_misc). */
export interface Emulation {
  /** the engine host's architecture, as Docker names it (amd64, arm64) */
  hostArch: string
  imageArch: string
  /** the binfmt_misc handler the kernel runs the image's programs with, as far as this machine sees it */
  interpreter: string
}

const DOCKER_ARCH: Record<string, string> = {
  x86_64: 'amd64',
  x64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
}
/** qemu's names for the architectures, as binfmt_misc entries are named (qemu-aarch64). */
const QEMU_ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'arm', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }

/** An architecture as Docker names it: /info says x86_64 where an image says amd64. */
export function dockerArch(arch: string): string {
  return DOCKER_ARCH[arch] ?? arch
}

/** Whether an image of `imageArch` runs emulated on this engine, and how; undefined when it runs natively. */
export async function emulationOf(imageArch: string): Promise<Emulation | undefined> {
  const hostArch = dockerArch((await engineInfo()).arch)
  const image = dockerArch(imageArch)
  if (!image || image === hostArch) return undefined
  return { hostArch, imageArch: image, interpreter: binfmtInterpreter(image) }
}

const BINFMT = '/proc/sys/fs/binfmt_misc'

/**
 * The enabled binfmt_misc entry for the architecture: only a local engine's
 * kernel is this machine's, so a remote one's handler cannot be read here.
 */
function binfmtInterpreter(imageArch: string): string {
  const qemu = QEMU_ARCH[imageArch] ?? imageArch
  if (engineEndpoint().transport !== 'socket') return `binfmt_misc of the engine's host (qemu-${qemu}; not visible from this machine)`
  try {
    for (const entry of readdirSync(BINFMT).filter((e) => e.includes(qemu))) {
      const text = readFileSync(`${BINFMT}/${entry}`, 'utf8')
      if (!/^enabled/m.test(text)) continue
      const interpreter = /^interpreter (\S+)/m.exec(text)?.[1]
      return `${entry} via binfmt_misc${interpreter ? ` (${interpreter})` : ''}`
    }
  } catch {
    // no binfmt_misc mounted: the engine emulates some other way (Docker Desktop's VM)
  }
  return `qemu-${qemu} (no binfmt_misc entry seen on this machine)`
}
