// `cmc run --on kubernetes` without a cluster (none can run here): every
// generated Indexed Job is checked against the Kubernetes API schema, and the
// exact command a pod would run is run on the local engine with
// JOB_COMPLETION_INDEX set; its log, read back as the submitter reads a pod's
// log, must give the record a local run gives.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { indexedJob, jobName, validatedJob } from '../../src/cluster/kubernetes/indexedJob.js'
import { unpackPodLog } from '../../src/cluster/kubernetes/podLog.js'
import type { ClusterJob } from '../../src/cluster/jobs.js'
import { importTask } from '../../src/cluster/replayTask.js'
import { jobPaths } from '../../src/cluster/taskFiles.js'
import { pingEngine } from '../../src/engine/docker.js'
import { CmcError } from '../../src/errors.js'
import { openStore } from '../../src/store/store.js'
import { cli, containersWithLabel, copyRepo } from '../helpers/engine.js'
import { repoRoot, tmpDir, writeTree } from '../helpers/tmp.js'

const work = tmpDir('cmc-kube-')
const repo = copyRepo(path.join(repoRoot, 'test/fixtures/run-repo'))
const clusterRepo = path.join(repoRoot, 'test/fixtures/cluster-repo')
const storeDir = path.join(work, 'store')
const env = { CMC_HOME: path.join(work, 'home'), CMC_STORE: storeDir, KUBECONFIG: path.join(work, 'no-kubeconfig'), HOME: work }
const REGISTRY = 'registry.example.test:5000/team'

interface Manifest {
  kind: 'Job'
  metadata: { name: string; namespace: string; labels: Record<string, string> }
  spec: {
    completionMode: string
    completions: number
    parallelism: number
    template: {
      spec: {
        nodeSelector: Record<string, string>
        containers: Array<{
          image: string
          command: string[]
          workingDir?: string
          env: Array<{ name: string; value?: string }>
          resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> }
          volumeMounts?: Array<{ name: string; mountPath: string; readOnly: boolean; subPath?: string }>
        }>
        volumes?: Array<{ name: string; configMap: { name: string; items: Array<{ key: string; path: string; mode?: number }> } }>
      }
    }
  }
}

interface ConfigMap {
  kind: 'ConfigMap'
  metadata: { name: string }
  binaryData: Record<string, string>
}

/** `cmc run --on kubernetes --dry-run`: the job as it would be submitted, its Jobs (one per platform) and their inputs' ConfigMaps. */
async function dryRunAll(args: string[]): Promise<{ job: ClusterJob; jobs: Manifest[]; configMaps: ConfigMap[] }> {
  const res = await cli(['run', ...args, '--repo', repo, '--repo', clusterRepo, '--on', 'kubernetes', '--registry', REGISTRY, '--dry-run', '--json'], { env })
  expect(res.code, res.stdout + res.stderr).toBe(0)
  const out = JSON.parse(res.stdout) as { job: ClusterJob; script: string }
  const printed = JSON.parse(out.script) as Manifest | ConfigMap | { kind: 'List'; items: Array<Manifest | ConfigMap> }
  const items = printed.kind === 'List' ? printed.items : [printed]
  return {
    job: out.job,
    jobs: items.filter((i): i is Manifest => i.kind === 'Job'),
    configMaps: items.filter((i): i is ConfigMap => i.kind === 'ConfigMap'),
  }
}

async function dryRun(args: string[]): Promise<{ job: ClusterJob; manifest: Manifest }> {
  const { job, jobs } = await dryRunAll(args)
  expect(jobs).toHaveLength(1)
  return { job, manifest: jobs[0] }
}

/**
 * What the kubelet makes of a pod's ConfigMap volumes: each item's bytes at its path, with its mode,
 * as bind mounts (read-only, a subPath mounting one file) for the local engine.
 */
function configMapMounts(manifest: Manifest, configMaps: ConfigMap[], dir: string): string[] {
  const pod = manifest.spec.template.spec
  return (pod.containers[0].volumeMounts ?? []).flatMap((m) => {
    const volume = pod.volumes!.find((v) => v.name === m.name)!
    const map = configMaps.find((c) => c.metadata.name === volume.configMap.name)!
    const root = path.join(dir, m.name)
    for (const item of volume.configMap.items) {
      const file = path.join(root, item.path)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, Buffer.from(map.binaryData[item.key], 'base64'), { mode: item.mode ?? 0o644 })
    }
    return ['-v', `${m.subPath ? path.join(root, m.subPath) : root}:${m.mountPath}${m.readOnly ? ':ro' : ''}`]
  })
}

/** The pod's container, run on the local engine with the image the registry would give it: its log (stdout and stderr, as kubectl logs shows them). */
function runPod(job: ClusterJob, manifest: Manifest, completionIndex: number, node: string, opts: { imageId?: string; mounts?: string[] } = {}): string {
  const c = manifest.spec.template.spec.containers[0]
  const envArgs = c.env.filter((e) => e.value !== undefined).flatMap((e) => ['-e', `${e.name}=${e.value}`])
  const res = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '--label',
      `cmc.test=kube-${job.id}`,
      '-e',
      `JOB_COMPLETION_INDEX=${completionIndex}`,
      '-e',
      `CMC_NODE=${node}`,
      ...envArgs,
      ...(opts.mounts ?? []),
      ...(c.workingDir ? ['-w', c.workingDir] : []),
      '--entrypoint',
      c.command[0],
      opts.imageId ?? job.run.image.id,
      ...c.command.slice(1),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  )
  expect(res.status, res.stderr).toBe(0)
  return res.stdout + res.stderr
}

/** What the submitter does with a pod's log: unpacked into the task folder, then the record. */
async function recordFromLog(job: ClusterJob, log: string, index: number) {
  const store = await openStore({ path: storeDir })
  const sub = { schedulerId: `${job.kubernetes!.namespace}/${job.id}`, indices: job.points.map((_, k) => k), submittedAt: new Date().toISOString() }
  const local: ClusterJob = { ...job, dir: path.join(work, 'jobs', job.id), submissions: [sub] }
  unpackPodLog(log, jobPaths(local.dir).task(sub.schedulerId, index), (n) => jobPaths(local.dir).host(n))
  const record = await importTask({ job: local, index, submission: sub.schedulerId, store, events: () => {} })
  return { record, dir: store.recordDir(record.id) }
}

beforeAll(async () => {
  await pingEngine()
  writeTree(repo, {
    // a folder (a nested file, an executable script) and a single file as inputs
    'kube-inputs/cmc.yaml': [
      'kind: benchmark',
      'alias: kube-inputs',
      'image: tiny-sh',
      'command: >-',
      `  n=$(cut -d' ' -f1 /data/input.txt) && k=$(tr -dc 0-9 < /etc/bench.json) &&`,
      '  echo "{\\"n\\": $n, \\"k\\": $k}" > /cmc/out/metrics.json &&',
      '  /data/run.sh && cat /data/sub/nested.txt &&',
      '  if echo x > /data/input.txt 2>/dev/null; then echo WRITABLE; else echo readonly; fi',
      'inputs:',
      '  data: { path: ./data, mount: /data }',
      '  conf: { path: ./conf.json, mount: /etc/bench.json }',
      'outputs: { dir: /cmc/out, metrics: { file: metrics.json, format: json } }',
      'repeat: 1',
      'warmup: 0',
      '',
    ].join('\n'),
    'kube-inputs/data/input.txt': '42 widgets\n',
    'kube-inputs/data/sub/nested.txt': 'nested input\n',
    'kube-inputs/data/run.sh': '#!/bin/sh\necho "script ran"\n',
    'kube-inputs/conf.json': '{"k": 7}\n',
    'kube-big/cmc.yaml': [
      'kind: benchmark',
      'alias: kube-big-input',
      'image: tiny-sh',
      'command: wc -c /data/blob',
      'inputs: { data: { path: ./data, mount: /data } }',
      'outputs: { dir: /cmc/out }',
      '',
    ].join('\n'),
    'kube-big/data/blob': 'x'.repeat(1100 * 1024),
  })
  chmodSync(path.join(repo, 'kube-inputs/data/run.sh'), 0o755)
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  rmSync(repo, { recursive: true, force: true })
})

describe('cmc run --on kubernetes', () => {
  it('makes one valid Indexed Job for the sweep: completions, parallelism, arch, image from the registry', async () => {
    const { job, manifest } = await dryRun(['echo-metrics', '--platform', 'x86_64', '--set', 'n=1,2,3', '--max-parallel', '2', '--namespace', 'bench'])
    expect(() => validatedJob(manifest as never)).not.toThrow()
    expect(manifest.metadata.namespace).toBe('bench')
    expect(manifest.metadata.labels['cmc.job']).toBe(job.id)
    expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 2 })
    const pod = manifest.spec.template.spec
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' })
    expect(pod.containers[0].image).toMatch(/^registry\.example\.test:5000\/team\/cmc\/echo-metrics:x86_64-[0-9a-f]{12}$/)
    // the reference a push gives the image: its local content tag
    const tags = execFileSync('docker', ['image', 'inspect', '--format', '{{join .RepoTags " "}}', 'cmc/echo-metrics:x86_64'], { encoding: 'utf8' })
      .trim()
      .split(' ')
    expect(tags.map((t) => `${REGISTRY}/${t}`)).toContain(pod.containers[0].image)
    expect(pod.containers[0].env.find((e) => e.name === 'PLAIN')?.value).toBe('visible')
    expect(pod.containers[0].env.find((e) => e.name === 'CMC_NODE')).toMatchObject({ valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } })
  })

  it('asks for GPUs and CPUs as resources', async () => {
    const gpus = await dryRun(['echo-metrics', '--platform', 'x86_64', '--gpus-per-task', '2'])
    expect(() => validatedJob(gpus.manifest as never)).not.toThrow()
    expect(gpus.manifest.spec.template.spec.containers[0].resources?.limits).toEqual({ 'nvidia.com/gpu': 2 })
    const cpus = await dryRun(['echo-metrics', '--platform', 'x86_64', '--cpus-per-task', '2'])
    expect(() => validatedJob(cpus.manifest as never)).not.toThrow()
    expect(cpus.manifest.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '2' } })
  })

  it("the pod's own command, run here with JOB_COMPLETION_INDEX, gives the record a local run gives", async () => {
    const { job, manifest } = await dryRun(['echo-metrics', '--platform', 'x86_64', '--set', 'n=4,5,6'])
    const local = await cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--set', 'n=5', '--json'], { env })
    expect(local.code, local.stderr).toBe(0)
    const [here] = JSON.parse(local.stdout) as Array<{
      metrics: Record<string, { median: number; n: number }>
      outputs: Array<{ path: string; sha256: string }>
      env: Record<string, string>
      command: string
    }>
    const log = runPod(job, manifest, 1, 'worker-b')
    const { record, dir } = await recordFromLog(job, log, 1)
    expect(record.status).toBe('ok')
    expect(record.params).toEqual({ n: 5 })
    expect(record.metrics.value).toMatchObject({ median: 5, n: 2, unit: 'things' })
    expect(record.metrics.value.median).toBe(here.metrics.value.median)
    expect(record.metrics.double.median).toBe(here.metrics.double.median)
    expect(record.outputs).toEqual(here.outputs)
    expect(record.command).toBe(here.command)
    expect(record.env).toEqual(here.env)
    expect(record.scheduler).toMatchObject({ kind: 'kubernetes', arrayIndex: 1, node: 'worker-b', partition: 'default', cmcJob: job.id })
    expect(record.host.hostname).toBe('worker-b')
    expect(record.host.cores).toBeGreaterThan(0)
    const stdout = readFileSync(path.join(dir, 'stdout.log'), 'utf8')
    expect(stdout).toContain('run n=5 token=s3cr3t-value')
    expect(stdout).toContain('=== repeat 2/2 ===')
    expect(await containersWithLabel(`cmc.test=kube-${job.id}`)).toEqual([])
  })

  it("a pod whose benchmark fails gives a failed record with the benchmark's own stderr", async () => {
    const { job, manifest } = await dryRun(['fails', '--platform', 'x86_64'])
    const { record, dir } = await recordFromLog(job, runPod(job, manifest, 0, 'worker-a'), 0)
    expect(record.status).toBe('failed')
    expect(record.exitCode).toBe(3)
    expect(record.reason).toBe('exit code 3')
    expect(readFileSync(path.join(dir, 'stderr.log'), 'utf8')).toContain('out of widgets')
  })

  it('a retry is a Job of just the points it runs again, each completion index mapped to its point', async () => {
    const { job } = await dryRun(['echo-metrics', '--platform', 'x86_64', '--set', 'n=4,5,6'])
    const retry = validatedJob(indexedJob(job, [2], 1)) as unknown as Manifest
    expect(retry.spec.completions).toBe(1)
    expect(retry.metadata.name).not.toBe(jobName(job, 0))
    const { record } = await recordFromLog(job, runPod(job, retry, 0, 'worker-c'), 2)
    expect(record.params).toEqual({ n: 6 })
    expect(record.metrics.value.median).toBe(6)
    expect(record.scheduler?.arrayIndex).toBe(2)
  })

  it('GPUs of the rocm platform are amd.com/gpu; an arm64 platform selects arm64 nodes', async () => {
    const { job } = await dryRun(['echo-metrics', '--platform', 'x86_64'])
    const plan = {
      ...job.run.plan,
      platform: { ...job.run.plan.platform, dockerPlatform: 'linux/arm64', devices: { ...job.run.plan.platform.devices, gpu: 'rocm' as const } },
    }
    const rocm: ClusterJob = { ...job, run: { ...job.run, plan }, kubernetes: { ...job.kubernetes!, gpus: { resource: 'nvidia.com/gpu', count: 1 } } }
    const manifest = validatedJob(indexedJob(rocm, [0])) as unknown as Manifest
    expect(manifest.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' })
    expect(manifest.spec.template.spec.containers[0].resources?.limits).toEqual({ 'amd.com/gpu': 1 })
  })

  it('-p x86_64 -p arm64: one Indexed Job per platform, each selecting its architecture and pulling its own image', async () => {
    const { job, jobs } = await dryRunAll(['arch-echo', '-p', 'x86_64', '-p', 'arm64', '--set', 'n=1,2'])
    expect(jobs).toHaveLength(2)
    for (const j of jobs) expect(() => validatedJob(j as never)).not.toThrow()
    expect(jobs.map((j) => j.spec.template.spec.nodeSelector['kubernetes.io/arch'])).toEqual(['amd64', 'arm64'])
    expect(jobs.map((j) => j.spec.completions)).toEqual([2, 2])
    expect(new Set(jobs.map((j) => j.metadata.name)).size).toBe(2)
    expect(jobs[0].spec.template.spec.containers[0].image).toMatch(/\/cmc\/arch-echo:x86_64-[0-9a-f]{12}$/)
    expect(jobs[1].spec.template.spec.containers[0].image).toMatch(/\/cmc\/arch-echo:arm64-[0-9a-f]{12}$/)
    // completion index 1 of the arm64 Job is task 3: point n=2 on arm64
    const arm = job.morePlatforms![0].run
    const log = runPod(job, jobs[1], 1, 'arm-node', { imageId: arm.image.id })
    const { record, dir } = await recordFromLog(job, log, 3)
    expect(record.status).toBe('ok')
    expect(record.platform).toBe('arm64')
    expect(record.params).toEqual({ n: 2 })
    expect(record.metrics.value.median).toBe(2)
    expect(record.image.id).toBe(arm.image.id)
    expect(record.scheduler?.arrayIndex).toBe(3)
    // the pod's own view of its machine: on a cluster the nodeSelector gives it an arm64 node
    expect(record.host.arch).toBe('arm64')
    expect(readFileSync(path.join(dir, 'stdout.log'), 'utf8')).toContain('machine aarch64')
  })

  it('inputs reach the pod through a ConfigMap, read-only where the meta mounts them: the record a local run gives', async () => {
    const { job, jobs, configMaps } = await dryRunAll(['kube-inputs', '--platform', 'x86_64'])
    expect(jobs).toHaveLength(1)
    expect(configMaps).toHaveLength(1)
    const pod = jobs[0].spec.template.spec
    expect(pod.volumes!.map((v) => v.configMap.name)).toEqual([configMaps[0].metadata.name, configMaps[0].metadata.name])
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'input-0', mountPath: '/data', readOnly: true },
      { name: 'input-1', mountPath: '/etc/bench.json', readOnly: true, subPath: 'conf.json' },
    ])
    expect(pod.volumes![0].configMap.items.find((i) => i.path === 'run.sh')?.mode).toBe(0o755)
    const local = await cli(['run', 'kube-inputs', '--repo', repo, '--platform', 'x86_64', '--json'], { env })
    expect(local.code, local.stderr).toBe(0)
    const [here] = JSON.parse(local.stdout) as Array<{ metrics: Record<string, { median: number }>; outputs: unknown[]; id: string }>
    const log = runPod(job, jobs[0], 0, 'worker-a', { mounts: configMapMounts(jobs[0], configMaps, path.join(work, 'kubelet', job.id)) })
    const { record, dir } = await recordFromLog(job, log, 0)
    expect(record.status, readFileSync(path.join(dir, 'stderr.log'), 'utf8')).toBe('ok')
    expect(record.metrics.n.median).toBe(42)
    expect(record.metrics.k.median).toBe(7)
    expect(record.metrics.n.median).toBe(here.metrics.n.median)
    expect(record.outputs).toEqual(here.outputs)
    const stdout = readFileSync(path.join(dir, 'stdout.log'), 'utf8')
    expect(stdout).toContain('script ran')
    expect(stdout).toContain('nested input')
    expect(stdout).toContain('readonly')
    expect(stdout).not.toContain('WRITABLE')
  })

  it('inputs larger than a ConfigMap holds: refused before anything is sent, with what to do', async () => {
    const res = await cli(
      ['run', 'kube-big-input', '--repo', repo, '--platform', 'x86_64', '--on', 'kubernetes', '--registry', REGISTRY, '--dry-run', '--json'],
      {
        env,
      },
    )
    expect(res.code, res.stdout + res.stderr).toBe(2)
    const err = JSON.parse(res.stdout) as { error: string; message: string; hint: string }
    expect(err.error).toBe('KUBE_INPUTS_TOO_LARGE')
    expect(err.message).toMatch(/1\.07 MiB|1\.1 MiB/)
    expect(err.hint).toMatch(/Slurm/)
  })

  it('a Job the API would refuse is refused, naming the field', () => {
    const bad = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x' },
      spec: { completions: 'three', template: { spec: { containers: [{ name: 'p', image: 'i' }] } } },
    }
    expect(() => validatedJob(bad)).toThrow(CmcError)
    expect(() => validatedJob(bad)).toThrow(/spec\/completions must be integer/)
  })

  it('without --registry, or without a cluster to reach: said before anything is built or sent', async () => {
    const noRegistry = await cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--on', 'kubernetes', '--json'], { env })
    expect(noRegistry.code).toBe(2)
    expect(JSON.parse(noRegistry.stdout).error).toBe('CLUSTER_FLAG')
    const noCluster = await cli(['run', 'echo-metrics', '--repo', repo, '--platform', 'x86_64', '--on', 'kubernetes', '--registry', REGISTRY, '--json'], {
      env,
    })
    expect(noCluster.code).toBe(10)
    const err = JSON.parse(noCluster.stdout) as { error: string; hint: string }
    expect(err.error).toBe('SCHEDULER_UNREACHABLE')
    expect(err.hint).toMatch(/KUBECONFIG/)
  })
})
