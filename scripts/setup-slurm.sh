#!/usr/bin/env bash
# A real Slurm cluster on this one Debian host, for `cmc run --on slurm` and
# its tests: Debian's slurm-wlm and munge, a munge key, and a slurm.conf for
# one slurmctld and two slurmd daemons (n1 and n2, each started with
# `slurmd -N NAME` on a port of its own), their state under one folder of
# their own. The nodes run as root, so their tasks can use the Docker engine.
# Partitions: `debug` (n1, n2; the default) and `far`, whose one node is
# declared FUTURE on another host name: nothing runs there, but cmc's checks
# see a node that does not share this host's folders.
# Idempotent: a second run only checks that both nodes answer idle.
#   CMC_SLURM_DIR  where state and logs go (default /var/lib/cmc-slurm)
#   CMC_SLURM_PORT the first of three ports (slurmctld, n1, n2; default 6917)
set -euo pipefail

. "$(dirname "$0")/lib.sh"

state=${CMC_SLURM_DIR:-/var/lib/cmc-slurm}
port=${CMC_SLURM_PORT:-6917}
conf=/etc/slurm/slurm.conf
marker='# written by cmc scripts/setup-slurm.sh'

need=()
command -v sbatch >/dev/null 2>&1 || need+=(slurm-wlm)
[ -x /usr/sbin/slurmctld ] || need+=(slurm-wlm)
[ -x /usr/sbin/munged ] || need+=(munge)
apt_install "${need[@]}"

nodes_idle() {
  local out
  out=$(timeout 10 sinfo -h -N -p debug -o '%N %t' 2>/dev/null) || return 1
  [ "$(grep -cE '^n[12] idle$' <<<"$out")" = 2 ]
}

if nodes_idle; then
  log "Slurm is up: $(sinfo -h -N -p debug -o '%N=%t' | tr '\n' ' ')"
  exit 0
fi
if ! is_root; then
  log "Slurm is not running; start it as root: sudo bash $0"
  exit 1
fi

# munge: a key of its own, the daemon as the munge user
if [ ! -s /etc/munge/munge.key ]; then
  log "making a munge key"
  mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
fi

mkdir -p "$state/ctld" "$state/log"
if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
  log "$conf exists and is not cmc's; left alone (it must define partition debug with nodes n1, n2)"
else
  cpus=$(nproc)
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 4))
  cat >"$conf.new" <<EOF
$marker
ClusterName=cmc
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# each slurmd is told what it has: two daemons share this host's CPUs
SlurmdParameters=config_overrides
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd.%n
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.%n.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.%n.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
# finished jobs stay visible to squeue/scontrol for an hour
MinJobAge=3600
KillWait=10
InactiveLimit=0
Waittime=0
MaxArraySize=10001
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 1)) CPUs=$cpus RealMemory=$mem State=UNKNOWN
NodeName=n2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 2)) CPUs=$cpus RealMemory=$mem State=UNKNOWN
NodeName=far1 NodeHostname=far1 NodeAddr=127.0.0.3 Port=$((port + 3)) CPUs=1 State=FUTURE
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
PartitionName=far Nodes=far1 MaxTime=INFINITE State=UP
EOF
  mv "$conf.new" "$conf"
  [ -f /etc/slurm/cgroup.conf ] || printf 'CgroupPlugin=autodetect\n' >/etc/slurm/cgroup.conf
fi

ctld_up() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }
if ! ctld_up; then
  log "starting slurmctld (log: $state/log/slurmctld.log)"
  /usr/sbin/slurmctld
  for _ in $(seq 1 30); do ctld_up && break; sleep 0.5; done
fi
for n in n1 n2; do
  pidfile="$state/slurmd.$n.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then continue; fi
  log "starting slurmd -N $n"
  mkdir -p "$state/slurmd.$n"
  /usr/sbin/slurmd -N "$n"
done
# a node left DOWN by an earlier run (its daemon killed) comes back
for _ in $(seq 1 60); do
  nodes_idle && break
  scontrol update NodeName=n1,n2 State=RESUME >/dev/null 2>&1 || true
  sleep 1
done
if ! nodes_idle; then
  log "the nodes did not come up idle; sinfo says:"
  sinfo -N >&2 || true
  tail -n 20 "$state/log/slurmctld.log" >&2 || true
  exit 1
fi
log "Slurm is up: $(sinfo -h -N -p debug -o '%N=%t' | tr '\n' ' ')"
