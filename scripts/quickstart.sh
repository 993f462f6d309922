#!/usr/bin/env bash
# The README's first command: from a fresh Debian machine to benchmark numbers.
# Sets up everything (node modules, Docker engine, a local base image made with
# debootstrap), builds the memory-bandwidth example for x86_64, runs a sweep over
# OpenMP threads and shows the recorded results.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
CMC_BASE_ARCHES=${CMC_BASE_ARCHES:-amd64} bash scripts/setup.sh
cmc() { ./bin/run.js "$@"; }
# the example artifacts (stream, matmul-numpy, resnet18-torch, ...) of this clone, even when
# another clone registered its own as `examples` before
cmc repo add examples --replace >/dev/null
echo "==> cmc run stream --set threads=1,2 (builds the image first)" >&2
cmc run stream --platform x86_64 --set threads=1,2 --tag quickstart
echo "==> cmc exp list --where 'benchmark = stream'" >&2
cmc exp list --where 'benchmark = stream and tags = quickstart' --limit 10
echo "==> done in $(( $(date +%s) - start )) s. Next: ./bin/run.js exp show <id>, ./bin/run.js report -o report.html" >&2
