#!/usr/bin/env bash
# A Docker engine for cmc on a fresh Debian machine, without any container
# registry: installs Debian's docker.io, debootstrap and qemu-user-static
# (arm64 through binfmt) when missing, registers the emulators, and starts
# dockerd in the background when no engine answers. Where an engine already
# answers (DOCKER_HOST, the current context, or the default socket) it is
# left alone. It also installs what the tests use: docker-registry, openssl
# and openssh-server (the endpoint tests start an sshd of their own on
# 127.0.0.1; where services run, Debian starts its ssh service on install
# as well: `systemctl disable --now ssh` stops it). Idempotent.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
engine_up() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need=()
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
[ -e /usr/bin/qemu-aarch64-static ] || [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || need+=(qemu-user-static binfmt-support)
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)

apt_install "${need[@]}"

# arm64 emulation: binfmt_misc mounted and qemu-aarch64 registered (F flag:
# works inside containers and chroots without copying qemu in).
if is_root; then
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || log "could not mount binfmt_misc (arm64 emulation unavailable)"
  fi
  if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || \
      (conf=/usr/lib/binfmt.d/qemu-aarch64.conf; [ -f "$conf" ] && cat "$conf" > /proc/sys/fs/binfmt_misc/register) || \
      log "could not register qemu-aarch64"
  fi
fi

if engine_up; then
  log "Docker engine is up ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  log "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"
  exit 1
fi
if ! is_root; then
  log "no Docker engine answers; start one as root: sudo bash $0"
  exit 1
fi
logfile=/var/log/cmc-dockerd.log
log "starting dockerd (log: $logfile)"
nohup dockerd >"$logfile" 2>&1 &
for _ in $(seq 1 60); do
  if engine_up; then
    log "Docker engine is up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
log "dockerd did not come up within 60 s; last lines of $logfile:"
tail -n 20 "$logfile" >&2 || true
exit 1
