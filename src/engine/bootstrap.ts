// `cmc base bootstrap`: a Debian base image without any registry. debootstrap
// builds a minimal root from a Debian mirror (foreign architectures run under
// qemu-user-static through binfmt), and the root is imported through the
// Engine API with its architecture recorded, so `FROM` finds it locally.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
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
  /** keep manuals, docs and translations (default: dropped, as in Debian's slim images) */
  full?: boolean
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

/**
 * dpkg rules that keep manuals, docs and translations out of the image, for the
 * packages in the base and for everything images install on top (the practice
 * of Debian's own slim images). Copyright files stay. About 47 MB of the 117 MB
 * minbase root on amd64, and the same again in every image's package layers.
 */
const SLIM_DPKG_RULES = [
  '# cmc base images: no manuals, docs or translations (remove this file to get them back)',
  'path-exclude /usr/share/doc/*',
  'path-include /usr/share/doc/*/copyright',
  'path-exclude /usr/share/man/*',
  'path-exclude /usr/share/groff/*',
  'path-exclude /usr/share/info/*',
  'path-exclude /usr/share/lintian/*',
  'path-exclude /usr/share/linda/*',
  'path-exclude /usr/share/locale/*',
  'path-include /usr/share/locale/locale.alias',
  '',
].join('\n')

/** Applies SLIM_DPKG_RULES to a bootstrapped root: writes them and removes what they exclude. */
export function slimRoot(root: string): void {
  mkdirSync(path.join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true })
  writeFileSync(path.join(root, 'etc/dpkg/dpkg.cfg.d/cmc-slim'), SLIM_DPKG_RULES)
  const share = path.join(root, 'usr/share')
  // only real folders are entered: a link in the root may point anywhere on this host
  const entries = (dir: string) => (existsSync(dir) && lstatSync(dir).isDirectory() ? readdirSync(dir) : [])
  for (const pkg of entries(path.join(share, 'doc'))) {
    const dir = path.join(share, 'doc', pkg)
    if (!lstatSync(dir).isDirectory()) {
      // a file, or a link (never followed: it may be absolute)
      rmSync(dir, { force: true })
      continue
    }
    for (const f of entries(dir)) if (f !== 'copyright') rmSync(path.join(dir, f), { recursive: true, force: true })
  }
  for (const d of ['man', 'groff', 'info', 'lintian', 'linda']) {
    for (const f of entries(path.join(share, d))) rmSync(path.join(share, d, f), { recursive: true, force: true })
  }
  for (const f of entries(path.join(share, 'locale'))) if (f !== 'locale.alias') rmSync(path.join(share, 'locale', f), { recursive: true, force: true })
}

export async function bootstrapBase(opts: BootstrapOptions): Promise<BootstrapResult> {
  const [distro, suite] = opts.image.split(':')
  if (distro !== 'debian' || !SUITES.has(suite)) {
    throw new CmcError('BASE_BOOTSTRAP_UNSUPPORTED', `cannot bootstrap ${opts.image}`, {
      hint: `bootstrap one of ${[...SUITES].map((s) => `debian:${s}`).join(', ')}`,
    })
  }
  if (process.getuid?.() !== 0) throw new CmcError('BASE_BOOTSTRAP_ROOT', 'debootstrap needs root', { hint: 'run `sudo cmc base bootstrap ...`' })
  if (!existsSync('/usr/sbin/debootstrap')) {
    throw new CmcError('BASE_BOOTSTRAP_TOOL', 'debootstrap is not installed', {
      hint: 'run `sudo bash scripts/setup-engine.sh` or `apt-get install debootstrap qemu-user-static`',
    })
  }
  if (opts.arch !== hostArch() && !existsSync(`/proc/sys/fs/binfmt_misc/qemu-${opts.arch === 'arm64' ? 'aarch64' : 'x86_64'}`)) {
    throw new CmcError('BASE_BOOTSTRAP_EMULATION', `no binfmt emulation registered for ${opts.arch}`, {
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
    if (res.isCanceled) throw new CmcError('ABORTED', 'bootstrap interrupted')
    if (res.exitCode !== 0) {
      throw new CmcError('BASE_BOOTSTRAP_FAILED', `debootstrap failed (exit ${res.exitCode})`, {
        details: tail,
        hint: `check that ${mirror} is reachable; set CMC_DEBIAN_MIRROR to use another mirror`,
      })
    }
    events({ type: 'step', id: 'debootstrap', name: 'debootstrap', status: 'done', elapsedMs: Date.now() - started })
    writeFileSync(
      path.join(dir, 'etc/apt/sources.list'),
      [
        `deb ${mirror} ${suite} main`,
        `deb ${mirror} ${suite}-updates main`,
        `deb ${mirror.replace(/\/debian\/?$/, '/debian-security')} ${suite}-security main`,
        '',
      ].join('\n'),
    )
    rmSync(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true })
    rmSync(path.join(dir, 'var/lib/apt/lists'), { recursive: true, force: true })
    if (!opts.full) slimRoot(dir)

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
        dockerfile,
        files: [{ name: 'rootfs.tar', src: rootTar, mode: 0o644, size: st.size }],
        tag: ref,
        platform: `linux/${opts.arch}`,
        builder: 'classic',
        labels: { 'cmc.managed': '1', 'cmc.base': opts.image, 'cmc.base.mirror': mirror, 'cmc.base.slim': opts.full ? 'no' : 'yes' },
        events,
        signal: opts.signal,
      })
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
    const docker = getDocker()
    const info = await docker.getImage(ref).inspect()
    if (info.Architecture !== opts.arch) {
      throw new CmcError('BASE_ARCH_MISMATCH', `imported image records architecture ${info.Architecture}, expected ${opts.arch}`, {
        hint: 'use Docker 20.10 or newer',
      })
    }
    const aliases: string[] = []
    if (opts.arch === hostArch()) {
      const plain = opts.image
      const existing = await docker
        .getImage(plain)
        .inspect()
        .catch(() => undefined)
      // the plain name is taken over only when it is free or an earlier bootstrap's
      const ours = existing?.Config?.Labels?.['cmc.managed'] === '1' && existing.Config.Labels['cmc.base'] === opts.image
      if ((!existing || ours) && existing?.Id !== info.Id) {
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
