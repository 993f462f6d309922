// Engines reached the way remote ones are, all on 127.0.0.1: a private dockerd
// behind TLS with client certificates (made here with openssl), and an sshd
// of the test's own whose sessions reach that dockerd. Nothing here changes
// the machine's docker or ssh configuration; stop() takes everything away.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

const SSHD = '/usr/sbin/sshd' // sshd re-executes itself, so it must be started by its absolute path

/** Fails, naming what to install, when a tool these engines need is missing. */
export function requireTools(): void {
  const tools = ['openssl', 'dockerd', 'docker', SSHD, 'ssh-keygen', 'ssh-agent', 'ssh-add']
  const missing = tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' })
      return false
    } catch {
      return true
    }
  })
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: \`sudo bash scripts/setup-engine.sh\` installs them (openssl, openssh-server, docker.io)`)
}

export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as net.AddressInfo
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

const sh = (cmd: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync('sh', ['-c', cmd], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000, ...opts }).toString()

async function poll(what: string, ready: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (ready()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`)
}

function stopped(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (p.exitCode !== null || p.signalCode) r()
    else p.once('close', () => r())
  })
}

export interface Certificates {
  /** ca.pem, cert.pem, key.pem: what DOCKER_CERT_PATH points at. */
  client: string
  /** The same CA, with a client certificate from another CA: the engine refuses it. */
  foreignClient: string
  server: { ca: string; cert: string; key: string }
}

/** A CA, a server certificate for 127.0.0.1 and client certificates, as `docker --tlsverify` and dockerd use them. */
export function makeCertificates(dir: string): Certificates {
  mkdirSync(dir, { recursive: true })
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
  const inDir = (cmd: string) => sh(cmd, { cwd: dir })
  const ca = (name: string) => inDir(`openssl req -x509 ${ec} -days 2 -subj /CN=${name} -keyout ${name}-key.pem -out ${name}.pem`)
  const signed = (name: string, by: string, ext: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`)
    inDir(
      `openssl req ${ec} -subj /CN=${name} -keyout ${name}-key.pem -out ${name}.csr && ` +
        `openssl x509 -req -in ${name}.csr -CA ${by}.pem -CAkey ${by}-key.pem -CAcreateserial -days 2 -extfile ${name}.ext -out ${name}.pem`,
    )
  }
  ca('cmc-ca')
  ca('other-ca')
  signed('server', 'cmc-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth')
  signed('client', 'cmc-ca', 'extendedKeyUsage=clientAuth')
  signed('stranger', 'other-ca', 'extendedKeyUsage=clientAuth')
  const folder = (name: string, who: string) => {
    mkdirSync(path.join(dir, name))
    inDir(`cp cmc-ca.pem ${name}/ca.pem && cp ${who}.pem ${name}/cert.pem && cp ${who}-key.pem ${name}/key.pem`)
    return path.join(dir, name)
  }
  return {
    client: folder('client-certs', 'client'),
    foreignClient: folder('foreign-certs', 'stranger'),
    server: { ca: path.join(dir, 'cmc-ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server-key.pem') },
  }
}

export interface PrivateEngine {
  /** tcp://127.0.0.1:PORT, TLS with client certificates required. */
  tcpHost: string
  /** Its unix socket, for the test's own setup and checks. */
  socket: string
  docker(args: string): string
  stop(): Promise<void>
}

/**
 * A second dockerd, TLS-verified on 127.0.0.1 and on a socket of its own.
 * It gets its own bridge: a dockerd started with --bridge=none deletes
 * docker0, which the main engine's containers need.
 */
export async function startTlsEngine(dir: string, certs: Certificates, bridge: { name: string; cidr: string }): Promise<PrivateEngine> {
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const socket = path.join(dir, 'docker.sock')
  sh(
    `ip link del ${bridge.name} 2>/dev/null; ip link add ${bridge.name} type bridge && ip addr add ${bridge.cidr} dev ${bridge.name} && ip link set ${bridge.name} up`,
  )
  const args = [
    '--data-root',
    path.join(dir, 'data'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'dockerd.pid'),
    '-H',
    `unix://${socket}`,
    '-H',
    `tcp://127.0.0.1:${port}`,
    '--tlsverify',
    '--tlscacert',
    certs.server.ca,
    '--tlscert',
    certs.server.cert,
    '--tlskey',
    certs.server.key,
    `--bridge=${bridge.name}`,
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
  ]
  const daemon = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  daemon.stderr!.on('data', (d) => (log = (log + d).slice(-4000)))
  const docker = (cmd: string) => sh(`docker -H unix://${socket} ${cmd}`)
  const stop = async () => {
    daemon.kill('SIGTERM')
    await stopped(daemon)
    sh(`ip link del ${bridge.name} 2>/dev/null || true`)
  }
  try {
    await poll('the private dockerd', () => {
      if (daemon.exitCode !== null) throw new Error(`the private dockerd exited:\n${log}`)
      try {
        docker('version')
        return true
      } catch {
        return false
      }
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { tcpHost: `tcp://127.0.0.1:${port}`, socket, docker, stop }
}

export interface SshServer {
  port: number
  /** The private key its root login accepts (ed25519, unencrypted). */
  userKey: string
  /** How many logins it has accepted so far. */
  logins(): number
  stop(): Promise<void>
}

/**
 * An sshd on 127.0.0.1 with its own host key and config, accepting one
 * generated key for root. Its sessions get DOCKER_HOST=`dockerHost`, so the
 * `docker system dial-stdio` that docker-modem runs there reaches that engine.
 */
export async function startSshd(dir: string, dockerHost: string): Promise<SshServer> {
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const key = (name: string) => {
    sh(`ssh-keygen -q -t ed25519 -N '' -C cmc-test -f ${path.join(dir, name)}`)
    return path.join(dir, name)
  }
  const hostKey = key('host_key')
  const userKey = key('user_key')
  sh(`cp ${userKey}.pub ${path.join(dir, 'authorized_keys')}`)
  const config = path.join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no', // the key files lie under /tmp, which is world-writable
      `SetEnv DOCKER_HOST=${dockerHost}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  )
  // sshd's privilege separation folder; Debian's service makes it at start, it is on tmpfs
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 })
  const daemon = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  daemon.stderr!.on('data', (d) => (log += d))
  const stop = async () => {
    daemon.kill('SIGTERM')
    await stopped(daemon)
  }
  try {
    await poll('the test sshd', () => {
      if (daemon.exitCode !== null) throw new Error(`the test sshd exited:\n${log}`)
      return /Server listening on 127\.0\.0\.1/.test(log)
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { port, userKey, logins: () => (log.match(/Accepted publickey for root/g) ?? []).length, stop }
}

/** An ssh-agent of the test's own holding `key`; `socket` is what SSH_AUTH_SOCK names. */
export async function startSshAgent(dir: string, key: string): Promise<{ socket: string; stop(): Promise<void> }> {
  const socket = path.join(dir, 'agent.sock')
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
  const stop = async () => {
    agent.kill('SIGTERM')
    await stopped(agent)
    rmSync(socket, { force: true })
  }
  try {
    await poll('the test ssh-agent', () => existsSync(socket))
    sh(`ssh-add -q ${key}`, { env: { ...process.env, SSH_AUTH_SOCK: socket } })
  } catch (e) {
    await stop()
    throw e
  }
  return { socket, stop }
}

/** Container events (create, start, destroy, …) an engine saw between two times (seconds since the epoch). */
export function containerEvents(engine: PrivateEngine, since: number, until: number): string[] {
  return engine.docker(`events --since ${since} --until ${until} --filter type=container --format '{{.Action}}'`).split('\n').filter(Boolean)
}
