#!/usr/bin/env node
// A generated CM/MLC repository of 400 scripts with the shapes real ones have
// (named deps with env conditions, pre/post/posthook deps, variation groups
// with defaults, combined and NAME.# variations, versions, a repeated key in
// one script of twenty),
// each figure beside its target and a raw equivalent measured in the same run:
//   cold `cmc repo add`            target <= 1 s     raw: node reading and parsing the 400 metas with js-yaml
//   warm `cmc find` (whole process) target <= 150 ms raw: node -e 0
//   `cmc plan` of a 60-node graph   target <= 50 ms   raw: the graph's tag look-ups alone (in process)
// N=rounds (default 10). Run `npm run build` first.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib.mjs'

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 10)
const SCRIPTS = 400
const GRAPH = 59 // scripts s0..s58 form the target's graph, with detect-os: 60 runs
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-cm-'))
const repo = path.join(work, 'mlc-repo')
const bin = path.join(here, 'bin/run.js')
const wall = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

function script(i) {
  const children = [2 * i + 1, 2 * i + 2].filter((c) => i < GRAPH && c < GRAPH)
  const deps = [
    '- tags: detect,os',
    ...children.map((c) => `- tags: gen,s${c}\n  names: [s${c}]\n  version_min: "1.${c % 9}"`),
    `- tags: gen,missing-on-purpose\n  enable_if_env:\n    MLC_EXTRA_S${i}: [yes]`,
    `- tags: gen,s${(i + 7) % SCRIPTS}\n  skip_if_env:\n    MLC_SKIP_S${i}: ['no']`,
  ]
  return `alias: s${i}
uid: ${(0xc0de000000000000n + BigInt(i)).toString(16)}
automation_alias: script
automation_uid: 5b4e0237da074764
category: Generated
tags: [gen, s${i}, ${2000 + (i % 30)}]
cache: ${i % 2 === 0 ? 'true' : 'false'}
default_version: ${i % 5 === 0 ? 'master' : `"${1 + (i % 3)}.${i % 10}"`}
new_env_keys: [MLC_S${i}_*, +PATH]
input_mapping:
  opt: MLC_S${i}_OPT
default_env:
  MLC_S${i}_MODE: fast${i % 20 === 0 ? `\n  MLC_S${i}_MODE: slow` : ''}
deps:
${deps.join('\n')}
prehook_deps:
- tags: gen,s${(i + 3) % SCRIPTS},_cpu
  enable_if_env:
    MLC_PRE_S${i}: [on]
posthook_deps:
- tags: gen,s${(i + 5) % SCRIPTS}
  enable_if_any_env:
    MLC_POST_S${i}: [yes]
post_deps:
- tags: gen,s${(i + 11) % SCRIPTS}
  enable_if_env:
    MLC_HOST_OS_TYPE: [windows]
versions:
  "2.1":
    env:
      MLC_S${i}_V: "2.1"
variations:
  cpu:
    group: device
    default: true
    env: { MLC_S${i}_DEVICE: cpu }
  cuda:
    group: device
    env: { MLC_S${i}_DEVICE: cuda }
    adr:
      s${2 * i + 1}:
        tags: _cuda
  fp16:
    base: [cuda]
    default_variations: { history: full }
  full: { group: history }
  short: { group: history, default: true }
  branch.#:
    env: { MLC_S${i}_BRANCH: '#' }
  cuda,fp16:
    deps:
    - tags: detect,os
      names: [os]
    docker: { base_image: cuda }
`
}

function makeRepo() {
  mkdirSync(path.join(repo, 'script'), { recursive: true })
  writeFileSync(path.join(repo, 'meta.yaml'), 'alias: bench@cm-scripts\nuid: 5c0ffee0000000bb\n')
  for (let i = 0; i < SCRIPTS - 1; i++) {
    mkdirSync(path.join(repo, 'script', `s${i}`))
    writeFileSync(path.join(repo, 'script', `s${i}`, 'meta.yaml'), script(i))
  }
  mkdirSync(path.join(repo, 'script', 'detect-os'))
  writeFileSync(
    path.join(repo, 'script', 'detect-os', 'meta.yaml'),
    'alias: detect-os\nuid: c0de0000000fffff\nautomation_alias: script\ntags: [detect-os, detect, os]\ncache: true\nnew_env_keys: [MLC_HOST_OS_*]\npost_deps:\n- tags: gen,s1\n  enable_if_env:\n    MLC_HOST_OS_TYPE: [windows]\n',
  )
}

makeRepo()
const run = (home, args) => execFileSync(process.execPath, [bin, ...args], { env: { ...process.env, CMC_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
const files = Array.from({ length: SCRIPTS - 1 }, (_, i) => path.join(repo, 'script', `s${i}`, 'meta.yaml'))

const add = [],
  rawAdd = [],
  find = [],
  rawFind = []
for (let r = 0; r < N; r++) {
  const home = path.join(work, `home-${r}`)
  add.push(wall(() => run(home, ['repo', 'add', repo])))
  rawAdd.push(
    wall(() =>
      execFileSync(process.execPath, [
        '-e',
        `const y=require(${JSON.stringify(require_resolve('js-yaml'))});const fs=require('fs');for(const f of ${JSON.stringify(files)})y.load(fs.readFileSync(f,'utf8'),{json:true})`,
      ]),
    ),
  )
  find.push(wall(() => run(home, ['find', '--tags', 'gen,s7'])))
  rawFind.push(wall(() => execFileSync(process.execPath, ['-e', '0'])))
  rmSync(home, { recursive: true, force: true })
}

// in process: the plan of s0 (its graph of 60 runs)
const home = path.join(work, 'home-plan')
run(home, ['repo', 'add', repo])
process.env.CMC_HOME = home
const { loadIndex } = await import(path.join(here, 'dist/repos/index.js'))
const { planCmScript, CmPlanner } = await import(path.join(here, 'dist/cm/plan.js'))
const { parseCmQuery } = await import(path.join(here, 'dist/cm/search.js'))
const index = await loadIndex({ builtin: false })
const scripts = index.all().filter((a) => a.format === 'cm')
const target = index.get('s0')
let nodes = 0
const plan = [],
  rawPlan = []
for (let r = 0; r < N * 5; r++) {
  plan.push(wall(() => (nodes = planCmScript(scripts, target).order.length)))
  const planner = new CmPlanner(scripts)
  rawPlan.push(
    wall(() => {
      for (let i = 0; i < GRAPH; i++) planner.find(parseCmQuery(`gen,s${i}`))
    }),
  )
}
const ms = (x) => `${x.toFixed(1)} ms`
console.log(`CM repository: ${SCRIPTS} scripts, ${N} rounds (median)`)
console.log(`cold repo add        ${ms(median(add)).padStart(10)}   target <= 1000 ms   raw (node + js-yaml over the metas) ${ms(median(rawAdd))}`)
console.log(`warm find (process)  ${ms(median(find)).padStart(10)}   target <= 150 ms    raw (node -e 0) ${ms(median(rawFind))}`)
console.log(`plan, ${nodes} runs        ${ms(median(plan)).padStart(10)}   target <= 50 ms     raw (its tag look-ups) ${ms(median(rawPlan))}`)
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true })
else console.log(repo)

function require_resolve(m) {
  return createRequire(import.meta.url).resolve(m)
}
