#!/usr/bin/env bash
# Benchmarks (SPEC §8): print figures against real Postgres; nothing here asserts a timing.
#   DATABASE_URL defaults to the local Postgres; extra arguments go to bench-factors.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

echo "== phases 1.5 + 1.75 (factor service): 1,193 symbols x 254 dates"
node --import tsx scripts/bench-factors.ts "$@"
