#!/usr/bin/env node
// Where one `cmc run` invocation spends its wall time, beside `docker run --rm`
// of the same image and command: every Engine API request each makes, when it
// is sent (from the process's spawn) and how long it takes to its last byte,
// then the time before the first request (the process's own start-up) and
// after the last (its exit). Both talk to the engine through one logging
// proxy on a local socket (it adds the same small delay to each request of
// either). Medians over N interleaved rounds (default 10). Needs a running
// engine on a unix socket and the fixture's image (it is built once).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerRunLike } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 10)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-requests-'))
const engineSocket = /^unix:\/\//.test(process.env.DOCKER_HOST ?? '') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock'
const proxySocket = path.join(work, 'engine.sock')
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store'), DOCKER_HOST: `unix://${proxySocket}` }
const now = () => Number(process.hrtime.bigint()) / 1e6

/** Requests seen by the proxy since the last take(): label, sent, first and last byte of the answer. */
let seen = []
const proxy = net.createServer((client) => {
  const engine = net.connect(engineSocket)
  let current
  client.on('data', (chunk) => {
    const line = /^(GET|POST|PUT|DELETE|HEAD) (\S+)/.exec(chunk.toString('latin1', 0, 2048))
    if (line) {
      current = { label: `${line[1]} ${requestPath(line[2])}`, sent: now() }
      seen.push(current)
    }
    engine.write(chunk)
  })
  engine.on('data', (chunk) => {
    if (current) {
      current.first ??= now()
      current.last = now()
    }
    client.write(chunk)
  })
  client.on('end', () => engine.end())
  engine.on('end', () => client.end())
  client.on('error', () => engine.destroy())
  engine.on('error', () => client.destroy())
})
await new Promise((resolve) => proxy.listen(proxySocket, resolve))

/** A request's path as a label: no API version, query or ids. */
function requestPath(p) {
  return p
    .replace(/^\/v\d+\.\d+/, '')
    .replace(/\?.*/, '')
    .replace(/[0-9a-f]{64}/g, '<id>')
    .replace(/^\/images\/(?!<id>)(.+)\/(json|tag)$/, '/images/<ref>/$2')
}

/**
 * One process, its stdout, its requests and its wall time, timed from its
 * spawn. Never synchronously: the proxy answers from this process's loop.
 */
function timed(cmd, args) {
  seen = []
  const spawned = now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => {
      const exited = now()
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))
      const requests = seen.map((r) => ({ ...r, sent: r.sent - spawned, last: (r.last ?? r.sent) - spawned }))
      resolve({ wall: exited - spawned, stdout, requests })
    })
  })
}

const bin = path.join(root, 'bin/run.js')
const cmcArgs = [
  bin,
  'run',
  'echo-metrics',
  '--repo',
  path.join(root, 'test/fixtures/run-repo'),
  '--platform',
  'x86_64',
  '--set',
  'n=7',
  '--warmup',
  '0',
  '--repeat',
  '1',
]
const [rec] = JSON.parse((await timed(process.execPath, [...cmcArgs, '--json'])).stdout)
const rawArgs = dockerRunLike(rec, '/opt/cmc/echo-metrics')
await timed('docker', rawArgs) // warm

const runs = { cmc: [], docker: [] }
for (let i = 0; i < N; i++) {
  runs.cmc.push(await timed(process.execPath, cmcArgs))
  runs.docker.push(await timed('docker', rawArgs))
}
proxy.close()
rmSync(work, { recursive: true, force: true })

const f = (x) => x.toFixed(1).padStart(7)
for (const [name, rounds] of Object.entries(runs)) {
  console.log(
    `${name === 'cmc' ? 'cmc run --repeat 1' : 'docker run --rm'}: ${f(median(rounds.map((r) => r.wall)))} ms wall, medians of ${N} rounds (ms from spawn)`,
  )
  // the k-th request of a label in each round is one row
  const rows = new Map()
  for (const r of rounds) {
    const count = new Map()
    for (const q of r.requests) {
      const k = (count.get(q.label) ?? 0) + 1
      count.set(q.label, k)
      const key = k > 1 ? `${q.label} #${k}` : q.label
      if (!rows.has(key)) rows.set(key, { sent: [], took: [] })
      rows.get(key).sent.push(q.sent)
      rows.get(key).took.push(q.last - q.sent)
    }
  }
  const ordered = [...rows].sort((a, b) => median(a[1].sent) - median(b[1].sent))
  console.log(`  ${f(median(rounds.map((r) => r.requests[0]?.sent ?? r.wall)))}          before the first request (start-up)`)
  for (const [label, { sent, took }] of ordered)
    console.log(`  ${f(median(sent))} +${f(median(took))}  ${label}${sent.length < N ? ` (${sent.length} of ${N} rounds)` : ''}`)
  console.log(`  ${f(median(rounds.map((r) => r.wall - Math.max(...r.requests.map((q) => q.last)))))}          after the last answer (exit)`)
}
