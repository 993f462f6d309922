// `cmc base bootstrap`: a Debian base image without any registry. debootstrap
// builds a minimal root from a Debian mirror (foreign architectures run under
// qemu-user-static through binfmt), and the root is imported through the
// Engine API with its architecture recorded, so `FROM` finds it locally.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { CmcError } from '../errors.js'
import type { EventSink } from '../events.js'
import { engineBuild } from './build.js'
import { getDocker } from './docker.js'
import { bootstrapRef, hostArch } from './baseNames.js'

export interface BootstrapOptions {
  /** e.g. debian:bookworm */
  image: string
  arch: 'amd64' | 'arm64'
  mirror?: string
  events?: EventSink
  signal?: AbortSignal
}

export interface BootstrapResult {
  ref: string
  aliases: string[]
  id: string
  arch: string
  seconds: number
}

const SUITES = new Set(['bookworm', 'bullseye', 'trixie'])

export async function bootstrapBase(opts: BootstrapOptions): Promise<BootstrapResult> {
  const [distro, suite] = opts.image.split(':')
  if (distro !== 'debian' || !SUITES.has(suite)) {
    throw new CmcError('input', 'BASE_BOOTSTRAP_UNSUPPORTED', `cannot bootstrap ${opts.image}`, { hint: `bootstrap one of ${[...SUITES].map((s) => `debian:${s}`).join(', ')}` })
  }
  if (process.getuid?.() !== 0) throw new CmcError('base', 'BASE_BOOTSTRAP_ROOT', 'debootstrap needs root', { hint: 'run `sudo cmc base bootstrap ...`' })
  if (!existsSync('/usr/sbin/debootstrap')) {
    throw new CmcError('base', 'BASE_BOOTSTRAP_TOOL', 'debootstrap is not installed', { hint: 'run `sudo bash scripts/setup-engine.sh` or `apt-get install debootstrap qemu-user-static`' })
  }
  if (opts.arch !== hostArch() && !existsSync(`/proc/sys/fs/binfmt_misc/qemu-${opts.arch === 'arm64' ? 'aarch64' : 'x86_64'}`)) {
    throw new CmcError('base', 'BASE_BOOTSTRAP_EMULATION', `no binfmt emulation registered for ${opts.arch}`, {
      hint: 'install qemu-user-static and run `update-binfmts --enable` (scripts/setup-engine.sh does both)',
    })
  }
  const mirror = opts.mirror ?? process.env.CMC_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
  const started = Date.now()
  const dir = mkdtempSync(path.join(os.tmpdir(), `cmc-rootfs-${opts.arch}-`))
  const events = opts.events ?? (() => {})
  try {
    events({ type: 'step', id: 'debootstrap', name: `debootstrap ${suite} (${opts.arch}) from ${mirror}`, status: 'started' })
    const proc = execa('debootstrap', ['--variant=minbase', `--arch=${opts.arch}`, suite, dir, mirror], { all: true, cancelSignal: opts.signal, reject: false })
    const tail: string[] = []
    proc.all?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        tail.push(line)
        if (tail.length > 30) tail.shift()
        events({ type: 'step-log', id: 'debootstrap', line })
      }
    })
    const res = await proc
    if (res.isCanceled) throw new CmcError('aborted', 'ABORTED', 'bootstrap interrupted')
    if (res.exitCode !== 0) {
      throw new CmcError('base', 'BASE_BOOTSTRAP_FAILED', `debootstrap failed (exit ${res.exitCode})`, { details: tail, hint: `check that ${mirror} is reachable; set CMC_DEBIAN_MIRROR to use another mirror` })
    }
    events({ type: 'step', id: 'debootstrap', name: 'debootstrap', status: 'done', elapsedMs: Date.now() - started })
    writeFileSync(path.join(dir, 'etc/apt/sources.list'), [
      `deb ${mirror} ${suite} main`,
      `deb ${mirror} ${suite}-updates main`,
      `deb ${mirror.replace(/\/debian\/?$/, '/debian-security')} ${suite}-security main`,
      '',
    ].join('\n'))
    rmSync(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true })
    rmSync(path.join(dir, 'var/lib/apt/lists'), { recursive: true, force: true })

    const ref = bootstrapRef(opts.image, opts.arch)
    events({ type: 'step', id: 'import', name: `import as ${ref}`, status: 'started' })
    // The root goes in through a tiny `FROM scratch` build rather than
    // POST /images/create?fromSrc: older engines ignore the platform of an
    // import and record the host's architecture, a build records the target's.
    const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-rootfs-tar-'))
    try {
      const rootTar = path.join(work, 'rootfs.tar')
      await execa('tar', ['--numeric-owner', '-C', dir, '-cf', rootTar, '.'])
      const dockerfile = 'FROM scratch\nADD rootfs.tar /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["/bin/bash"]\n'
      const st = statSync(rootTar)
      await engineBuild({
        dockerfile, files: [{ name: 'rootfs.tar', src: rootTar, mode: 0o644, size: st.size }], tag: ref, platform: `linux/${opts.arch}`,
        builder: 'classic', labels: { 'cmc.managed': '1', 'cmc.base': opts.image, 'cmc.base.mirror': mirror }, events, signal: opts.signal,
      })
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
    const docker = getDocker()
    const info = await docker.getImage(ref).inspect()
    if (info.Architecture !== opts.arch) {
      throw new CmcError('base', 'BASE_ARCH_MISMATCH', `imported image records architecture ${info.Architecture}, expected ${opts.arch}`, { hint: 'use Docker 20.10 or newer' })
    }
    const aliases: string[] = []
    if (opts.arch === hostArch()) {
      const plain = opts.image
      const existing = await docker.getImage(plain).inspect().catch(() => undefined)
      if (!existing) {
        const [prepo, ptag] = plain.split(':')
        await docker.getImage(ref).tag({ repo: prepo, tag: ptag })
        aliases.push(plain)
      }
    }
    events({ type: 'step', id: 'import', name: `import as ${ref}`, status: 'done' })
    return { ref, aliases, id: info.Id, arch: info.Architecture, seconds: (Date.now() - started) / 1000 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
