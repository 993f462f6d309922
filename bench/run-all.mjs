#!/usr/bin/env node
// Every benchmark in turn (each prints its targets, its raw Docker, sbatch,
// psql or Node baseline measured in the same run, and absolute figures). Needs
// a running engine, the base images, the test Slurm cluster and PostgreSQL
// (scripts/setup.sh starts them all). The hub's million records, the MLPerf
// round and the cold builds make it take an hour or more on 2 cores; N and
// ROUNDS make the larger ones smaller (see each script's header).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const scripts = [
  'startup.mjs',
  'index-plan.mjs',
  'run-overhead.mjs',
  'store.mjs',
  'build.mjs',
  'big-output.mjs',
  'platforms.mjs',
  'cm-repo.mjs',
  'mlperf.mjs',
  'slurm.mjs',
  'hub.mjs',
]
for (const script of scripts) {
  execFileSync(process.execPath, [path.join(here, script)], { stdio: 'inherit' })
  console.log()
}
