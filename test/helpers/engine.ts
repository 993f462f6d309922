// Helpers for tests against the real Docker engine. They never stand in for
// it: a missing engine makes these tests fail with the fix-it message.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process'
import { cpSync } from 'node:fs'
import path from 'node:path'
import Docker from 'dockerode'
import { repoRoot, tmpDir } from './tmp.js'

export const docker = new Docker()
export const bin = path.join(repoRoot, 'bin', 'run.js')

/** Remove everything labelled cmc.test=<value> (containers and images). */
export async function cleanupLabel(value: string): Promise<void> {
  const cs = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`cmc.test=${value}`] }) })
  for (const c of cs)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {})
}

export async function containersWithLabel(label: string): Promise<string[]> {
  const cs = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) })
  return cs.map((c) => c.Id)
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Run the built cmc binary as a user would. */
export function cli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  const started = Date.now()
  return new Promise((resolve) => {
    const so: SpawnOptions = { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv }
    const p = spawn(process.execPath, [bin, ...args], so)
    let stdout = '',
      stderr = ''
    p.stdout!.on('data', (d) => (stdout += d))
    p.stderr!.on('data', (d) => (stderr += d))
    const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined
    if (p.pid) opts.onSpawn?.(p.pid)
    p.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** A copy of a fixture or example repo that a test may edit. */
export function copyRepo(src: string): string {
  const dir = tmpDir('cmc-repo-copy-')
  cpSync(src, dir, { recursive: true })
  return dir
}

export function imageLayers(ref: string): string[] {
  return JSON.parse(execFileSync('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref]).toString()) as string[]
}
