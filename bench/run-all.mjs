#!/usr/bin/env node
// Every benchmark in turn (each prints its targets, its raw Docker or Node
// baseline measured in the same run, and absolute figures). Needs a running
// engine and the base images (scripts/setup.sh). Takes about 20 minutes on
// 2 cores, most of it the cold builds and the ingest of 100,000 records.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
for (const script of ['index-plan.mjs', 'run-overhead.mjs', 'store.mjs', 'build.mjs']) {
  execFileSync(process.execPath, [path.join(here, script)], { stdio: 'inherit' })
  console.log()
}
