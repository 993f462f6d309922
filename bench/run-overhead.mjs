#!/usr/bin/env node
// The run path's figure: what `cmc run` adds over a raw `docker run --rm` of the
// same image and command, measured side by side (interleaved) in one run.
//   single run, whole process: `cmc run B --repeat 1` vs `docker run --rm IMG sh -c CMD`
//   per repeat inside one invocation: (`cmc run B --repeat 10`) / 10 vs one docker run
// target: median overhead <= 150 ms a run. Needs a running engine.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerRunLike } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 10)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-run-'))
const repo = path.join(root, 'test/fixtures/run-repo')
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store') }
const bin = path.join(root, 'bin/run.js')
const sh = (cmd, args) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
const wall = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}
const med = median

const cmcArgs = [bin, 'run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--set', 'n=7', '--warmup', '0']
const [rec] = JSON.parse(sh(process.execPath, [...cmcArgs, '--repeat', '1', '--json'])) // builds the image once
// the same command cmc runs, as cmc runs it (outputs folder created first)
const rawArgs = dockerRunLike(rec, '/opt/cmc/echo-metrics')
sh('docker', rawArgs)

const cmc1 = [],
  raw = [],
  cmc10 = []
for (let i = 0; i < N; i++) {
  cmc1.push(wall(() => sh(process.execPath, [...cmcArgs, '--repeat', '1'])))
  raw.push(wall(() => sh('docker', rawArgs)))
}
for (let i = 0; i < 5; i++) cmc10.push(wall(() => sh(process.execPath, [...cmcArgs, '--repeat', '10'])) / 10)
const nodeStart = []
for (let i = 0; i < 5; i++) nodeStart.push(wall(() => sh(process.execPath, ['-e', '0'])))

const f = (x) => x.toFixed(0)
console.log(`run overhead — echo-metrics (tiny-sh image), ${N} interleaved pairs`)
console.log(`  docker run --rm             ${f(med(raw))} ms median`)
console.log(
  `  cmc run --repeat 1          ${f(med(cmc1))} ms median   overhead ${f(med(cmc1) - med(raw))} ms   ratio ${(med(cmc1) / med(raw)).toFixed(2)}   target overhead <= 150 ms   (node -e 0 alone: ${f(med(nodeStart))} ms)`,
)
console.log(`  cmc run --repeat 10, per run ${f(med(cmc10))} ms   overhead ${f(med(cmc10) - med(raw))} ms   ratio ${(med(cmc10) / med(raw)).toFixed(2)}`)
console.log(
  `  (each cmc run: index, engine ping, no-op build check, host fingerprint, container create/attach/start/wait, outputs read and extracted safely, metrics, atomic record)`,
)
rmSync(work, { recursive: true, force: true })
