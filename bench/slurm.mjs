#!/usr/bin/env node
// `cmc run --on slurm` against the plain way of running a sweep on Slurm: an
// `sbatch --array` script whose task k runs `docker run --rm` of point k. Same
// image, same sweep, same cluster (scripts/setup-slurm.sh), pairs interleaved.
//   per point, whole sweep: wall time from submit to every point done, / N
//     cmc: until every record is in the store; raw: until squeue says done
//   per point on the node: each task's own start-to-end time
//   submit to the first record in the store
// target: per-point overhead <= 1.2x the raw script. Needs a running engine and the cluster.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerRunLike } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 8)
const PAIRS = Number(process.env.PAIRS ?? 3)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-slurm-'))
const repo = path.join(root, 'test/fixtures/run-repo')
const store = path.join(work, 'store')
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_STORE: store }
const bin = path.join(root, 'bin/run.js')
const sh = (cmd, args) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
const now = () => Number(process.hrtime.bigint() / 1000000n)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const sweep = Array.from({ length: N }, (_, i) => i + 1).join(',')
const cmcArgs = [bin, 'run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--repeat', '1', '--warmup', '0', '--on', 'slurm', '--set', `n=${sweep}`]

// the image built, and its archive saved for the nodes, before anything is timed
const warm = JSON.parse(sh(process.execPath, [...cmcArgs, '--json']))

const q = (a) => `'${a.replace(/'/g, `'\\''`)}'`
/** The plain script: task k runs point k with docker run --rm (each point's own command line), its own start and end written down. */
function rawScript(dir) {
  const byIndex = [...warm].sort((a, b) => a.scheduler.arrayIndex - b.scheduler.arrayIndex)
  return [
    '#!/bin/bash',
    `#SBATCH --array=0-${N - 1}`,
    `#SBATCH --output=${dir}/slurm-%a.out`,
    'case $SLURM_ARRAY_TASK_ID in',
    ...byIndex.map((r) => `  ${r.scheduler.arrayIndex}) args=(${dockerRunLike(r, '/opt/cmc/echo-metrics').map(q).join(' ')}) ;;`),
    'esac',
    's=$(date +%s%3N)',
    'docker "${args[@]}" >/dev/null',
    `echo "$s $(date +%s%3N)" > ${dir}/t.$SLURM_ARRAY_TASK_ID`,
    '',
  ].join('\n')
}

async function rawSweep() {
  const dir = mkdtempSync(path.join(work, 'raw-'))
  writeFileSync(path.join(dir, 'job.sh'), rawScript(dir))
  const t0 = now()
  const id = sh('sbatch', ['--parsable', path.join(dir, 'job.sh')]).trim()
  let firstDone
  for (;;) {
    const active = sh('squeue', ['-h', '-j', id, '-t', 'PENDING,RUNNING,COMPLETING,CONFIGURING', '-o', '%i']).trim()
    if (firstDone === undefined && readdirSync(dir).some((f) => f.startsWith('t.'))) firstDone = now() - t0
    if (!active) break
    await sleep(250)
  }
  const wall = now() - t0
  const ended = Date.now()
  const tasks = readdirSync(dir)
    .filter((f) => f.startsWith('t.'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8').trim().split(' ').map(Number))
  if (tasks.length !== N) throw new Error(`the raw script finished ${tasks.length} of ${N} tasks: see ${dir}`)
  // the last task's end to the script's submitter knowing the sweep is over (its squeue poll)
  const tail = ended - Math.max(...tasks.map(([, e]) => e))
  return { wall, firstDone, tail, task: median(tasks.map(([s, e]) => e - s)) }
}

async function cmcSweep() {
  const t0 = now()
  const recs = JSON.parse(sh(process.execPath, [...cmcArgs, '--json']))
  const wall = now() - t0
  if (recs.length !== N || recs.some((r) => r.status !== 'ok')) throw new Error('cmc run --on slurm did not give N ok records')
  const job = JSON.parse(readFileSync(path.join(store, 'jobs', `${recs[0].scheduler.cmcJob}.json`), 'utf8'))
  const submitted = Date.parse(job.submissions[0].submittedAt)
  // a record's id starts with the time it was committed to the store
  const committed = recs.map((r) => Date.parse(r.id.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z.*/, '$1-$2-$3T$4:$5:$6.$7Z')))
  const runs = path.join(job.dir, 'runs', job.submissions[0].schedulerId)
  const finished = readdirSync(runs).filter((k) => existsSync(path.join(runs, k, 'done')))
  const doneAt = (k) => Number(readFileSync(path.join(runs, k, 'done'), 'utf8'))
  const task = median(finished.map((k) => doneAt(k) - Number(readFileSync(path.join(runs, k, 'started'), 'utf8').split(' ')[0])))
  // the last task's done file to its record in the store: how soon cmc hears a task has finished
  const tail = Math.max(...committed) - Math.max(...finished.map(doneAt))
  return { wall, firstRecord: Math.min(...committed) - submitted, tail, task }
}

mkdirSync(work, { recursive: true })
const raw = [],
  cmc = []
for (let i = 0; i < PAIRS; i++) {
  raw.push(await rawSweep())
  cmc.push(await cmcSweep())
}
const m = (xs, k) => median(xs.map((x) => x[k]))
const f = (ms) => `${(ms / 1000).toFixed(2)} s`
const perRaw = m(raw, 'wall') / N
const perCmc = m(cmc, 'wall') / N
console.log(`Slurm sweep — echo-metrics (tiny-sh image), ${N} points, 2 nodes, ${PAIRS} interleaved pairs, medians`)
console.log(
  `  per point, whole sweep   raw sbatch --array + docker run ${f(perRaw)}   cmc run --on slurm ${f(perCmc)}   ratio ${(perCmc / perRaw).toFixed(2)}x   target <= 1.2x`,
)
console.log(`  per point, on the node   raw ${f(m(raw, 'task'))}   cmc task ${f(m(cmc, 'task'))}   ratio ${(m(cmc, 'task') / m(raw, 'task')).toFixed(2)}x`)
console.log(`  submit to first record in the store ${f(m(cmc, 'firstRecord'))}   (raw: submit to first task done ${f(m(raw, 'firstDone'))})`)
console.log(`  last task done to its record in the store ${f(m(cmc, 'tail'))}   (raw: last task done to squeue saying so ${f(m(raw, 'tail'))})`)
console.log(
  `  (cmc's wall time includes resolving the plan, the up-to-date image check, the checks before submitting, and replaying each task into its record)`,
)
rmSync(work, { recursive: true, force: true })
