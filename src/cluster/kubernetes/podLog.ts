// A pod's log (podScript.ts) unpacked into the task folder layout a Slurm
// task writes on the shared filesystem (taskFiles.ts), so that one reader
// (replayTask.ts) makes the record either way. Outputs stay a tar, read later
// under safeExtract's policy like the archive API's stream.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { HOST_FILES, taskPaths } from '../taskFiles.js'
import { MARK } from './podScript.js'

/** Writes what the log holds into `taskDir` (and the node's fingerprint into `hostDir(node)`); the node the pod ran on. */
export function unpackPodLog(log: string, taskDir: string, hostDir: (node: string) => string): string | undefined {
  const t = taskPaths(taskDir)
  mkdirSync(path.join(taskDir, 'out'), { recursive: true })
  let node: string | undefined
  let block: { name: string; lines: string[] } | undefined
  for (const line of log.split('\n')) {
    if (block) {
      if (line === `${MARK} end`) {
        writeBlock(block.name, Buffer.from(block.lines.join(''), 'base64'))
        block = undefined
      } else block.lines.push(line.trim())
      continue
    }
    if (!line.startsWith(`${MARK} `)) continue
    const [word, ...rest] = line.slice(MARK.length + 1).split(' ')
    if (word === 'started') {
      node = rest.slice(2).join(' ')
      writeFileSync(t.started, `${rest[1]} ${node}\n`)
    } else if (word === 'attempt') appendFileSync(t.attempts, `${rest.join(' ')}\n`)
    else if (word === 'done') writeFileSync(t.done, `${rest[0]}\n`)
    else if (word === 'error') writeFileSync(t.error, `${rest.join(' ')}\n`)
    else if (['host', 'stdout', 'stderr', 'outputs'].includes(word)) block = { name: [word, ...rest].join(' '), lines: [] }
  }

  function writeBlock(name: string, data: Buffer): void {
    const [kind, n] = name.split(' ')
    const a = Number(n)
    if (kind === 'host' && node) {
      const dir = hostDir(node)
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, HOST_FILES.env), data)
      writeFileSync(path.join(dir, HOST_FILES.done), '')
    } else if (kind === 'stdout') writeFileSync(t.stdout(a), data)
    else if (kind === 'stderr') writeFileSync(t.stderr(a), data)
    else if (kind === 'outputs') writeFileSync(`${t.outputs(a)}.tar`, data)
  }
  return node
}
