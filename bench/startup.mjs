#!/usr/bin/env node
// Whole-process figures of the commands users run in loops, each beside its
// target and its raw equivalent measured in the same run:
//   warm `cmc find` over 5,000 artifacts          target <= 300 ms          raw: node -e 0
//   no-op `cmc build` (the image is there)        target <= 500 ms          raw: docker image inspect of it
//   one `cmc run` invocation, --repeat 1          target <= 1.25x the raw   raw: docker run --rm, same image and command
//     and what of it is cmc's own                 target <= 100 ms          raw: node -e 0 plus docker run --rm
//   `cmc exp list --where` over 100,000 records   target <= 300 ms          raw: node -e 0
// BASELINE=DIR (a built checkout of another commit, e.g. a git worktree with
// node_modules linked) measures that checkout too, interleaved with this one,
// and prints the change: none may be more than 5% slower. Needs a running
// engine and the base image (scripts/setup.sh). N=rounds (default 10);
// RECORDS=n (default 100,000); KEEP=DIR keeps the generated store for reruns.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerRunLike, makeRepo, recordMaker } from './fixtures.mjs'
import { median } from './lib.mjs'

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 10)
const RECORDS = Number(process.env.RECORDS ?? 100_000)
const checkouts = [['this', here], ...(process.env.BASELINE ? [['baseline', path.resolve(process.env.BASELINE)]] : [])]
const work = process.env.KEEP ? path.resolve(process.env.KEEP) : mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-startup-'))
mkdirSync(work, { recursive: true })
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_STORE: path.join(work, 'store') }
delete env.CMC_REPOS
const sh = (cmd, args, over = {}) => execFileSync(cmd, args, { env: { ...env, ...over }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString()
const wall = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

// --- inputs: a repo of 5,000 artifacts, a store of RECORDS records, the run fixture's image
const repo = path.join(work, 'repo-5000')
if (!existsSync(repo)) makeRepo(repo, 5000)
const storeDir = env.CMC_STORE
if (!existsSync(path.join(storeDir, 'index.jsonl'))) await fillStore(storeDir, RECORDS)
// each checkout its own home and store (a copy of the same records): caches and snapshots a
// checkout writes in another format would otherwise be rewritten by the other every round
const homes = Object.fromEntries(
  checkouts.map(([name]) => {
    if (name === 'this') return [name, {}]
    const store = path.join(work, `store-${name}`)
    if (!existsSync(store)) cpSync(storeDir, store, { recursive: true })
    return [name, { CMC_HOME: path.join(work, `home-${name}`), CMC_STORE: store }]
  }),
)
const runRepo = path.join(here, 'test/fixtures/run-repo')
const runArgs = ['run', 'echo-metrics', '--repo', runRepo, '--platform', 'x86_64', '--set', 'n=7', '--warmup', '0', '--repeat', '1']
const where = 'metrics.throughput > 300 and (platform = arm64 or params.batch >= 8) and not status = failed'

const cases = {
  find: (bin) => [bin, 'find', '--tags', 'python,-dev,t5', '--repo', repo],
  build: (bin) => [bin, 'build', 'echo-metrics', '--repo', runRepo, '--platform', 'x86_64'],
  run: (bin) => [bin, ...runArgs],
  list: (bin) => [bin, 'exp', 'list', '--where', where, '--limit', '20'],
}
// warm each checkout's caches and images once; the raw docker run is cmc's own command
let raw
for (const [name, dir] of checkouts) {
  const bin = path.join(dir, 'bin/run.js')
  for (const c of Object.values(cases)) sh(process.execPath, c(bin), homes[name])
  const [rec] = JSON.parse(sh(process.execPath, [bin, ...runArgs, '--json'], homes[name]))
  raw ??= { image: rec.image.ref, run: dockerRunLike(rec, '/opt/cmc/echo-metrics') }
}

const times = Object.fromEntries(checkouts.map(([name]) => [name, Object.fromEntries(Object.keys(cases).map((k) => [k, []]))]))
const rawTimes = { node: [], inspect: [], dockerRun: [] }
for (let i = 0; i < N; i++) {
  for (const [name, dir] of i % 2 ? [...checkouts].reverse() : checkouts) {
    const bin = path.join(dir, 'bin/run.js')
    for (const [k, c] of Object.entries(cases)) times[name][k].push(wall(() => sh(process.execPath, c(bin), homes[name])))
  }
  rawTimes.node.push(wall(() => sh(process.execPath, ['-e', '0'])))
  rawTimes.inspect.push(wall(() => sh('docker', ['image', 'inspect', raw.image])))
  rawTimes.dockerRun.push(wall(() => sh('docker', raw.run)))
}

const f = (x) => x.toFixed(0).padStart(5)
const m = Object.fromEntries(checkouts.map(([name]) => [name, Object.fromEntries(Object.entries(times[name]).map(([k, v]) => [k, median(v)]))]))
const node = median(rawTimes.node),
  inspect = median(rawTimes.inspect),
  dockerRun = median(rawTimes.dockerRun)
const rows = [
  ['warm find, 5,000 artifacts', 'find', (x) => x <= 300, '<= 300 ms', `node -e 0 ${f(node)} ms`],
  ['no-op build', 'build', (x) => x <= 500, '<= 500 ms', `docker image inspect ${f(inspect)} ms`],
  ['one run invocation', 'run', (x) => x <= 1.25 * dockerRun, `<= ${f(1.25 * dockerRun)} ms (1.25x)`, `docker run --rm ${f(dockerRun)} ms`],
  [`exp list, ${RECORDS.toLocaleString('en')} records`, 'list', (x) => x <= 300, '<= 300 ms', `node -e 0 ${f(node)} ms`],
]
console.log(`medians of ${N} interleaved rounds (ms)`)
for (const [label, key, ok, target, rawText] of rows) {
  const mine = m.this[key]
  let line = `${label.padEnd(30)} ${f(mine)} ms  target ${target.padEnd(22)} ${ok(mine) ? 'met ' : 'MISSED'}  raw: ${rawText}`
  if (key === 'run') line += `  ratio ${(mine / dockerRun).toFixed(2)}`
  if (m.baseline) {
    const change = mine / m.baseline[key] - 1
    line += `  baseline ${f(m.baseline[key])} ms (${change >= 0 ? '+' : ''}${(100 * change).toFixed(1)}%${change > 0.05 ? ', REGRESSED' : ''})`
  }
  console.log(line)
  // The least any Node CLI can take for a run is a Node process's start plus
  // docker's own run; on a slow machine that floor alone comes near 1.25x, so
  // what cmc holds itself to is its own work above the floor.
  if (key === 'run') {
    const floor = node + dockerRun
    const own = mine - floor
    console.log(
      `${"  cmc's own work".padEnd(30)} ${f(own)} ms  target ${'<= 100 ms'.padEnd(22)} ${own <= 100 ? 'met ' : 'MISSED'}  raw: node start + docker run ${f(floor)} ms (ratio ${(floor / dockerRun).toFixed(2)})`,
    )
  }
}

/** RECORDS synthetic records through the store's own writer (the format every checkout reads). */
async function fillStore(dir, n) {
  const { openStore, newRecordId } = await import(path.join(here, 'dist/store/store.js'))
  const { summarize } = await import(path.join(here, 'dist/collect/summarize.js'))
  const store = await openStore({ path: dir })
  const record = recordMaker(summarize, newRecordId)
  for (let i = 0; i < n; i++) {
    const w = await store.begin()
    await w.commit({ ...record(i), id: w.id })
  }
}
