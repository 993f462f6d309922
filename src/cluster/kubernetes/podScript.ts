// What a pod of the Indexed Job runs, in the benchmark's own image: the
// benchmark's own command for the point JOB_COMPLETION_INDEX picks, its
// warm-ups and repeats one after another, each followed by what the record
// needs (its stdout, stderr, exit code, timings and outputs folder) printed
// to the pod log between marker lines, base64-encoded so that nothing the
// benchmark prints can pass for a marker. No shared filesystem: the
// submitter reads the log back (podLog.ts). Needs sh, base64, tar, timeout
// and GNU date in the image (Debian's base has them).
import { shellWord } from '../dockerRunArgs.js'

export const MARK = '@@cmc'

export interface PodPoint {
  /** The sweep point this completion index runs. */
  index: number
  /** The container's command (sh -c and its script, as the engine would be given it). */
  command: string[]
}

export function podScript(o: { points: PodPoint[]; attempts: number; timeoutS: number; outputsDir?: string }): string {
  const out = o.outputsDir ?? ''
  const cases = o.points.map((p, j) => `  ${j}) k=${p.index}; set -- ${p.command.map(shellWord).join(' ')} ;;`)
  return `set -u
case "\${JOB_COMPLETION_INDEX:?}" in
${cases.join('\n')}
  *) echo "${MARK} error no point for completion index $JOB_COMPLETION_INDEX"; exit 3 ;;
esac
node="\${CMC_NODE:-$(hostname)}"
now() { date +%s%3N; }
block() { echo "${MARK} $1"; base64; echo "${MARK} end"; }
echo "${MARK} started $k $(now) $node"
{
  echo "hostname=$node"
  echo "kernel=$(uname -r)"
  echo "arch=$(uname -m)"
  echo "cores=$(getconf _NPROCESSORS_ONLN)"
  echo "memkb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo 2>/dev/null)"
  echo "cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "\${PRETTY_NAME:-}")"
} | block host
out=${shellWord(out)}
i=0
while [ "$i" -lt ${o.attempts} ]; do
  [ -n "$out" ] && rm -rf "$out" && mkdir -p "$out"
  start=$(now)
  timeout ${o.timeoutS} "$@" >/tmp/cmc-stdout 2>/tmp/cmc-stderr
  code=$?
  end=$(now)
  timed_out=0
  [ "$code" = 124 ] && timed_out=1
  block "stdout $i" </tmp/cmc-stdout
  block "stderr $i" </tmp/cmc-stderr
  [ -n "$out" ] && [ -d "$out" ] && tar -C "$(dirname "$out")" -cf - "$(basename "$out")" | block "outputs $i"
  echo "${MARK} attempt $i $code $start $end $timed_out"
  [ "$code" = 0 ] || break
  i=$((i + 1))
done
echo "${MARK} done $(now)"
`
}
