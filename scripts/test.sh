#!/usr/bin/env bash
# The test command (README: `make test`; CI: .ci/run). Contract checks, typecheck, then every
# test file in ONE node:test run so the closing "# tests / # pass / # fail" lines cover them all.
#   --unit   only the tests that need no Postgres/NATS (*.test.ts without .int./e2e)
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
export SIGMA_SHARED_DIR="${SIGMA_SHARED_DIR:-$(cd .. && pwd)/shared}"

echo "== contracts (buf lint, format, generated code)"
node scripts/check-generated.mjs
echo "== format and lint (biome)"
npx biome check --error-on-warnings .
echo "== dependency rules (dependency-cruiser, .dependency-cruiser.cjs)"
node scripts/check-deps.mjs
echo "== typecheck"
npx tsc -p tsconfig.json

shopt -s globstar nullglob
unit=()
integration=()
for f in libs/**/*.test.ts services/**/*.test.ts test/**/*.test.ts; do
  case "$f" in
    */node_modules/*) ;;
    *.int.test.ts|test/e2e/*) integration+=("$f") ;;
    *) unit+=("$f") ;;
  esac
done

files=("${unit[@]}")
if [[ "${1:-}" != "--unit" ]]; then
  echo "== checking Postgres ($DATABASE_URL) and NATS ($NATS_URL)"
  node scripts/wait-for-deps.mjs
  files+=("${integration[@]}")
fi
echo "== ${#files[@]} test files"
exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
