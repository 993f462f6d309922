// What runs on a node: a POSIX-shell-and-bash script that needs the node's
// container engine (Docker, else Podman) and the shared job folder, and no
// cmc, no Node. It runs its point's warm-ups and repeats as `docker run`,
// each the container the local engine would have made, and leaves its logs,
// exit codes, timings and outputs in its task folder; the node's fingerprint
// goes into hosts/<node>/ once. The submitter turns the folder into the
// record (replayTask.ts). A task stopped by its scheduler (cancel, time
// limit, preemption) removes its container on the way out.
import { HOST_FILES } from './taskFiles.js'
import { shellWord, type NodeContainer } from './dockerRunArgs.js'

/** How a node finds the image. */
export type ImageSource = { via: 'registry'; ref: string } | { via: 'archive'; ref: string; archive: string } | { via: 'local'; ref: string }

export interface PointFile {
  index: number
  label: string
  container: NodeContainer
  /** The image of the point's platform, as the nodes get it. */
  image: ImageSource
  /** Its Docker platform (linux/arm64): the engine runs that, emulated or not, or says it cannot. */
  dockerPlatform: string
  attempts: number
  timeoutS: number
}

/** points/<k>.sh: the point's container as shell arrays, sourced by the task. */
export function renderPointFile(p: PointFile): string {
  const words = (xs: string[]) => xs.map(shellWord).join(' ')
  return [
    `# point ${p.index}: ${p.label.replace(/\n/g, ' ')}`,
    `attempts=${p.attempts}`,
    `timeout_s=${p.timeoutS}`,
    `image=${shellWord(p.image.ref)}`,
    `archive=${shellWord(p.image.via === 'archive' ? p.image.archive : '')}`,
    `platform=${shellWord(p.dockerPlatform)}`,
    `outputs_target=${shellWord(p.container.outputsTarget ?? '')}`,
    `outputs_dir=${shellWord(p.container.outputsDir ?? '')}`,
    `args=(${words(p.container.options)})`,
    `cmd=(${words(p.container.command)})`,
    '',
  ].join('\n')
}

export interface TaskScriptOptions {
  jobDir: string
  cmcJob: string
  /** How the nodes get the images (each point names its own). */
  via: ImageSource['via']
  /** The variable that holds the task's index (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX). */
  indexVar: string
  /** The variable that names the submission (SLURM_ARRAY_JOB_ID). */
  submissionVar: string
  /** The variable that names the node (SLURMD_NODENAME). */
  nodeVar: string
  /** Lines put first (#SBATCH directives). */
  header?: string[]
}

export function renderTaskScript(o: TaskScriptOptions): string {
  const q = shellWord
  return `#!/bin/bash
${(o.header ?? []).join('\n')}
# cmc cluster task: runs sweep point $${o.indexVar} of job ${o.cmcJob} with the node's container engine.
set -u
job=${q(o.jobDir)}
k=\${${o.indexVar}:?}
node=\${${o.nodeVar}:-$(hostname)}
task="$job/runs/\${${o.submissionVar}:?}/$k"
mkdir -p "$task/out"
now() { date +%s%3N; }
fail() { printf '%s\\n' "$*" >"$task/error"; now >"$task/done.tmp" && mv "$task/done.tmp" "$task/done"; exit 3; }
echo "$(now) $node" >"$task/started"
engine=$(command -v docker || command -v podman) || fail "no docker or podman on $node ($(hostname))"
. "$job/points/$k.sh" || fail "cannot read $job/points/$k.sh from $node"


${imageStep(o.via)}

name=
cleanup() { [ -n "$name" ] && "$engine" rm -f "$name" >/dev/null 2>&1; }
trap 'cleanup; exit 143' TERM INT HUP
for ((i = 0; i < attempts; i++)); do
  name="cmc-${o.cmcJob}-$k-$i-$$"
  out="$task/out/a$i"
  mkdir -p "$out"
  # outputs bind-mounted into the task folder: the container can go as it exits
  mount=()
  [ -n "$outputs_target" ] && mount=(--rm -v "$out:$outputs_target")
  start=$(now)
  "$engine" run --name "$name" --label cmc.job=${q(o.cmcJob)} --label cmc.task="$k" "\${pull[@]}" --platform "$platform" "\${mount[@]}" "\${args[@]}" "$image" "\${cmd[@]}" >"$task/a$i.out" 2>"$task/a$i.err" &
  runner=$!
  sleep "$timeout_s" &
  sleeper=$!
  timed_out=0
  wait -n -p first "$runner" "$sleeper"
  code=$?
  if [ "$first" = "$sleeper" ]; then
    timed_out=1
    "$engine" kill "$name" >/dev/null 2>&1
    wait "$runner"
    code=$?
  else
    kill "$sleeper" 2>/dev/null
  fi
  end=$(now)
  # outputs not at a mount point (an outputs folder an input is inside of) are copied out
  [ -z "$outputs_target" ] && [ -n "$outputs_dir" ] && "$engine" cp "$name:$outputs_dir/." "$out" >/dev/null 2>&1
  [ -z "$outputs_target" ] && "$engine" rm -f "$name" >/dev/null 2>&1
  name=
  # the image not on this node yet: loaded once, and the attempt run again
  if [ "$code" = 125 ] && [ -z "$loaded" ] && grep -q 'No such image' "$task/a$i.err"; then
    loaded=1
    load_image
    i=$((i - 1))
    continue
  fi
  echo "$i $code $start $end $timed_out" >>"$task/attempts"
  [ "$code" = 0 ] || break
done
# the node's own fingerprint, once per node, after its first containers (never while a benchmark runs)
host="$job/hosts/$(printf %s "$node" | tr -c 'A-Za-z0-9_.\\n-' _)"
if [ ! -e "$host/${HOST_FILES.done}" ]; then
  tmp="$host.$$"
  mkdir -p "$tmp"
  {
    echo "hostname=$(hostname)"
    echo "kernel=$(uname -r)"
    echo "arch=$(uname -m)"
    echo "cores=$(getconf _NPROCESSORS_ONLN)"
    echo "memkb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
    echo "cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "os=$(. /etc/os-release 2>/dev/null && echo "\${PRETTY_NAME:-}")"
  } >"$tmp/${HOST_FILES.env}"
  "$engine" version --format '{{json .}}' >"$tmp/${HOST_FILES.version}" 2>/dev/null &
  "$engine" info --format '{{json .}}' >"$tmp/${HOST_FILES.info}" 2>/dev/null &
  wait
  for g in /proc/driver/nvidia/gpus/*/information; do [ -e "$g" ] && grep -m1 '^Model' "$g"; done >"$tmp/${HOST_FILES.gpus}" 2>/dev/null
  [ -e /dev/kfd ] && echo 'Model: ROCm device (/dev/kfd)' >>"$tmp/${HOST_FILES.gpus}"
  touch "$tmp/${HOST_FILES.done}"
  mkdir -p "$(dirname "$host")"
  mv -T "$tmp" "$host" 2>/dev/null || rm -rf "$tmp"
fi
now >"$task/done.tmp" && mv "$task/done.tmp" "$task/done"
`
}

/**
 * How the task gets the image: pulled from the registry when the node lacks
 * it; from the archive in the job folder only when `docker run` says it has
 * no such image (one engine call less for every task on a node that has it).
 */
function imageStep(via: ImageSource['via']): string {
  const common = `loaded=1\npull=()\nload_image() { :; }`
  if (via === 'registry')
    return `${common}
"$engine" image inspect "$image" >/dev/null 2>&1 || "$engine" pull -q --platform "$platform" "$image" >"$task/pull.log" 2>&1 || fail "cannot pull $image on $node: $(tail -n 3 "$task/pull.log")"`
  if (via === 'archive')
    return `loaded=
pull=(--pull never)
# one load per node and image: the first task loads, the others wait for it
load_image() {
  flock "$archive.lock" sh -c '"$1" image inspect "$2" >/dev/null 2>&1 || "$1" load -q -i "$3"' sh "$engine" "$image" "$archive" >"$task/load.log" 2>&1 ||
    fail "cannot load $archive on $node: $(tail -n 3 "$task/load.log")"
}`
  return common
}
