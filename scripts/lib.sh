# Sourced by the setup scripts: their log line, and one way to install what a
# fresh Debian machine lacks (as root, from Debian's own mirror), or say how.

log() { printf '==> %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

# apt_install PKG...: installs the packages (once each), or exits 1 naming the
# command to run where this is not root on Debian.
apt_install() {
  [ $# -gt 0 ] || return 0
  local pkgs
  pkgs=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
  if ! is_root || [ ! -f /etc/debian_version ]; then
    log "missing: ${pkgs% }; install them (Debian: apt-get install ${pkgs% }) or run this script as root"
    exit 1
  fi
  log "installing ${pkgs% } from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null 2>&1 || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  }
}
