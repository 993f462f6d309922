#!/usr/bin/env node
// `cmc build --all-platforms` of the stream example (x86_64, arm64, cuda,
// rocm; cuda fails at once where no CUDA base image is present), measured in
// one run two ways on the same inputs:
//   platforms side by side (the default with BuildKit)      target: faster than one at a time
//   one platform at a time (--jobs 1), the baseline
// Both are real builds: --no-cache rebuilds every step (BuildKit's apt cache
// mounts still hold the packages, so the Debian mirror is asked only for its
// lists). A first build warms both alike; rounds (ROUNDS, default 1) alternate
// the order, so neither side always goes first.
// Needs a running engine and the base images (scripts/setup.sh).
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-platforms-'))
const repo = path.join(work, 'examples')
cpSync(path.join(root, 'examples'), repo, { recursive: true })
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_REPOS: repo }
const bin = path.join(root, 'bin/run.js')

/** One `cmc build stream --all-platforms --no-cache`: its wall time and each platform's result. */
function build(extra) {
  const t = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, 'build', 'stream', '--all-platforms', '--no-cache', '--json', ...extra], { env, maxBuffer: 1 << 26 })
  const s = Number(process.hrtime.bigint() - t) / 1e9
  const out = JSON.parse(r.stdout.toString())
  // with a platform failed the document is the error, the results in its data
  const results = out.data?.results ?? out.map((image) => ({ platform: image.platform, status: image.cached ? 'cached' : 'built', image }))
  const built = results.filter((x) => x.status === 'built').map((x) => x.platform)
  const failed = results.filter((x) => x.status === 'failed').map((x) => x.platform)
  if (!built.length) throw new Error(`nothing was built: ${r.stderr.toString().slice(-2000)}`)
  return { s, built, failed, per: Object.fromEntries(results.filter((x) => x.image).map((x) => [x.platform, x.image.durationMs / 1000])) }
}

try {
  // warm: bases resolved and the apt cache mounts filled, for both sides alike
  build([])
  const side = { parallel: [], serial: [] }
  let last
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ['serial', 'parallel'] : ['parallel', 'serial']
    for (const name of order) {
      last = build(name === 'serial' ? ['--jobs', '1'] : [])
      side[name].push(last)
    }
  }
  const par = median(side.parallel.map((x) => x.s))
  const ser = median(side.serial.map((x) => x.s))
  const cores = os.cpus().length
  console.log(
    `cmc build stream --all-platforms --no-cache (median of ${ROUNDS}; ${cores} cores; built: ${last.built.join(', ')}; failed: ${last.failed.join(', ') || 'none'})`,
  )
  console.log(`  platforms side by side        ${par.toFixed(1)} s   target < one at a time`)
  console.log(`  one platform at a time        ${ser.toFixed(1)} s   (--jobs 1, the baseline)`)
  console.log(`  gain                          ${(ser / par).toFixed(2)}x  (${(ser - par).toFixed(1)} s saved)`)
  const per = side.serial.at(-1).per
  console.log(
    `  each platform alone           ${Object.entries(per)
      .map(([p, s]) => `${p} ${s.toFixed(1)} s`)
      .join(', ')}`,
  )
} finally {
  // the images stay: they carry the same content tags as any build of the examples
  rmSync(work, { recursive: true, force: true })
}
