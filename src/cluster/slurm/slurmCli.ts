// The only place that talks to Slurm: its own commands (sbatch, squeue,
// scontrol, scancel) through execa, as a user's shell would, so that
// whatever slurm.conf, munge and SLURM_CONF say here is what cmc uses. Their
// failures become errors that say what to start or install.
import { CmcError } from '../../errors.js'
import { execa } from '../../lazy.js'

/** How long one Slurm command may take: squeue and sinfo retry for a while when slurmctld is away. */
const COMMAND_TIMEOUT_MS = 60_000

const CONTROLLER_DOWN = /Unable to contact slurm controller|Connection refused|Socket timed out|Zero Bytes were transmitted|is DOWN/i

export async function slurm(
  command: string,
  args: string[],
  opts: { input?: string; allowFailure?: boolean } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const { execa: run } = await execa()
  const res = await run(command, args, { reject: false, timeout: COMMAND_TIMEOUT_MS, input: opts.input, env: { LC_ALL: 'C' } })
  if ((res as { code?: string }).code === 'ENOENT' || (res.failed && res.exitCode === undefined && /ENOENT/.test(String(res.message))))
    throw new CmcError('SCHEDULER_MISSING', `${command} is not installed here: this machine cannot submit to Slurm`, {
      hint: "install Slurm's client commands (Debian: apt-get install slurm-client, with /etc/slurm/slurm.conf and the munge key of the cluster), run cmc on a login node, or start a test cluster on this machine: sudo bash scripts/setup-slurm.sh",
    })
  const stdout = String(res.stdout ?? '')
  const stderr = String(res.stderr ?? '')
  if (res.exitCode === 0 || opts.allowFailure) return { stdout, stderr, exitCode: res.exitCode ?? 1 }
  if (CONTROLLER_DOWN.test(stderr + stdout) || res.timedOut) throw controllerDown(`${command}: ${lastLine(stderr || stdout) || 'timed out'}`)
  throw new CmcError('SUBMIT_REFUSED', `${command} ${args[0] ?? ''} failed: ${lastLine(stderr || stdout)}`.trim(), {
    details: stderr.trim().split('\n').slice(-5),
    hint: "the message above is Slurm's own; nothing was submitted",
  })
}

export function controllerDown(message: string): CmcError {
  return new CmcError('SCHEDULER_UNREACHABLE', `slurmctld does not answer: ${message}`, {
    hint: 'start the controller (`sudo systemctl start slurmctld`, or `sudo bash scripts/setup-slurm.sh` for the test cluster on this machine) and check it with `scontrol ping`; SlurmctldHost in slurm.conf (or SLURM_CONF) says where cmc looks for it',
  })
}

/** Is slurmctld there? `scontrol ping` answers at once either way, where sinfo would retry for seconds. */
export async function pingController(): Promise<void> {
  const res = await slurm('scontrol', ['ping'], { allowFailure: true })
  if (res.exitCode !== 0 || !/is UP/.test(res.stdout))
    throw controllerDown(lastLine(res.stdout.replace(/\*+|RESTORE SLURMCTLD DAEMON TO SERVICE/g, '').trim() || res.stderr))
}

function lastLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter(Boolean)
      .at(-1)
      ?.replace(/^(sbatch|squeue|scontrol|scancel|sinfo): (error: )?/, '') ?? ''
  )
}

/** scontrol's one-line `Key=Value Key=Value` records (`-o`), each as a map. */
export function parseScontrol(text: string): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const out: Record<string, string> = {}
      // values may hold spaces (OS=Linux 6.1 #1 SMP): a key starts a new field only as \sKey=
      const re = /(?:^|\s)([A-Za-z][\w/:.]*)=/g
      const keys: Array<{ key: string; at: number; value: number }> = []
      for (let m; (m = re.exec(line));) keys.push({ key: m[1], at: m.index, value: m.index + m[0].length })
      keys.forEach((k, i) => (out[k.key] = line.slice(k.value, i + 1 < keys.length ? keys[i + 1].at : undefined).trim()))
      return out
    })
}
