#!/usr/bin/env bash
# The test command (`npm test`): set up what is missing, then run every test
# project: unit tests, integration tests against the real Docker engine, and
# end-to-end tests of the built `cmc` binary. Docker tests fail (never skip)
# when no engine answers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The browser tests drive Debian's chromium through playwright-core (no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing chromium from Debian for the browser tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
  else
    echo "warning: chromium is missing and cannot be installed here; the browser tests will fail" >&2
  fi
fi
exec npx vitest run "$@"
