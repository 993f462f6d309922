// The job folder, shared by the submitter and the nodes: what the submitter
// writes before submitting (the points, the image archive) and what each task
// writes as it runs, under runs/<submission>/<index>/. One module names every
// path, for the task script that writes them and the reader that turns them
// into records (replayTask.ts).
import path from 'node:path'

export const jobPaths = (dir: string) => ({
  dir,
  /** The batch script (Slurm) as submitted. */
  script: path.join(dir, 'job.sh'),
  /** points/<k>.sh: what task k runs, sourced by the task script. */
  point: (k: number) => path.join(dir, 'points', `${k}.sh`),
  pointsDir: path.join(dir, 'points'),
  /** hosts/<node>/: a node's fingerprint, written by its first task. */
  host: (node: string) => path.join(dir, 'hosts', safeName(node)),
  task: (submission: string, k: number) => path.join(dir, 'runs', safeName(submission), String(k)),
  /** The values of the benchmark's declared secrets (mode 0600): what the job (job.json, a dry run) keeps redacted. */
  secrets: path.join(dir, 'secrets.json'),
  /** Kubernetes: the inputs' files as sent in each Job's ConfigMap ({ key: base64 }), read once at submit. */
  podInputs: path.join(dir, 'pod-inputs.json'),
  /** The scheduler's own output of a task (Slurm's --output). */
  schedulerLog: path.join(dir, 'runs', 'slurm-%A_%a.out'),
})

/** What a task folder holds: the names the task script writes. */
export const taskPaths = (dir: string) => ({
  dir,
  /** "<epoch ms> <node name>": the task began. */
  started: path.join(dir, 'started'),
  /** One line per container run: "<attempt> <exit code> <start ms> <end ms> <timed out 0|1>". */
  attempts: path.join(dir, 'attempts'),
  stdout: (a: number) => path.join(dir, `a${a}.out`),
  stderr: (a: number) => path.join(dir, `a${a}.err`),
  outputs: (a: number) => path.join(dir, 'out', `a${a}`),
  /** Why the task could not run its point (no engine, the image not loadable). */
  error: path.join(dir, 'error'),
  /** "<epoch ms>", renamed into place last: the task is complete. */
  done: path.join(dir, 'done'),
})

/** Files each node fingerprint folder holds (hostFromNode in replayTask.ts reads them). */
export const HOST_FILES = { env: 'host.env', version: 'engine-version.json', info: 'engine-info.json', gpus: 'gpus.txt', done: 'done' } as const

function safeName(s: string): string {
  return s.replace(/[^\w.-]/g, '_')
}
