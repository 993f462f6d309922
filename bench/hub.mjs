#!/usr/bin/env node
// The hub's figures, with N records (default 1,000,000) in one project on the
// PostgreSQL of scripts/setup-postgres.sh (or HUB_PG=URL), in a database of
// the bench's own:
//   push rate: `cmc exp push` of PUSH_N records, whole process       target >= 2,000 records/s
//   re-push: the same command again, every record held already     (no target)
//     (also once with the store's kept hashes removed, as an older cmc left it)
//   `cmc exp list --where ... --store HUB/bench`, whole process        target <= 300 ms
//     (also a query no index helps, and one of the runs' facts: emulated, source...)
//   `cmc exp compare A B --store HUB/bench` of 2 x 10,000 runs          target <= 300 ms
//   the database's size
// Beside each, the raw equivalent measured in the same run: the other
// N - PUSH_N records loaded by psql's \copy (the database's own bulk rate,
// generating the rows included), psql running the compiled query and reading
// the two sides' narrow rows (whole process), `node -e 0`, for the re-push the
// hub's answer to which ids it holds (in the push's chunks, from this process), and
// for the compare the hub's answer alone.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, URLSearchParams } from 'node:url'
import { recordMaker } from './fixtures.mjs'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const N = Number(process.env.N ?? 1_000_000)
const PUSH_N = Math.min(N, Number(process.env.PUSH_N ?? 20_000))
const server = process.env.HUB_PG ?? readFileSync('/var/lib/cmc-postgres/url', 'utf8').trim()
// KEEP=1 keeps the database, and a later run with KEEP=1 measures the queries again without loading (quieter reruns)
const keep = Boolean(process.env.KEEP)
const dbName = 'cmc_bench_hub'
const dbUrl = Object.assign(new URL(server), { pathname: `/${dbName}` }).toString()
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-hub-'))
const bin = path.join(root, 'bin/run.js')
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const f = (x) => x.toFixed(0)
const psql = (url, sql) => execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim()

const { openStore, newRecordId } = await import(path.join(root, 'dist/store/store.js'))
const { summarize } = await import(path.join(root, 'dist/collect/summarize.js'))
const { summaryOf } = await import(path.join(root, 'dist/store/summary.js'))
const { recordHash } = await import(path.join(root, 'dist/hub/recordCheck.js'))
const { parseWhere } = await import(path.join(root, 'dist/store/query/evaluate.js'))
const { Binder, whereSql } = await import(path.join(root, 'dist/hub/sqlQuery.js'))
const { runColumnsSql, summaryRowsSql } = await import(path.join(root, 'dist/hub/hubRecords.js'))

const exists = psql(server, `select 1 from pg_database where datname = '${dbName}'`) === '1'
const reuse = keep && exists && Number(psql(dbUrl, "select count(*) from records where project = 'bench'")) === N
if (!reuse) {
  psql(server, `drop database if exists ${dbName} with (force)`)
  psql(server, `create database ${dbName}`)
}

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const env = { ...process.env, CMC_HOME: path.join(work, 'home'), CMC_HUB_DB: dbUrl, CMC_HUB: undefined }
delete env.CMC_HUB
// the hub logs a line a push batch: kept, and shown only if the hub fails
const hub = spawn(process.execPath, [bin, 'hub', 'serve', '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] })
let hubLog = ''
let stopping = false
hub.stderr.on('data', (d) => (hubLog = (hubLog + d).slice(-20_000)))
hub.once('exit', (c, signal) => !stopping && console.error(`cmc hub serve exited ${c ?? signal}:\n${hubLog}`))
await new Promise((resolve, reject) => {
  hub.stdout.on('data', (d) => String(d).includes('cmc hub at') && resolve())
  hub.once('exit', (c) => reject(new Error(`cmc hub serve exited ${c}`)))
})
hub.stdout.resume()
const at = `http://127.0.0.1:${port}/bench`
env.CMC_HUB_TOKEN = execFileSync(process.execPath, [bin, 'hub', 'token', 'create', '--user', 'bench', '--scope', 'push', '--project', 'bench'], {
  env,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
}).trim()

// ---- the raw load: N - PUSH_N records through psql's \copy ------------------
const record = recordMaker(summarize, newRecordId)
const copyText = (v) => String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
const fill = N - PUSH_N
let t0 = process.hrtime.bigint()
let rawLoadMs, pushMs, repushT, rawHaveT, unkeptMs
if (!reuse) {
  psql(dbUrl, `insert into projects (name) values ('bench') on conflict do nothing`)
  const copy = spawn(
    'psql',
    [
      dbUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      '\\copy records (project, id, hash, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags, summary, record, pushed_by) from pstdin',
    ],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  )
  for (let i = 0; i < fill; i++) {
    const r = record(i)
    const s = summaryOf(r)
    const line = [
      'bench',
      r.id,
      recordHash(r),
      s.createdAt,
      s.benchmark,
      s.image,
      s.digest,
      s.platform,
      s.status,
      s.host,
      s.limits,
      JSON.stringify(s.params),
      JSON.stringify(s.metrics),
      `{${s.tags.join(',')}}`,
      JSON.stringify(s),
      JSON.stringify(r),
      'bench',
    ]
      .map(copyText)
      .join('\t')
    if (!copy.stdin.write(line + '\n')) await new Promise((r) => copy.stdin.once('drain', r))
  }
  copy.stdin.end()
  await new Promise((resolve, reject) => copy.once('exit', (c) => (c ? reject(new Error(`psql \\copy exited ${c}`)) : resolve())))
  // the narrow rows a push writes beside each record (src/hub/schema.ts), filled as its migration fills them
  psql(
    dbUrl,
    `insert into runs select seq, project, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags,
       nullif(summary::jsonb - array['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host', 'limits', 'params', 'metrics', 'tags'], '{}')
     from records where project = 'bench';
     insert into fields (project, kind, name) values ('bench', 'metrics', 'throughput'), ('bench', 'params', 'batch') on conflict do nothing; analyze records; analyze runs`,
  )
  rawLoadMs = ms(t0)

  // ---- the push: PUSH_N records from a local store, whole process -------------
  const store = await openStore({ path: path.join(work, 'store') })
  for (let i = fill; i < N; i++) {
    const r = record(i)
    await (await store.begin(r.id)).commit(r)
  }
  t0 = process.hrtime.bigint()
  const pushCmd = () => execFileSync(process.execPath, [bin, 'exp', 'push', '--to', at, '--store', store.root], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  pushCmd()
  pushMs = ms(t0)
  // ---- the re-push: every record held already; beside it the hub's answer to `have` alone
  repushT = Array.from({ length: 3 }, () => {
    const s = process.hrtime.bigint()
    pushCmd()
    return ms(s)
  })
  // a store whose hashes are not kept yet (an older cmc's): each held record read and hashed once
  rmSync(path.join(store.root, 'hub-hashes.tsv'), { force: true })
  t0 = process.hrtime.bigint()
  pushCmd()
  unkeptMs = ms(t0)
  const ids = store.summaries().map((s) => s.id)
  rawHaveT = []
  for (let k = 0; k < 3; k++) {
    const s = process.hrtime.bigint()
    // in the push's chunks of 10,000 ids (transfer.ts)
    for (let i = 0; i < ids.length; i += 10_000) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/projects/bench/have`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.CMC_HUB_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ids: ids.slice(i, i + 10_000) }),
      })
      if (!res.ok) throw new Error(`the hub answered ${res.status}: ${await res.text()}`)
      await res.arrayBuffer()
    }
    rawHaveT.push(ms(s))
  }
}
const count = Number(psql(dbUrl, "select count(*) from records where project = 'bench'"))

// ---- list and compare, whole process, beside psql and node -e 0 ------------
// psql under the hub's own session settings (jit off), so that the two run the same plan
const rawEnv = { ...env, PGOPTIONS: '-c jit=off' }
const proc = (cmd, args) => {
  const s = process.hrtime.bigint()
  const out = execFileSync(cmd, args, { env: cmd === 'psql' ? rawEnv : env, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
  return { ms: ms(s), out }
}
const inline = (text, b) => {
  // psql has no bind parameters on the command line: the values inlined as literals, for the raw figure only
  b.values.forEach(
    (v, k) => (text = text.replaceAll(new RegExp(`\\$${k + 1}(?!\\d)`, 'g'), typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`)),
  )
  return text
}
const sqlOf = (where, select, tail = '') => {
  const b = new Binder(['bench'])
  return inline(`select ${select} from records where project = $1 and ${whereSql(parseWhere(where), b)} ${tail}`, b)
}
const where = 'benchmark = resnet and platform = arm64 and params.batch = 32 and metrics.throughput > 340'
const wide = 'metrics.throughput > 300 and (platform = arm64 or params.batch >= 8) and not status = failed'
// 2 x 10,000: one (benchmark, platform, batch) in every 36 records, over the first 360,000 seconds
const until = new Date(Date.UTC(2026, 10, 1) + 360_000 * 1000).toISOString().slice(0, 16)
const A = `benchmark = resnet and platform = x86_64 and params.batch = 8 and date < ${until}Z`
const B = `benchmark = resnet and platform = arm64 and params.batch = 8 and date < ${until}Z`
const runs = (k, fn) => Array.from({ length: k }, fn)
const listT = runs(5, () => proc(process.execPath, [bin, 'exp', 'list', '--where', where, '--limit', '20', '--store', at]).ms)
const listN = JSON.parse(proc(process.execPath, [bin, 'exp', 'list', '--where', where, '--store', at, '--json']).out).length
const rawListT = runs(5, () => proc('psql', [dbUrl, '-qtAc', sqlOf(where, 'summary', 'order by seq limit 20')]).ms)
const wideT = runs(3, () => proc(process.execPath, [bin, 'exp', 'list', '--where', wide, '--limit', '20', '--store', at]).ms)
const rawWideT = runs(3, () => proc('psql', [dbUrl, '-qtAc', sqlOf(wide, 'summary', 'order by seq limit 20')]).ms)
// a run's facts (emulated, a published result's source...) are queried over the runs table
const facts = 'not source = mlperf and not emulated = true and platform = arm64 and metrics.throughput > 340'
const factsT = runs(3, () => proc(process.execPath, [bin, 'exp', 'list', '--where', facts, '--limit', '20', '--store', at]).ms)
const factsSql = () => {
  const b = new Binder(['bench'])
  return inline(summaryRowsSql(parseWhere(facts), b, { limit: 20 }), b)
}
const rawFactsT = runs(3, () => proc('psql', [dbUrl, '-qtAc', factsSql()]).ms)
let cmpOut
const compare = () => proc(process.execPath, [bin, 'exp', 'compare', A, B, '--store', at, '--json'])
const apiCompare = async () => {
  const s = process.hrtime.bigint()
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/projects/bench/compare?${new URLSearchParams({ a: A, b: B })}`, {
    headers: { authorization: `Bearer ${env.CMC_HUB_TOKEN}` },
  })
  if (!res.ok) throw new Error(`the hub answered ${res.status}: ${await res.text()}`)
  await res.arrayBuffer()
  return ms(s)
}
// three compares first, untimed: a serving hub has run its compare code before (the lists above do not run it)
for (let k = 0; k < 3; k++) await apiCompare()
const cmpT = runs(5, () => {
  const r = compare()
  cmpOut = JSON.parse(r.out)
  return r.ms
})
// what the hub reads for the two sides (hubRecords.ts queryRunColumns), in one psql
const sideSql = (q) => {
  const b = new Binder(['bench'])
  return inline(runColumnsSql(parseWhere(q), b), b)
}
const rawCmpT = runs(5, () => proc('psql', [dbUrl, '-qtAc', `${sideSql(A)}; ${sideSql(B)}`]).ms)
const apiCmpT = []
for (let k = 0; k < 5; k++) apiCmpT.push(await apiCompare())
const nodeT = runs(5, () => proc(process.execPath, ['-e', '0']).ms)
// what cmc itself costs: the same command over an empty local store
const emptyT = runs(5, () => proc(process.execPath, [bin, 'exp', 'list', '--where', where, '--limit', '20', '--store', path.join(work, 'empty')]).ms)
const dbBytes = Number(psql(dbUrl, 'select pg_database_size(current_database())'))
const recordsBytes = Number(psql(dbUrl, "select pg_total_relation_size('records')"))

const m = cmpOut.metrics[0]
// the two sides are 10,000 runs each at N = 1,000,000 and fewer below: the label says what was compared
const side = (n) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n))
console.log(`hub — ${count.toLocaleString()} records in one project (PostgreSQL, ${os.cpus().length} cores)`)
console.log(
  reuse
    ? `  push                    (database reused: KEEP=1)`
    : `  push                    ${f(PUSH_N / (pushMs / 1000))} records/s (cmc exp push of ${PUSH_N.toLocaleString()}, whole process)   target >= 2,000   raw psql \\copy ${f(fill / (rawLoadMs / 1000))} records/s (${fill.toLocaleString()}, rows generated included)`,
)
if (!reuse)
  console.log(
    `  re-push                 ${f(median(repushT))} ms median of 3, whole process (${PUSH_N.toLocaleString()} held already)   the hub's answer to which it holds alone ${f(median(rawHaveT))} ms   node -e 0 ${f(median(nodeT))} ms   (hashes not kept yet: ${f(unkeptMs)} ms)`,
  )
console.log(
  `  cmc exp list --where    ${f(median(listT))} ms median of 5, whole process   target <= 300 ms   raw psql ${f(median(rawListT))} ms   node -e 0 ${f(median(nodeT))} ms   cmc exp list of an empty local store ${f(median(emptyT))} ms   (${listN} match: ${where})`,
)
console.log(`  a query no index helps ${f(median(wideT))} ms median of 3, whole process   raw psql ${f(median(rawWideT))} ms   (${wide})`)
console.log(`  a query of runs' facts  ${f(median(factsT))} ms median of 3, whole process   raw psql ${f(median(rawFactsT))} ms   (${facts})`)
console.log(
  `  cmc exp compare ${`${side(m.a.n)}x${side(m.b.n)}`.padEnd(7)} ${f(median(cmpT))} ms median of 5, whole process   target <= 300 ms   the hub's answer alone ${f(median(apiCmpT))} ms   raw psql ${f(median(rawCmpT))} ms (the two sides' rows, one after the other)   (n = ${m.a.n} vs ${m.b.n}, ratio ${m.ratio.toFixed(3)}, ${m.verdict})`,
)
console.log(
  `  database size           ${(dbBytes / 1e6).toFixed(0)} MB (records table with its indexes and TOAST ${(recordsBytes / 1e6).toFixed(0)} MB, ${f(recordsBytes / count)} B a record)`,
)

stopping = true
hub.kill('SIGTERM')
await new Promise((resolve) => (hub.exitCode !== null ? resolve() : hub.once('exit', resolve)))
rmSync(work, { recursive: true, force: true })
// an autovacuum worker on the loaded table can hold the database a while longer
for (let tries = 0; !keep; tries++) {
  try {
    execFileSync('psql', [server, '-v', 'ON_ERROR_STOP=1', '-qtAc', `drop database if exists ${dbName} with (force)`], { stdio: 'pipe' })
    break
  } catch (e) {
    if (tries >= 30) {
      console.error(`could not drop the database ${dbName}: ${String(e.stderr ?? e.message).trim()}`)
      break
    }
    await new Promise((r) => setTimeout(r, 2000))
  }
}
