// Generated inputs shared by the bench scripts: a repo of N artifacts and a
// store of N synthetic records.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** A repo of `n` artifacts: components with tags, deps and variations, every 50th an image or a benchmark. */
export function makeRepo(repo, n) {
  mkdirSync(repo, { recursive: true })
  writeFileSync(path.join(repo, 'cmc-repo.yaml'), `name: bench-${n}\n`)
  const hex = (i, p) => (p + i.toString(16)).padStart(16, '0').slice(-16)
  for (let i = 0; i < n; i++) {
    const dir = path.join(repo, `c${String(i).padStart(5, '0')}`)
    mkdirSync(dir)
    const kind = i % 50 === 49 ? 'benchmark' : i % 50 === 48 ? 'image' : 'component'
    let text = `kind: ${kind}\nalias: a${i}\nuid: ${hex(i, 'c')}\ntags: [t${i % 97}, group${i % 7}, ${i % 2 ? 'python' : 'cpp'}${i % 3 ? '' : ', dev'}]\n`
    if (kind === 'component')
      text += `install:\n  apt: [pkg${i}]\n${i > 0 ? `deps:\n  - tags: t${(i - 1) % 97}\n` : ''}variations:\n  fast: { group: speed, default: true, env: { SPEED: fast } }\n  slow: { group: speed, env: { SPEED: slow } }\n`
    if (kind === 'image') text += `platforms: [x86_64, arm64]\ncomponents:\n  - tags: os,debian\n`
    if (kind === 'benchmark') text += `image: a${i - 1}\ncommand: echo ${i}\n`
    writeFileSync(path.join(dir, 'cmc.yaml'), text)
  }
  return repo
}

/**
 * Synthetic records for the store benches: four platforms, three benchmarks,
 * three batch sizes, every 50th failed, every 10th tagged nightly; the first
 * 1,000 of each (benchmark, platform, batch) are tagged cmp (the compare groups).
 * `summarize` and `newRecordId` come from the checkout under test.
 */
export function recordMaker(summarize, newRecordId) {
  const host = {
    hostname: 'bench-host',
    os: 'linux',
    kernel: '6.1',
    arch: 'x86_64',
    cpuModel: 'cpu',
    cores: 2,
    memoryBytes: 1,
    gpus: [],
    docker: { version: '20.10', apiVersion: '1.41', os: 'linux', arch: 'amd64', runtimes: ['runc'] },
  }
  let seed = 1
  const groupCount = new Map()
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  function record(i) {
    const platform = ['x86_64', 'arm64', 'cuda', 'rocm'][i % 4]
    const benchmark = ['stream', 'matmul', 'resnet'][i % 3]
    const batch = [1, 8, 32][Math.floor(i / 3) % 3]
    // the first 1,000 runs of each (benchmark, platform, batch) form the compare groups
    const key = `${benchmark}/${platform}/${batch}`
    const seen = (groupCount.get(key) ?? 0) + 1
    groupCount.set(key, seen)
    const vals = Array.from({ length: 3 }, () => 100 * (platform === 'arm64' ? 0.6 : 1) * batch ** 0.5 * (1 + 0.05 * (rnd() - 0.5)))
    const id = newRecordId(new Date(Date.UTC(2026, 10, 1) + i * 1000))
    return {
      format: 1,
      id,
      createdAt: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
      cmcVersion: '0.1.0',
      benchmark: { alias: benchmark, uid: 'u' },
      image: { alias: 'img', uid: 'u', planHash: 'p', ref: 'cmc/x:y', digest: `sha256:${platform}`, id: 'sha256:i' },
      platform,
      params: { batch },
      repeats: vals.map((v, k) => ({ index: k, metrics: { throughput: v }, exitCode: 0, durationMs: 10 })),
      metrics: { throughput: summarize(vals, { unit: 'img/s', higherIsBetter: true }) },
      status: i % 50 ? 'ok' : 'failed',
      exitCode: 0,
      host,
      command: 'bench',
      env: {},
      devices: { paths: [], groups: [] },
      logs: { stdout: 'stdout.log', stderr: 'stderr.log' },
      outputs: [],
      refused: [],
      timings: { buildMs: 0, startedAt: '', endedAt: '', totalMs: 10, runMs: [10] },
      tags: [...(i % 10 ? [] : ['nightly']), ...(seen <= 1000 ? ['cmp'] : [])],
    }
  }
  return record
}

/** The `docker run --rm` that does what `cmc run` did for a record: same image, workdir, env and command. */
export function dockerRunLike(rec, workdir) {
  const env = Object.entries(rec.env).flatMap(([k, v]) => ['-e', `${k}=${v === '***' ? 'x' : v}`])
  return ['run', '--rm', '-w', workdir, ...env, rec.image.ref, 'sh', '-c', `mkdir -p '/cmc/out' && ${rec.command}`]
}
