#!/usr/bin/env node
// The store's figures: 100,000 synthetic records in one store.
//   ingest rate (records/s through the store's own writer: staging, rename, index append)
//   whole-process `cmc exp list --where ...` over them          target <= 300 ms
//   `cmc exp compare` of two groups of 1,000 runs (whole process) target <= 300 ms
//   the store's size on disk
// The first query after ingest builds the index snapshot and is shown apart, and so
// is the query after 1,000 more runs, which rewrites it.
// Beside them, the raw baseline measured in the same run: `node -e 0`, and a
// plain JSON.parse + filter of the same index file.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { recordMaker } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 100_000)
// KEEP=DIR keeps the store in DIR, and a later run with the same KEEP measures the
// queries again without ingesting (quieter reruns of the timing part)
const keep = process.env.KEEP
const work = keep ? path.resolve(keep) : mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-store-'))
const storeDir = path.join(work, 'store')
const reuse = Boolean(keep && existsSync(path.join(storeDir, 'index.jsonl')))
const { openStore, newRecordId } = await import(path.join(root, 'dist/store/store.js'))
const { summarize } = await import(path.join(root, 'dist/collect/summarize.js'))
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const med = median

const store = await openStore({ path: storeDir })
const record = recordMaker(summarize, newRecordId)
let t0 = process.hrtime.bigint()
if (!reuse)
  for (let i = 0; i < N; i++) {
    const w = await store.begin()
    await w.commit({ ...record(i), id: w.id })
  }
const ingestMs = ms(t0)

const du = Number(execFileSync('du', ['-sb', storeDir]).toString().split('\t')[0])
const duDisk = Number(execFileSync('du', ['-sk', storeDir]).toString().split('\t')[0]) * 1024
const indexBytes = statSync(path.join(storeDir, 'index.jsonl')).size

const bin = path.join(root, 'bin/run.js')
const env = { ...process.env, CMC_STORE: storeDir, CMC_HOME: path.join(work, 'home') }
const proc = (args) => {
  const s = process.hrtime.bigint()
  const out = execFileSync(process.execPath, args, { env, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
  return { ms: ms(s), out }
}
const where = 'metrics.throughput > 300 and (platform = arm64 or params.batch >= 8) and not status = failed'
const listT = [],
  cmpT = [],
  nodeT = [],
  rawT = []
let listed = 0
// the first query after ingest parses index.jsonl whole and writes index.snapshot
if (!reuse) rmSync(path.join(storeDir, 'index.snapshot'), { force: true })
const firstList = proc([bin, 'exp', 'list', '--where', where, '--limit', '20']).ms
const snapBytes = statSync(path.join(storeDir, 'index.snapshot')).size
for (let i = 0; i < 5; i++) {
  const r = proc([bin, 'exp', 'list', '--where', where, '--limit', '20'])
  listT.push(r.ms)
  nodeT.push(proc(['-e', '0']).ms)
  const s = process.hrtime.bigint()
  const rows = JSON.parse('[' + readFileSync(path.join(storeDir, 'index.jsonl'), 'utf8').trim().split('\n').join(',') + ']')
  listed = rows.filter((x) => x.metrics.throughput > 300 && (x.platform === 'arm64' || x.params.batch >= 8) && x.status !== 'failed').length
  rawT.push(ms(s))
}
const countJson = JSON.parse(proc([bin, 'exp', 'list', '--where', where, '--json']).out).length
// two groups of 1,000 runs each: the first 1,000 x86_64 batch-8 resnet runs vs the first 1,000 arm64 ones
const A = `tags = cmp and benchmark = resnet and platform = x86_64 and params.batch = 8`
const B = `tags = cmp and benchmark = resnet and platform = arm64 and params.batch = 8`
const cmp = (q) => proc([bin, 'exp', 'compare', q[0], q[1], '--json'])
let cmpOut
for (let i = 0; i < 5; i++) {
  const r = cmp([A, B])
  cmpT.push(r.ms)
  cmpOut = JSON.parse(r.out)
}

// 1,000 more runs, then the query whose reader rewrites the snapshot from its columns
let rewriteMs
if (!reuse) {
  for (let i = N; i < N + 1000; i++) {
    const w = await store.begin()
    await w.commit({ ...record(i), id: w.id })
  }
  rewriteMs = proc([bin, 'exp', 'list', '--where', where, '--limit', '20']).ms
}

const f = (x) => x.toFixed(0)
console.log(`store — ${N.toLocaleString()} records`)
console.log(
  reuse
    ? `  ingest                 (store reused from ${storeDir})`
    : `  ingest                 ${f(N / (ingestMs / 1000))} records/s (${(ingestMs / 1000).toFixed(1)} s through Store.begin/commit)`,
)
console.log(
  `  size on disk           ${(duDisk / 1e6).toFixed(0)} MB allocated, ${(du / 1e6).toFixed(0)} MB of content (index.jsonl ${(indexBytes / 1e6).toFixed(1)} MB, ${f(du / N)} B a record)`,
)
console.log(`  first query            ${f(firstList)} ms (parses index.jsonl whole, writes index.snapshot: ${(snapBytes / 1e6).toFixed(1)} MB)`)
if (rewriteMs !== undefined) console.log(`  after 1,000 more runs  ${f(rewriteMs)} ms (this reader rewrites the snapshot from its columns plus the new lines)`)
console.log(
  `  cmc exp list --where   ${f(med(listT))} ms median of 5, whole process   target <= 300 ms   node -e 0 ${f(med(nodeT))} ms   raw parse+filter in-process ${f(med(rawT))} ms   (${countJson} of ${N} match; raw count ${listed})`,
)
console.log(
  `  cmc exp compare 2x1000 ${f(med(cmpT))} ms median of 5, whole process   target <= 300 ms   (n = ${cmpOut.metrics[0].a.n} vs ${cmpOut.metrics[0].b.n}, throughput ratio ${cmpOut.metrics[0].ratio.toFixed(3)}, ${cmpOut.metrics[0].verdict})`,
)
if (!keep) rmSync(work, { recursive: true, force: true })
