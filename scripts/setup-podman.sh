#!/usr/bin/env bash
# Podman's Docker-compatible socket for cmc, beside the Docker engine:
# installs Debian's podman when missing, writes a containers.conf read by
# cmc's podman service alone (CONTAINERS_CONF; the machine's own podman
# settings are left as they are), starts `podman system service` on
# $CMC_PODMAN_SOCKET when nothing answers there, and gives podman the
# bootstrapped base image without a registry (docker save | podman load, or
# `cmc base bootstrap` through the podman socket when the Docker engine has
# none). Use it with DOCKER_HOST=unix://$CMC_PODMAN_SOCKET. Idempotent; root
# is needed only for what is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

dir=/run/cmc-podman
sock=${CMC_PODMAN_SOCKET:-$dir/podman.sock}
conf=$dir/containers.conf
logfile=/var/log/cmc-podman.log
url=unix://$sock
podman_up() { timeout 5 podman --url "$url" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  log "$1; run this script as root: sudo bash $0"
  exit 1
}

if ! command -v podman >/dev/null 2>&1; then
  apt_install podman
fi

# Containers get the service's own limits: podman's default nofile/nproc
# limits cannot be set where the service runs with lower hard limits (a
# container, a sandbox), and every container start would fail.
want=$'# written by cmc scripts/setup-podman.sh for its podman service (CONTAINERS_CONF)\n[containers]\ndefault_ulimits = []\n'
if [ ! -f "$conf" ] || [ "$(cat "$conf")"$'\n' != "$want" ]; then
  need_root "$conf is missing or out of date"
  mkdir -p "$dir"
  printf '%s' "$want" >"$conf"
fi

if podman_up; then
  log "podman service is up at $url ($(podman --url "$url" version --format '{{.Server.Version}}'))"
else
  need_root "no podman service answers at $url"
  mkdir -p "$(dirname "$sock")"
  log "starting podman system service at $url (log: $logfile)"
  CONTAINERS_CONF=$conf nohup podman system service --time=0 "$url" >"$logfile" 2>&1 &
  for _ in $(seq 1 30); do
    podman_up && break
    sleep 1
  done
  if ! podman_up; then
    log "the podman service did not come up within 30 s; last lines of $logfile:"
    tail -n 20 "$logfile" >&2 || true
    exit 1
  fi
  log "podman service is up at $url"
fi

# The base image, from the Docker engine (the one DOCKER_HOST names, unless
# that is this podman socket) or bootstrapped through the podman socket.
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
base=cmc/base-debian:bookworm-$arch
if podman --url "$url" image exists "$base"; then
  log "podman has $base"
  exit 0
fi
docker_cli() { if [ "${DOCKER_HOST:-}" = "$url" ]; then env -u DOCKER_HOST docker "$@"; else docker "$@"; fi; }
if command -v docker >/dev/null 2>&1 && docker_cli image inspect "$base" >/dev/null 2>&1; then
  log "loading $base from the Docker engine into podman (docker save | podman load)"
  docker_cli save "$base" | podman --url "$url" load -q >/dev/null
else
  log "bootstrapping $base through the podman socket (debootstrap, no registry)"
  DOCKER_HOST=$url ./bin/run.js base bootstrap debian:bookworm --arch "$arch"
fi
podman --url "$url" image exists "$base"
log "podman has $base"
