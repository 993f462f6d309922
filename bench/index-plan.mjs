#!/usr/bin/env node
// The index's figures: a generated repo of 5,000 artifacts.
//   cold index (in-process, empty cache)          target <= 1 s
//   warm `cmc find` (whole process, Node's start) target <= 300 ms
//   plan + compile of a 200-node graph (in-process) target <= 50 ms
// Beside each: the raw baseline measured in the same run (walking + reading
// the same files with plain fs, and `node -e 0`), so the ratio says what cmc adds.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeRepo } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 5000)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-index-'))
process.env.CMC_HOME = path.join(work, 'home')
const { loadIndex } = await import(path.join(root, 'dist/repos/index.js'))
const { resolvePlan } = await import(path.join(root, 'dist/resolve/resolvePlan.js'))
const { compile } = await import(path.join(root, 'dist/compile/compile.js'))

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const med = median
const fmt = (x) => x.toFixed(1)

// --- a repo of N artifacts: components with tags, deps and variations, a few images and benchmarks
const repo = makeRepo(path.join(work, 'repo'), N)

// raw baseline: walk and read the same files, nothing else
let t0 = process.hrtime.bigint()
let bytes = 0
for (const d of readdirSync(repo)) {
  try {
    bytes += readFileSync(path.join(repo, d, 'cmc.yaml')).length
  } catch {
    // cmc-repo.yaml is a file, not a folder
  }
}
const rawRead = ms(t0)

t0 = process.hrtime.bigint()
const idx = await loadIndex({ extraRepos: [repo] })
const cold = ms(t0)
const count = idx.all().length
t0 = process.hrtime.bigint()
await loadIndex({ extraRepos: [repo] })
const warmInProcess = ms(t0)

// warm `cmc find`, whole process, against `node -e 0`
const bin = path.join(root, 'bin/run.js')
const env = { ...process.env, CMC_REPOS: repo }
const timeProc = (args) => {
  const s = process.hrtime.bigint()
  execFileSync(process.execPath, args, { env, stdio: 'pipe' })
  return ms(s)
}
timeProc([bin, 'find', '--tags', 'python,-dev,t5']) // warm the cache
const findT = [],
  nodeT = []
for (let i = 0; i < 7; i++) {
  findT.push(timeProc([bin, 'find', '--tags', 'python,-dev,t5']))
  nodeT.push(timeProc(['-e', '0']))
}
const found = execFileSync(process.execPath, [bin, 'find', '--tags', 'python,-dev,t5', '--json'], { env }).toString()

// --- plan + compile: a 200-node chain-and-fan graph
const g = path.join(work, 'graph')
mkdirSync(g)
writeFileSync(path.join(g, 'cmc-repo.yaml'), 'name: graph-200\n')
for (let i = 0; i < 199; i++) {
  mkdirSync(path.join(g, `n${i}`))
  const deps = [i > 0 ? `n${i - 1}` : 'os,debian', i > 10 ? `n${i - 10}` : undefined].filter(Boolean)
  writeFileSync(
    path.join(g, `n${i}`, 'cmc.yaml'),
    `kind: component\nalias: n${i}\ntags: [n${i}]\ninstall:\n  apt: [lib${i}]\n  env: { N${i}: "${i}" }\nruntime:\n  apt: [lib${i}]\ndeps:\n${deps.map((d) => `  - tags: "${d}"\n`).join('')}`,
  )
}
mkdirSync(path.join(g, 'img'))
writeFileSync(path.join(g, 'img', 'cmc.yaml'), 'kind: image\nalias: big\nplatforms: [x86_64]\ncomponents:\n  - tags: n198\n')
const gidx = await loadIndex({ extraRepos: [g] })
const planT = []
let nodes = 0
for (let i = 0; i < 20; i++) {
  const s = process.hrtime.bigint()
  const plan = resolvePlan(gidx, 'big', { platform: 'x86_64' })
  compile(plan, { builder: 'buildkit' })
  planT.push(ms(s))
  nodes = plan.nodes.length
}

console.log(`index, plan and compile — ${count} artifacts (${(bytes / 1024).toFixed(0)} KiB of meta)`)
console.log(`  cold index (in-process)       ${fmt(cold)} ms   target <= 1000 ms   raw fs walk+read ${fmt(rawRead)} ms   ratio ${fmt(cold / rawRead)}x`)
console.log(`  warm index (in-process)       ${fmt(warmInProcess)} ms`)
console.log(
  `  warm cmc find (whole process) ${fmt(med(findT))} ms median of 7   target <= 300 ms   node -e 0 ${fmt(med(nodeT))} ms   ratio ${fmt(med(findT) / med(nodeT))}x   (${JSON.parse(found).length} matches)`,
)
console.log(`  plan+compile ${nodes} nodes        ${fmt(med(planT))} ms median of 20   target <= 50 ms`)
rmSync(work, { recursive: true, force: true })
