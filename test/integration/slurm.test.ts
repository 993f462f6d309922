// `cmc run --on slurm` against the real Slurm cluster scripts/setup-slurm.sh
// starts on this machine (slurmctld, nodes n1 and n2): one array job per
// sweep, records from both nodes with the scheduler's provenance, cancel,
// a failing point and its retry, slurmctld down at submit, and each bad
// input refused before anything is submitted. Without the cluster these
// tests fail, naming the script that starts it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listJobs } from '../../src/cluster/jobs.js'
import { pingEngine } from '../../src/engine/docker.js'
import type { ExperimentRecord } from '../../src/store/record.js'
import { openStore } from '../../src/store/store.js'
import { cli, containersWithLabel, copyRepo } from '../helpers/engine.js'
import { repoRoot, tmpDir, writeTree } from '../helpers/tmp.js'

const work = tmpDir('cmc-slurm-')
const home = path.join(work, 'home')
const storeDir = path.join(work, 'store')
const flags = path.join(work, 'flags')
const env = { CMC_HOME: home, CMC_STORE: storeDir }
let repo: string
let registry: ChildProcess | undefined
const REGISTRY_PORT = 5056

const run = (args: string[], extra: string[] = []) => cli(['run', ...args, '--repo', repo, '--platform', 'x86_64', '--on', 'slurm', ...extra], { env })
const jobs = (args: string[]) => cli(['jobs', ...args], { env })

async function records(): Promise<ExperimentRecord[]> {
  const store = await openStore({ path: storeDir })
  return store.summaries().map((s) => store.get(s.id))
}
const recordsOf = async (cmcJob: string) => (await records()).filter((r) => r.scheduler?.cmcJob === cmcJob)
/** The array job ids slurmctld knows (finished ones too, for MinJobAge). */
const jobIds = () => [...new Set(execFileSync('squeue', ['-h', '-t', 'all', '-o', '%F'], { encoding: 'utf8' }).split('\n').filter(Boolean))].sort()
const storeJobs = async () => listJobs(await openStore({ path: storeDir }))
const slurmctldPid = () => Number(readFileSync('/var/lib/cmc-slurm/slurmctld.pid', 'utf8'))

/** The cluster must be there: these tests are about Slurm, so without it they fail, saying how to start it. */
function requireCluster(): void {
  let nodes: string
  try {
    nodes = execFileSync('sinfo', ['-h', '-N', '-p', 'debug', '-o', '%N %t'], { encoding: 'utf8', timeout: 20_000 })
  } catch (e) {
    throw new Error(`no Slurm cluster answers (${(e as Error).message.split('\n')[0]}): start it with sudo bash scripts/setup-slurm.sh`, { cause: e })
  }
  if (!/^n1 (idle|mix|alloc)/m.test(nodes) || !/^n2 (idle|mix|alloc)/m.test(nodes))
    throw new Error(`the Slurm nodes n1 and n2 are not both up (sinfo: ${nodes.trim()}): sudo bash scripts/setup-slurm.sh`)
}

async function waitFor(what: string, ready: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  await pingEngine()
  requireCluster()
  repo = copyRepo(path.join(repoRoot, 'test/fixtures/run-repo'))
  mkdirSync(flags, { recursive: true })
  writeTree(repo, {
    'cluster-sleep/cmc.yaml': [
      'kind: benchmark',
      'alias: cluster-sleep',
      'description: says it started, then sleeps until it is stopped',
      'image: tiny-sh',
      "command: 'echo started {{n}}; sleep 300'",
      'params: { n: { default: 1 } }',
      'outputs: { dir: /cmc/out }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
    // an image of its own, so that a test may take it off the engine the nodes use
    'cluster-img/cmc.yaml': ['kind: image', 'alias: cluster-only-sh', 'platforms: [x86_64]', 'components:', '  - tags: os,debian', ''].join('\n'),
    'cluster-echo/cmc.yaml': [
      'kind: benchmark',
      'alias: cluster-echo',
      'image: cluster-only-sh',
      `command: 'echo "{\\"value\\": {{n}}}" > /cmc/out/metrics.json'`,
      'params: { n: { default: 1 } }',
      'outputs: { dir: /cmc/out, metrics: { file: metrics.json, format: json } }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
    'cluster-flaky/cmc.yaml': [
      'kind: benchmark',
      'alias: cluster-flaky',
      'description: fails for the points a flag file names, else writes its param as a metric',
      'image: tiny-sh',
      `command: 'if [ -e /flags/fail-{{n}} ]; then echo "point {{n}} fails on purpose" >&2; exit 7; fi; echo "{\\"value\\": {{n}}}" > /cmc/out/metrics.json'`,
      'params: { n: { default: 1 } }',
      `inputs: { flags: { path: ${flags}, mount: /flags } }`,
      'outputs: { dir: /cmc/out, metrics: { file: metrics.json, format: json } }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
  })
  const cfg = path.join(work, 'registry.yml')
  mkdirSync(path.join(work, 'registry'))
  writeFileSync(cfg, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(work, 'registry')}\nhttp:\n  addr: 127.0.0.1:${REGISTRY_PORT}\n`)
  registry = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' })
  await waitFor(
    'docker-registry',
    async () =>
      fetch(`http://127.0.0.1:${REGISTRY_PORT}/v2/`).then(
        (r) => r.ok,
        () => false,
      ),
    15_000,
  )
})

afterAll(() => {
  registry?.kill()
  for (const job of existsSync(path.join(storeDir, 'jobs')) ? readdirSync(path.join(storeDir, 'jobs')).filter((f) => f.endsWith('.json')) : []) {
    const id = JSON.parse(readFileSync(path.join(storeDir, 'jobs', job), 'utf8')).submissions?.map((s: { schedulerId: string }) => s.schedulerId) ?? []
    for (const s of id) execFileSync('scancel', [s])
  }
  rmSync(work, { recursive: true, force: true })
  rmSync(repo, { recursive: true, force: true })
})

describe('cmc run --on slurm', () => {
  it('a 6-point sweep is one array job: 6 records from both nodes, each with its job id and index', async () => {
    const before = jobIds()
    const res = await run(['echo-metrics', '--set', 'n=1,2,3,4,5,6', '--json'])
    expect(res.code, res.stderr).toBe(0)
    const submitted = jobIds().filter((id) => !before.includes(id))
    expect(submitted).toHaveLength(1) // one sbatch for the whole sweep
    const [job] = await storeJobs()
    const recs = await recordsOf(job.id)
    expect(recs).toHaveLength(6)
    expect(new Set(recs.map((r) => r.scheduler!.node))).toEqual(new Set(['n1', 'n2']))
    for (const r of recs) {
      expect(r.status).toBe('ok')
      expect(r.scheduler).toMatchObject({ kind: 'slurm', cluster: 'cmc', jobId: submitted[0], partition: 'debug', cmcJob: job.id })
      expect(r.scheduler!.taskId).toBe(`${submitted[0]}_${r.scheduler!.arrayIndex}`)
      // array index k is sweep point k
      expect(r.params.n).toBe(r.scheduler!.arrayIndex + 1)
      expect(r.metrics.value.median).toBe(r.params.n)
      expect(r.metrics.double.median).toBe(2 * (r.params.n as number))
      // the node's own fingerprint, with its engine
      expect(r.host.docker.version).not.toBe('unknown')
      expect(r.host.cores).toBeGreaterThan(0)
      // decided by the node's own architecture: an x86_64 image on an x86_64 node
      expect(r.emulated).toBe(false)
      expect(r.outputs.map((o) => o.path)).toEqual(['r0/metrics.json', 'r1/metrics.json'])
      // the secret is redacted as in a local run
      expect(r.env.API_TOKEN).toBe('***')
      expect(readFileSync(path.join((await openStore({ path: storeDir })).recordDir(r.id), 'stdout.log'), 'utf8')).toContain(`run n=${r.params.n}`)
    }
    expect(recs.map((r) => r.scheduler!.arrayIndex).sort()).toEqual([0, 1, 2, 3, 4, 5])
    // given in the sweep's order, whichever task ended first
    expect((JSON.parse(res.stdout) as ExperimentRecord[]).map((r) => r.params.n)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await containersWithLabel(`cmc.job=${job.id}`)).toEqual([])
  })

  it('-p x86_64 -p arm64: one array job over both platforms, each image shipped once, arm64 recorded as emulated on these nodes', async () => {
    const before = jobIds()
    const args = ['run', 'arch-echo', '--repo', repo, '--repo', path.join(repoRoot, 'test/fixtures/cluster-repo')]
    const res = await cli([...args, '-p', 'x86_64', '-p', 'arm64', '--set', 'n=1,2,3', '--on', 'slurm', '--json'], { env })
    expect(res.code, res.stderr).toBe(0)
    expect(jobIds().filter((id) => !before.includes(id))).toHaveLength(1)
    const job = (await storeJobs()).find((j) => j.run.benchmark.alias === 'arch-echo')!
    expect(job.submissions).toHaveLength(1)
    // task k: point k % 3 of platform floor(k / 3)
    expect(job.points.map((p) => `${p.platform ?? 0}:${p.params.n}`)).toEqual(['0:1', '0:2', '0:3', '1:1', '1:2', '1:3'])
    const images = [job.image, job.morePlatforms![0].image]
    expect(new Set(images.map((i) => i.ref)).size).toBe(2)
    for (const i of images) expect(i.via === 'archive' && existsSync(i.archive)).toBe(true)
    const store = await openStore({ path: storeDir })
    const recs = await recordsOf(job.id)
    expect(recs).toHaveLength(6)
    for (const r of recs) {
      expect(r.status).toBe('ok')
      const k = r.scheduler!.arrayIndex
      expect(r.platform).toBe(k < 3 ? 'x86_64' : 'arm64')
      expect(r.params.n).toBe((k % 3) + 1)
      expect(r.metrics.value.median).toBe(r.params.n)
      expect(r.image.id).toBe(k < 3 ? job.run.image.id : job.morePlatforms![0].run.image.id)
      expect(readFileSync(path.join(store.recordDir(r.id), 'stdout.log'), 'utf8')).toContain(k < 3 ? 'machine x86_64' : 'machine aarch64')
      // no warning of docker's about a foreign platform: the node was told which one
      expect(readFileSync(path.join(store.recordDir(r.id), 'stderr.log'), 'utf8')).not.toMatch(/does not match the detected host platform/)
      expect(r.emulated).toBe(k >= 3)
      if (k >= 3) expect(r.emulation).toMatchObject({ hostArch: 'amd64', imageArch: 'arm64' })
    }
    // a platform's build (or up-to-date check) is counted once, on its own first point
    for (const r of recs) if (r.scheduler!.arrayIndex % 3) expect(r.timings.buildMs).toBe(0)
    expect(await containersWithLabel(`cmc.job=${job.id}`)).toEqual([])
  })

  it('--dry-run prints the batch script and submits nothing', async () => {
    const before = jobIds()
    const res = await run(['echo-metrics', '--set', 'n=1,2,3', '--max-parallel', '2', '--time', '5', '--dry-run'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('#SBATCH --array=0-2%2')
    expect(res.stdout).toContain('#SBATCH --time=5')
    expect(res.stdout).toContain('#SBATCH --partition=debug')
    expect(jobIds()).toEqual(before)
  })

  it('cancel mid-job: the unfinished points are aborted records, and no container is left', async () => {
    const sub = await run(['cluster-sleep', '--set', 'n=1,2,3,4', '--detach', '--json'])
    expect(sub.code, sub.stderr).toBe(0)
    const id = JSON.parse(sub.stdout).job.id as string
    const [job] = (await storeJobs()).filter((j) => j.id === id)
    const runs = path.join(job.dir, 'runs', job.submissions[0].schedulerId)
    // both nodes have a container going
    await waitFor('two running containers', async () => (await containersWithLabel(`cmc.job=${id}`)).length >= 2)
    await waitFor(
      'the benchmark to print',
      () => existsSync(path.join(runs, '0', 'a0.out')) && readFileSync(path.join(runs, '0', 'a0.out'), 'utf8').includes('started'),
    )
    const res = await jobs(['cancel', id, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const recs = await recordsOf(id)
    expect(recs).toHaveLength(4)
    for (const r of recs) {
      expect(r.status).toBe('aborted')
      expect(r.reason).toMatch(/cancelled/)
    }
    const started = recs.find((r) => r.scheduler!.arrayIndex === 0)!
    expect(readFileSync(path.join((await openStore({ path: storeDir })).recordDir(started.id), 'stdout.log'), 'utf8')).toContain('started 1')
    expect(await containersWithLabel(`cmc.job=${id}`)).toEqual([])
  })

  it('cancel of a job whose tasks have all ended cancels nothing: its records are ok and the job is not marked cancelled', async () => {
    const sub = await run(['echo-metrics', '--set', 'n=1,2', '--detach', '--json'])
    expect(sub.code, sub.stderr).toBe(0)
    const id = JSON.parse(sub.stdout).job.id as string
    const [job] = (await storeJobs()).filter((j) => j.id === id)
    const states = () =>
      execFileSync('squeue', ['-h', '-t', 'all', '-j', job.submissions[0].schedulerId, '-o', '%T'], { encoding: 'utf8' }).split('\n').filter(Boolean)
    await waitFor('both tasks to end', () => states().length === 2 && states().every((s) => s === 'COMPLETED'))
    expect(await recordsOf(id)).toEqual([])
    const res = await jobs(['cancel', id])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain(`${id} had ended: nothing to cancel, 2 record(s) imported`)
    expect((await recordsOf(id)).map((r) => r.status)).toEqual(['ok', 'ok'])
    // what the tasks printed is in their records, not replayed over the answer
    const store = await openStore({ path: storeDir })
    for (const r of await recordsOf(id)) {
      const printed = readFileSync(path.join(store.recordDir(r.id), 'stdout.log'), 'utf8')
        .trim()
        .split('\n')
        .pop()!
      expect(printed.length).toBeGreaterThan(0)
      expect(res.stdout + res.stderr).not.toContain(printed)
    }
    const [after] = (await storeJobs()).filter((j) => j.id === id)
    expect(after.submissions[0].cancelled).toBeFalsy()
    // one job shown: each point with its params, its task's state and its record
    const shown = await jobs(['show', id])
    expect(shown.code, shown.stderr).toBe(0)
    for (const r of await recordsOf(id)) expect(shown.stdout).toMatch(new RegExp(`n=${r.params.n} .*ENDED .*ok +${r.id}`))
    // each task by Slurm's name of it: the array job's id and the task's index
    for (const k of [0, 1]) expect(shown.stdout).toMatch(new RegExp(`^${k} .* ${job.submissions[0].schedulerId}_${k} `, 'm'))
    const doc = JSON.parse((await jobs(['show', id.slice(0, -2), '--json'])).stdout) as { job: { id: string }; tasks: unknown[] }
    expect(doc.job.id).toBe(id)
    expect(doc.tasks).toHaveLength(2)
    const missing = await jobs(['show', 'j19990101T000000-000000'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('error[JOB_NOT_FOUND]')
  })

  it('a failing point is a failed record with its logs, and retry runs only that point', async () => {
    writeFileSync(path.join(flags, 'fail-2'), '')
    const res = await run(['cluster-flaky', '--set', 'n=1,2,3'])
    expect(res.code).toBe(5)
    const id = (await storeJobs()).find((j) => j.run.benchmark.alias === 'cluster-flaky')!.id
    let recs = await recordsOf(id)
    expect(recs.map((r) => `${r.params.n}:${r.status}`).sort()).toEqual(['1:ok', '2:failed', '3:ok'])
    const failed = recs.find((r) => r.status === 'failed')!
    expect(failed.exitCode).toBe(7)
    expect(failed.reason).toBe('exit code 7')
    expect(readFileSync(path.join((await openStore({ path: storeDir })).recordDir(failed.id), 'stderr.log'), 'utf8')).toContain('point 2 fails on purpose')

    rmSync(path.join(flags, 'fail-2'))
    const retry = await jobs(['retry', id, '--json'])
    expect(retry.code, retry.stderr).toBe(0)
    const out = JSON.parse(retry.stdout) as { submission: { indices: number[]; schedulerId: string }; records: ExperimentRecord[] }
    expect(out.submission.indices).toEqual([1])
    recs = await recordsOf(id)
    expect(recs).toHaveLength(4)
    const again = recs.filter((r) => r.scheduler!.jobId === out.submission.schedulerId)
    expect(again.map((r) => `${r.params.n}:${r.status}:${r.scheduler!.arrayIndex}`)).toEqual(['2:ok:1'])
    expect(again[0].metrics.value.median).toBe(2)
    // nothing left to retry
    const none = await jobs(['retry', id])
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('nothing to retry')
  })

  it('a node taken down mid-job: its point is a failed record naming the node, and no container is left', async () => {
    const sub = await run(['cluster-sleep', '--set', 'n=1', '--sbatch-arg=--nodelist=n2', '--detach', '--json'])
    expect(sub.code, sub.stderr).toBe(0)
    const id = JSON.parse(sub.stdout).job.id as string
    await waitFor('a running container', async () => (await containersWithLabel(`cmc.job=${id}`)).length === 1)
    try {
      execFileSync('scontrol', ['update', 'NodeName=n2', 'State=DOWN', 'Reason=cmc-test'])
      await waitFor('the point to end', async () => {
        await jobs([])
        return (await recordsOf(id)).length === 1
      })
    } finally {
      // the cluster's ReturnToService=2 has n2 back as soon as its slurmd answers; resume it where not
      spawnSync('scontrol', ['update', 'NodeName=n2', 'State=RESUME'])
    }
    const [lost] = await recordsOf(id)
    expect(lost.status).toBe('failed')
    expect(lost.reason).toMatch(/node failed on n2/)
    expect(lost.scheduler?.node).toBe('n2')
    await waitFor('no container', async () => (await containersWithLabel(`cmc.job=${id}`)).length === 0, 30_000)
  })

  it('a point past its own timeout is stopped on its node and recorded as timed out', async () => {
    const res = await run(['cluster-sleep', '--set', 'n=9', '--timeout', '2'])
    expect(res.code, res.stderr).toBe(124)
    const job = (await storeJobs()).find((j) => j.run.benchmark.alias === 'cluster-sleep' && j.points.length === 1)!
    const [r] = await recordsOf(job.id)
    expect(r.status).toBe('timeout')
    expect(r.reason).toBe('timed out after 2 s')
    expect(r.exitCode).toBeNull()
    expect(await containersWithLabel(`cmc.job=${job.id}`)).toEqual([])
  })

  it('without a registry, a node that lacks the image loads it from the archive in the job folder', async () => {
    // the job starts a few seconds after it is queued: time to take the image off the engine the nodes share
    const sub = await run(['cluster-echo', '--set', 'n=1,2,3', '--sbatch-arg=--begin=now+4', '--detach', '--json'])
    expect(sub.code, sub.stderr).toBe(0)
    const job = JSON.parse(sub.stdout).job as { id: string; image: { via: string; ref: string; archive: string } }
    expect(job.image.via).toBe('archive')
    expect(existsSync(job.image.archive)).toBe(true)
    execFileSync('docker', ['rmi', '-f', job.image.ref], { stdio: 'ignore' })
    expect(spawnSync('docker', ['image', 'inspect', job.image.ref]).status).not.toBe(0)
    const res = await jobs(['wait', job.id])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    const recs = await recordsOf(job.id)
    expect(recs.map((r) => `${r.params.n}:${r.status}:${r.metrics.value?.median}`).sort()).toEqual(['1:ok:1', '2:ok:2', '3:ok:3'])
    expect(spawnSync('docker', ['image', 'inspect', job.image.ref]).status).toBe(0)
    // the attempt that found no image is not in the record: its repeat ran again after the load
    for (const r of recs) expect(r.repeats).toHaveLength(1)
  })

  it('--registry: the nodes pull the image the submitter pushed', async () => {
    const res = await run(['echo-metrics', '--set', 'n=7,8', '--registry', `127.0.0.1:${REGISTRY_PORT}`])
    expect(res.code, res.stderr).toBe(0)
    const job = (await storeJobs()).find((j) => j.image.via === 'registry')!
    expect(job.image.ref).toMatch(new RegExp(`^127\\.0\\.0\\.1:${REGISTRY_PORT}/cmc/echo-metrics:x86_64-`))
    const tags = await fetch(`http://127.0.0.1:${REGISTRY_PORT}/v2/cmc/echo-metrics/tags/list`).then((r) => r.json() as Promise<{ tags: string[] }>)
    expect(tags.tags).toContain(job.image.ref.split(':').at(-1))
    expect((await recordsOf(job.id)).map((r) => r.status)).toEqual(['ok', 'ok'])
  })

  it('jobs lists every job with its points', async () => {
    const res = await jobs(['--json'])
    expect(res.code, res.stderr).toBe(0)
    const views = JSON.parse(res.stdout) as Array<{ job: { id: string }; progress: { total: number; ok: number } }>
    expect(views.length).toBe((await storeJobs()).length)
    const six = views.find((v) => v.progress.total === 6)!
    expect(six.progress.ok).toBe(6)
  })
})

describe('refused before anything is submitted', () => {
  async function refused(args: string[], extra: string[], code: string, exit: number, hint: RegExp) {
    const beforeJobs = jobIds()
    const beforeStore = (await storeJobs()).length
    const beforeRecords = (await records()).length
    const res = await cli(['run', ...args, '--repo', repo, '--platform', 'x86_64', '--on', 'slurm', ...extra, '--json'], { env })
    expect(res.code, res.stdout + res.stderr).toBe(exit)
    const err = JSON.parse(res.stdout) as { error: string; hint: string; message: string }
    expect(err.error).toBe(code)
    expect(err.hint).toMatch(hint)
    expect(jobIds()).toEqual(beforeJobs)
    expect((await storeJobs()).length).toBe(beforeStore)
    expect((await records()).length).toBe(beforeRecords)
    return err
  }

  it('an unknown partition, naming the partitions there are', async () => {
    const err = await refused(['echo-metrics'], ['--partition', 'debgu'], 'PARTITION_UNKNOWN', 2, /did you mean --partition debug\?.*debug, far/)
    expect(err.message).toContain('no partition debgu')
  })

  it('a platform of -p the image does not target: the whole job, not a part of it', async () => {
    const err = await refused(['echo-metrics'], ['-p', 'arm64'], 'PLATFORM_NOT_SUPPORTED', 2, /add arm64 there/)
    expect(err.message).toContain('does not target platform arm64')
  })

  it('--gpus-per-task on a cluster without GPUs', async () => {
    await refused(['echo-metrics'], ['--gpus-per-task', '1'], 'CLUSTER_NO_GPUS', 2, /partition with GPU nodes/)
  })

  it('a registry that does not answer', async () => {
    await refused(['echo-metrics'], ['--registry', '127.0.0.1:5999'], 'REGISTRY_UNREACHABLE', 8, /start the registry/)
  })

  it("this machine's loopback registry for nodes on other hosts", async () => {
    await refused(
      ['echo-metrics'],
      ['--partition', 'far', '--registry', `127.0.0.1:${REGISTRY_PORT}`],
      'REGISTRY_UNREACHABLE',
      8,
      /a name or address the nodes resolve/,
    )
  })

  it("a job folder on this machine's disk for nodes on other hosts", async () => {
    const err = await refused(
      ['echo-metrics'],
      ['--partition', 'far', '--job-dir', path.join(work, 'jobs')],
      'JOB_DIR_NOT_SHARED',
      2,
      /--job-dir a folder on a filesystem the nodes share/,
    )
    expect(err.message).toContain('far1')
  })

  it('a cluster flag without --on', async () => {
    const res = await cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--partition', 'debug', '--json'], { env })
    expect(res.code).toBe(2)
    expect(JSON.parse(res.stdout).error).toBe('CLUSTER_FLAG')
  })

  it('slurmctld down at submit: its own exit code, the fix, nothing recorded', async () => {
    process.kill(slurmctldPid(), 'SIGTERM')
    await waitFor('slurmctld to stop', () => {
      try {
        execFileSync('scontrol', ['ping'], { stdio: 'ignore' })
        return false
      } catch {
        return true
      }
    })
    try {
      const beforeStore = (await storeJobs()).length
      const beforeRecords = (await records()).length
      const res = await run(['echo-metrics', '--set', 'n=1,2', '--json'])
      expect(res.code, res.stdout + res.stderr).toBe(10)
      const err = JSON.parse(res.stdout) as { error: string; hint: string; message: string }
      expect(err.error).toBe('SCHEDULER_UNREACHABLE')
      expect(err.message).toMatch(/slurmctld does not answer/)
      expect(err.hint).toMatch(/scripts\/setup-slurm\.sh/)
      expect(err.hint).toMatch(/scontrol ping/)
      expect((await storeJobs()).length).toBe(beforeStore)
      expect((await records()).length).toBe(beforeRecords)
    } finally {
      execFileSync('bash', [path.join(repoRoot, 'scripts/setup-slurm.sh')], { stdio: 'ignore' })
    }
    requireCluster()
  })
})
