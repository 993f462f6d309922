#!/usr/bin/env bash
# Everything a fresh Debian machine needs before cmc can build and run:
# node modules, the compiled CLI, a Docker engine (Debian's docker.io, started
# here when none answers), debootstrap + qemu for arm64, and local base images
# bootstrapped from Debian's mirror (no container registry is needed).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing node modules (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "compiling the CLI"
npm run --silent build

bash scripts/setup-engine.sh

arches=${CMC_BASE_ARCHES:-amd64 arm64}
for arch in $arches; do
  if ! ./bin/run.js base list --json 2>/dev/null | grep -q "bookworm-$arch"; then
    log "bootstrapping base image debian:bookworm for $arch (debootstrap, no registry)"
    ./bin/run.js base bootstrap debian:bookworm --arch "$arch"
  fi
done
bash scripts/setup-podman.sh  # podman's Docker-compatible socket, given the base image bootstrapped above
bash scripts/setup-postgres.sh >/dev/null  # PostgreSQL on 127.0.0.1:55432 for the hub (its tests and quick start)
bash scripts/setup-slurm.sh  # a Slurm cluster on this host (slurmctld, nodes n1 and n2) for cmc run --on slurm
log "ready"
