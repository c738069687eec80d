#!/usr/bin/env bash
# Benchmarks (SPEC §8): print figures against real Postgres; nothing here asserts a timing.
#   DATABASE_URL defaults to the local Postgres; extra arguments go to bench-factors.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

echo "== factor math alone (libs/quant): 1,193 symbols x 254 dates x 7 regressions"
node --import tsx libs/quant/bench/factor-math.bench.ts
echo
echo "== phases 1.5 + 1.75 (factor use cases + Postgres store): 1,193 symbols x 254 dates"
factors_out="$(mktemp)"
trap 'rm -f "$factors_out"' EXIT
node --import tsx scripts/bench-factors.ts "$@" | tee "$factors_out"
floor=$(sed -n 's/.*; floor \([0-9.]*\) s;.*/\1/p' "$factors_out")
echo
echo "== universe run through the services (gRPC between them, real Postgres): 1,193 symbols x 252 dates"
FLOOR_S="${floor:-}" node --import tsx scripts/bench-pipeline.ts
echo
echo "== W1 onboarding through the services (OnboardPortfolio, real Postgres): 27 symbols x 254 dates"
node --import tsx scripts/bench-w1.ts
echo
echo "== W1 on the embedded default (PGlite in-process, unnest writes: what \`make demo\` users see)"
node --import tsx scripts/bench-w1.ts --embedded
