#!/usr/bin/env node
// A benchmark that prints a lot: `cmc run` of a command printing BYTES (default
// 2 GB) on stdout, its live output rendered to /dev/null, against a raw
// `docker run --rm` of the same command with stdout to /dev/null.
//   cmc's peak resident set (VmHWM of its process, sampled), target < 150 MiB
//   wall time of each, and what the record kept (its status, log size, the cut)
// BASELINE=DIR runs another checkout's cmc the same way, beside this one.
// Needs a running engine and cmc/base-debian:bookworm-amd64 (nothing is pulled).
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerRunLike } from './fixtures.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BYTES = Number(process.env.BYTES ?? 2e9)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-big-output-'))
const repo = path.join(work, 'repo')
const MiB = 2 ** 20
// a metric in the middle, where the log is cut, and one at the end
const command = (half) =>
  `yes 'a chatty benchmark line' | head -c ${half} && echo 'rate: 42.25 ops/s' && yes 'more chatter' | head -c ${half} && echo 'done in 7.5 s'`

// the repo of its own, so that a baseline checkout runs the same benchmark
function writeRepo() {
  mkdirSync(path.join(repo, 'img'), { recursive: true })
  mkdirSync(path.join(repo, 'bench'), { recursive: true })
  writeFileSync(path.join(repo, 'cmc-repo.yaml'), 'name: big-output-bench\n')
  writeFileSync(path.join(repo, 'img/cmc.yaml'), 'kind: image\nalias: big-sh\nplatforms: [x86_64]\ncomponents:\n  - tags: os,debian\n')
  writeFileSync(
    path.join(repo, 'bench/cmc.yaml'),
    [
      'kind: benchmark',
      'alias: big-output-bench',
      'image: big-sh',
      `command: ${JSON.stringify(command('{{half}}'))}`,
      'params: { half: { default: 1000 } }',
      'outputs:',
      '  metrics: { format: regex, patterns: { rate: "rate: ([0-9.]+) ops/s", seconds: "done in ([0-9.]+) s" } }',
      '',
    ].join('\n'),
  )
}

/** Runs cmd to completion with output to /dev/null; wall seconds, exit code, and peak RSS of that process. */
function measure(cmd, args, env) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint()
    const p = spawn(cmd, args, { env, stdio: 'ignore' })
    let peak = 0
    const sampler = setInterval(() => {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0)
        peak = Math.max(peak, kb * 1024)
      } catch {
        // exited
      }
    }, 20)
    p.on('close', (code) => {
      clearInterval(sampler)
      resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9, code, peak })
    })
  })
}

/** `cmc run` from the checkout at `dir`, with a store of its own; the measure and the record it left (if any). */
async function cmcRun(dir, name, half) {
  const store = path.join(work, `store-${name}`)
  const env = { ...process.env, CMC_HOME: path.join(work, `home-${name}`), CMC_STORE: store }
  const args = [path.join(dir, 'bin/run.js'), 'run', 'big-output-bench', '--repo', repo, '--platform', 'x86_64', '--set', `half=${half}`]
  const m = await measure(process.execPath, args, env)
  return { ...m, record: lastRecord(store) }
}

function lastRecord(store) {
  const found = []
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name === 'record.json') found.push(p)
    }
  }
  try {
    walk(path.join(store, 'records'))
  } catch {
    return undefined
  }
  const file = found.sort().at(-1)
  if (!file) return undefined
  const rec = JSON.parse(readFileSync(file, 'utf8'))
  return { ...rec, logBytes: statSync(path.join(path.dirname(file), 'stdout.log')).size }
}

try {
  writeRepo()
  const half = Math.floor(BYTES / 2)
  const checkouts = [['this checkout', root], ...(process.env.BASELINE ? [['baseline', path.resolve(process.env.BASELINE)]] : [])]
  // builds each checkout's image once; the raw run is of the image and command cmc ran
  let raw
  for (const [name, dir] of checkouts) {
    const first = await cmcRun(dir, `${name}-warm`, 1000)
    if (first.code !== 0) throw new Error(`${name}: the small run failed (exit ${first.code})`)
    raw ??= dockerRunLike({ ...first.record, command: command(half) }, '/opt/cmc/big-output-bench')
  }
  const gb = (b) => `${(b / 1e9).toFixed(2)} GB`
  console.log(`big output — one benchmark printing ${gb(2 * half)} on stdout, live output rendered to /dev/null`)
  const docker = await measure('docker', raw, process.env)
  console.log(`  docker run --rm > /dev/null   ${docker.s.toFixed(1)} s   exit ${docker.code}`)
  for (const [name, dir] of checkouts) {
    const r = await cmcRun(dir, name, half)
    const rec = r.record
    const kept = rec
      ? `record ${rec.status}, rate=${rec.metrics?.rate?.median ?? 'none'}, stdout.log ${(rec.logBytes / MiB).toFixed(1)} MiB${rec.logs?.cut?.stdout ? `, ${gb(rec.logs.cut.stdout.dropped)} cut` : ''}`
      : 'no record'
    console.log(
      `  cmc run (${name})`.padEnd(32) +
        `${r.s.toFixed(1)} s   ratio ${(r.s / docker.s).toFixed(2)}   exit ${r.code}   peak RSS ${(r.peak / MiB).toFixed(0)} MiB (target < 150 MiB)   ${kept}`,
    )
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
