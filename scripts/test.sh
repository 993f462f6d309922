#!/usr/bin/env bash
# The test command (`npm test`): set up what is missing, then run every test
# project: unit tests, integration tests against the real Docker engine, and
# end-to-end tests of the built `cmc` binary. Docker tests fail (never skip)
# when no engine answers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vitest run "$@"
