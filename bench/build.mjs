#!/usr/bin/env node
// The build's figures, measured side by side in one run on the same Dockerfile
// and context (the stream example, x86_64):
//   cold `cmc build` wall vs cold `docker build` wall    target ratio <= 1.05
//   no-op `cmc build` (whole process)                    target <= 0.5 s
//   rebuild after editing only the benchmark file        target <= 10% of cold
//   runtime image size vs a single-stage build           target <= 30%
// "Cold" means no build cache and no image for either side: images, dangling
// layers and the BuildKit cache are removed before each cold build. The ratio
// compares the classic builder on both sides, because Debian's docker CLI has
// no buildx, so `docker build` cannot use BuildKit here; cmc's BuildKit cold
// build is printed beside it. Needs a running engine.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, appendFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const work = mkdtempSync(path.join(os.tmpdir(), 'cmc-bench-build-'))
const repo = path.join(work, 'examples')
cpSync(path.join(root, 'examples'), repo, { recursive: true })
process.env.CMC_HOME = path.join(work, 'home')
const env = { ...process.env, CMC_REPOS: repo, DOCKER_BUILDKIT: '0' }
const bin = path.join(root, 'bin/run.js')
const { loadIndex } = await import(path.join(root, 'dist/repos/index.js'))
const { resolvePlan } = await import(path.join(root, 'dist/resolve/resolvePlan.js'))
const { compile } = await import(path.join(root, 'dist/compile/compile.js'))
const { listContextFiles } = await import(path.join(root, 'dist/engine/context.js'))
const { resolveBase } = await import(path.join(root, 'dist/engine/baseImages.js'))
const { getDocker } = await import(path.join(root, 'dist/engine/docker.js'))

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, ...opts }).toString()
/** Removes images, whether or not they are there (a first run has none). */
function rmiQuietly(...refs) {
  try {
    sh('docker', ['rmi', '-f', ...refs])
  } catch {
    // nothing to remove
  }
}
const wall = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e9
}
const med = median
const sizeOf = (ref) => Number(sh('docker', ['image', 'inspect', '--format', '{{.Size}}', ref]).trim())
const MB = (b) => (b / 1e6).toFixed(1) + ' MB'
async function prune() {
  for (const r of ['bench/raw-stream', 'bench/single-stage']) rmiQuietly(r)
  rmCmcImages()
  sh('docker', ['image', 'prune', '-f'])
  await getDocker().pruneBuilder() // BuildKit's cache, through the API (the CLI's `builder prune` needs buildx)
}
const rmCmcImages = () => {
  const ids = sh('docker', ['images', '-q', 'cmc/stream']).trim().split('\n').filter(Boolean)
  if (ids.length) sh('docker', ['rmi', '-f', ...new Set(ids)])
}

// The exact Dockerfile and context cmc sends, written out for `docker build`.
async function rawContext(builder = 'classic') {
  const index = await loadIndex({ extraRepos: [repo] })
  const plan = resolvePlan(index, 'stream', { platform: 'x86_64' })
  const compiled = compile(plan, { builder, buildArch: 'amd64' })
  const dir = path.join(work, 'raw-ctx')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'Dockerfile'), compiled.dockerfile)
  for (const f of listContextFiles(compiled.context)) {
    mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true })
    copyFileSync(f.src, path.join(dir, f.name))
  }
  const build = await resolveBase(compiled.bases.build, compiled.platform, {})
  const runtime = await resolveBase(compiled.bases.runtime, compiled.platform, {})
  return { dir, args: ['--build-arg', `CMC_BASE_BUILD=${build.ref}`, '--build-arg', `CMC_BASE_RUNTIME=${runtime.ref}`], base: runtime.ref }
}

const cmcBuild = (builder) => [bin, 'build', 'stream', '--platform', 'x86_64', '--builder', builder, '--json']
const cmcCold = [],
  rawCold = [],
  cmcColdBk = []
for (let i = 0; i < ROUNDS; i++) {
  // alternate the order so neither side always gets a warmer mirror or page cache
  const order = i % 2 ? ['raw', 'cmc', 'cmc-bk'] : ['cmc', 'raw', 'cmc-bk']
  for (const side of order) {
    await prune()
    if (side === 'cmc') cmcCold.push(wall(() => sh(process.execPath, cmcBuild('classic'))))
    else if (side === 'cmc-bk') cmcColdBk.push(wall(() => sh(process.execPath, cmcBuild('buildkit'))))
    else {
      const ctx = await rawContext()
      rawCold.push(wall(() => sh('docker', ['build', '-q', ...ctx.args, '-t', 'bench/raw-stream', ctx.dir])))
    }
  }
}
await prune()
// no-op: the image exists; nothing may reach the engine's build endpoint
sh(process.execPath, cmcBuild('classic'))
const noop = []
for (let i = 0; i < 5; i++) noop.push(wall(() => sh(process.execPath, cmcBuild('classic'))))
const rawNoop = []
const ctx = await rawContext()
for (let i = 0; i < 5; i++) rawNoop.push(wall(() => sh('docker', ['build', '-q', ...ctx.args, '-t', 'bench/raw-stream', ctx.dir])))

// edit only the benchmark file, rebuild
const streamC = path.join(repo, 'benchmarks/stream/stream.c')
const edits = [],
  rawEdits = []
for (let i = 0; i < 3; i++) {
  appendFileSync(streamC, `\n/* edit ${i} ${Date.now()} */\n`)
  edits.push(wall(() => sh(process.execPath, cmcBuild('classic'))))
  const c = await rawContext()
  rawEdits.push(wall(() => sh('docker', ['build', '-q', ...c.args, '-t', 'bench/raw-stream', c.dir])))
}

// runtime image vs a single-stage build of the same program
const ref = JSON.parse(sh(process.execPath, cmcBuild('classic')).trim())
const cmcRef = (Array.isArray(ref) ? ref[0] : ref).ref
const single = path.join(work, 'single')
mkdirSync(single)
copyFileSync(streamC, path.join(single, 'stream.c'))
writeFileSync(
  path.join(single, 'Dockerfile'),
  [
    `FROM ${ctx.base}`,
    'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev libgomp1 && apt-get clean && rm -rf /var/lib/apt/lists/*',
    'WORKDIR /opt/stream',
    'COPY stream.c .',
    'RUN gcc -O3 -fopenmp -o stream stream.c',
    'CMD ["./stream"]',
    '',
  ].join('\n'),
)
sh('docker', ['build', '-q', '-t', 'bench/single-stage', single])
const base = sizeOf(ctx.base),
  cmcSize = sizeOf(cmcRef),
  singleSize = sizeOf('bench/single-stage')

const f = (x) => x.toFixed(2)
console.log(`build — stream example, x86_64, classic builder on both sides, ${ROUNDS} cold round(s)`)
console.log(
  `  cold build        cmc ${f(med(cmcCold))} s   docker build ${f(med(rawCold))} s   ratio ${f(med(cmcCold) / med(rawCold))}   target <= 1.05   (each: ${cmcCold.map(f).join(', ')} vs ${rawCold.map(f).join(', ')})`,
)
console.log(`  cold build, cmc with BuildKit ${f(med(cmcColdBk))} s (no CLI equivalent here: Debian's docker has no buildx)`)
console.log(
  `  no-op rebuild     cmc ${f(med(noop))} s (whole process, median of 5)   docker build (all cached) ${f(med(rawNoop))} s   ratio ${f(med(noop) / med(rawNoop))}   target <= 0.5 s`,
)
console.log(
  `  edit benchmark    cmc ${f(med(edits))} s = ${((100 * med(edits)) / med(cmcCold)).toFixed(1)}% of cold   docker build ${f(med(rawEdits))} s   ratio ${f(med(edits) / med(rawEdits))}   target <= 10%`,
)
console.log(`  runtime image     cmc ${MB(cmcSize)}   single-stage ${MB(singleSize)}   ratio ${((100 * cmcSize) / singleSize).toFixed(1)}%   target <= 30%`)
console.log(
  `                    above the shared base (${MB(base)}): cmc ${MB(cmcSize - base)}   single-stage ${MB(singleSize - base)}   ratio ${((100 * (cmcSize - base)) / (singleSize - base)).toFixed(1)}%`,
)
rmSync(work, { recursive: true, force: true })
rmiQuietly('bench/raw-stream', 'bench/single-stage')
