#!/usr/bin/env node
// Published MLPerf results: a generated round of N results (default 10,000;
// system x benchmark x scenario, each with its performance and accuracy
// runs, compliance, measurements) and a run beside them.
//   cmc exp import --mlperf TREE, whole process         target <= 10 s
//   the same import again (every result present)
//   cmc exp import --mlperf SUMMARY.csv of the round's N rows
//   cmc exp compare RUN 'published, 100 results' --per accelerator, whole process   target <= 300 ms
// Beside them, the raw equivalents measured in the same run: copying the
// tree with cp -r (the files an import keeps, nothing parsed or indexed),
// reading every file of it in one process, and `node -e 0`; and what each
// writes: the folders, files and links the import made in the store beside
// those of the tree. The load average is printed with the figures: the file
// system's cost per folder or file grows with what else the machine writes
// and deletes.
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { summaryLog, writeRound } from '../test/fixtures/mlperf-tree/generate.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 10_000)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-mlperf-'))
const tree = path.join(work, 'inference_results_v5.0')
const storeDir = path.join(work, 'store')
const bin = path.join(root, 'bin/run.js')
const env = { ...process.env, CMC_STORE: storeDir, CMC_HOME: path.join(work, 'home') }
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const timed = (file, args, opts = {}) => {
  const t0 = process.hrtime.bigint()
  const out = execFileSync(file, args, { env, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString()
  return { ms: ms(t0), out }
}
const cmc = (...args) => timed(process.execPath, [bin, ...args])

/** Folders, files, bytes and extra hard links (a file's second name) under dir. */
const census = (dir) => {
  const c = { dirs: 0, files: 0, bytes: 0, links: 0 }
  const inodes = new Set()
  const walk = (d) => {
    c.dirs++
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const st = lstatSync(p)
        c.files++
        if (inodes.has(st.ino)) c.links++
        else {
          inodes.add(st.ino)
          c.bytes += st.size
        }
      }
    }
  }
  walk(dir)
  return c
}
const load = () => os.loadavg()[0].toFixed(1)
const counted = (c) =>
  `${c.dirs.toLocaleString()} folders, ${c.files.toLocaleString()} files (${c.links.toLocaleString()} of them links), ${(c.bytes / 2 ** 20).toFixed(0)} MiB`

let t0 = process.hrtime.bigint()
writeRound(tree, N)
const genMs = ms(t0)
const treeCount = census(tree)

// the raw equivalent read: every file of the tree
t0 = process.hrtime.bigint()
let files = 0
const readAll = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) readAll(p)
    else {
      readFileSync(p)
      files++
    }
  }
}
readAll(tree)
const readMs = ms(t0)

const loadBefore = load()
const first = cmc('exp', 'import', '--mlperf', tree, '--json')
const loadAfter = load()
const report = JSON.parse(first.out)
const storeCount = census(path.join(storeDir, 'records'))
const again = cmc('exp', 'import', '--mlperf', tree, '--json')
const againReport = JSON.parse(again.out)
// the raw equivalent written: the tree copied, after the import and kept until the end, since
// ext4 without a journal skips recently deleted inodes when it makes new ones, and a
// deletion just before a timed run makes every file and folder it creates cost more
const cpMs = timed('cp', ['-r', tree, path.join(work, 'copy')]).ms

// the round as its summary: one row per result, in the checker's columns
const csv = path.join(work, 'summary.csv')
const head =
  'Organization,Availability,Division,SystemType,SystemName,Platform,Model,MlperfModel,Scenario,Result,Accuracy,accelerator_model_name,accelerators_per_node,version,Units'
const rows = [head]
for (let i = 0; i < N; i++) {
  const scenario = ['Offline', 'Server', 'SingleStream'][i % 3]
  const units = scenario === 'SingleStream' ? 'Latency (ms)' : 'Samples/s'
  rows.push(
    `Org${i % 97},available,closed,datacenter,System ${i},csv-sys${Math.floor(i / 30)},m,bench${i % 10},${scenario},${(1000 + (i % 500)).toFixed(1)},acc: 76,Accel,${1 + (i % 8)},v5.0,${units}`,
  )
}
writeFileSync(csv, rows.join('\n') + '\n')
const csvImport = cmc('exp', 'import', '--mlperf', csv, '--store', path.join(work, 'store-csv'), '--json')
const csvReport = JSON.parse(csvImport.out)

// a run beside 100 published results: LoadGen logs in its outputs, one GPU
const { Store } = await import(path.join(root, 'dist/store/store.js'))
const { repeatMetrics, summarizeRepeats } = await import(path.join(root, 'dist/collect/benchmarkMetrics.js'))
const store = new Store(storeDir)
const w = await store.begin()
mkdirSync(path.join(w.dir, 'outputs'), { recursive: true })
writeFileSync(path.join(w.dir, 'outputs', 'mlperf_log_summary.txt'), summaryLog({ scenario: 'Offline', sut: 'local', rate: 3456.7, latencyNs: 400000 }).text)
const spec = { dir: '/cmc/out', maxBytes: 1 << 20, metrics: { format: 'loadgen' } }
const repeats = [{ index: 0, metrics: repeatMetrics(spec, path.join(w.dir, 'outputs'), '').metrics, exitCode: 0, durationMs: 1 }]
const now = new Date().toISOString()
await w.commit({
  format: 1,
  id: w.id,
  createdAt: now,
  cmcVersion: '0.1.0',
  benchmark: { alias: 'resnet50', uid: 'u' },
  image: { alias: 'img', uid: 'u', planHash: 'p', ref: 'cmc/img', digest: 'sha256:1', id: 'sha256:1' },
  platform: 'cuda',
  params: {},
  repeats,
  metrics: summarizeRepeats(repeats, spec),
  status: 'ok',
  exitCode: 0,
  host: {
    hostname: 'gpu-box',
    os: 'linux',
    kernel: '6.1',
    arch: 'x86_64',
    cpuModel: 'cpu',
    cores: 16,
    memoryBytes: 1,
    gpus: [{ vendor: 'NVIDIA', model: 'NVIDIA H100' }],
    docker: { version: '24', apiVersion: '1.43', os: 'linux', arch: 'amd64', runtimes: ['runc'] },
  },
  command: 'run',
  env: {},
  devices: { paths: [], groups: [] },
  logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
  outputs: [{ path: 'mlperf_log_summary.txt', size: 1, sha256: 'x' }],
  refused: [],
  timings: { buildMs: 0, startedAt: now, endedAt: now, totalMs: 0, runMs: [] },
  tags: [],
})
// Org000 .. Org009: up to 10 submitters of 10 systems (100 at the default N), one resnet50 Offline result each
const published = 'source = mlperf and benchmark = resnet50 and scenario = Offline and mode = PerformanceOnly and submitter <= Org009'
const cmpT = []
const nodeT = []
let cmpOut
cmc('exp', 'list', '--where', 'source = mlperf', '--limit', '1') // the first reader writes the index snapshot
for (let i = 0; i < 5; i++) {
  const r = cmc('exp', 'compare', w.id, published, '--per', 'accelerator', '--json')
  cmpT.push(r.ms)
  cmpOut = JSON.parse(r.out)
  nodeT.push(timed(process.execPath, ['-e', '0']).ms)
}

const f = (x) => x.toFixed(0)
const s = (x) => (x / 1000).toFixed(1)
const m = cmpOut.metrics[0]
console.log(`mlperf — a generated round of ${N.toLocaleString()} results (${counted(treeCount)}; generated in ${s(genMs)} s)`)
console.log(
  `  cmc exp import --mlperf TREE   ${s(first.ms)} s whole process   target <= 10 s   raw: cp -r of the tree ${s(cpMs)} s, reading every file ${s(readMs)} s   (${report.added} records, ${report.skipped.length} skipped; load ${loadBefore} -> ${loadAfter})`,
)
console.log(`    the store's records: ${counted(storeCount)}; the tree ${files.toLocaleString()} files`)
console.log(`  the same import again          ${s(again.ms)} s (${againReport.added} added, ${againReport.present} present)`)
console.log(
  `  cmc exp import --mlperf CSV    ${s(csvImport.ms)} s for ${N.toLocaleString()} summary rows (${csvReport.added} records, ${csvReport.skipped.length} skipped)`,
)
console.log(
  `  cmc exp compare RUN ${m.b.n} published --per accelerator   ${f(median(cmpT))} ms median of 5, whole process   target <= 300 ms   node -e 0 ${f(median(nodeT))} ms   (${m.metric}: ${m.a.median.toFixed(1)} vs median ${m.b.median.toFixed(1)} of n = ${m.b.n})`,
)
rmSync(work, { recursive: true, force: true })
