#!/usr/bin/env bash
# `make demo`: start every service in one process on the embedded defaults (PGlite, a nats-server
# child if one is installed, the synthetic price provider), run the main job with live progress,
# show the result, then stop. Override with DATABASE_URL, NATS_URL, SIGMA_PRICES, SIGMA_AS_OF.
set -euo pipefail
cd "$(dirname "$0")/.."

SIGMA="node services/cli/bin/sigma.js"
LOG="$(mktemp -t sigma-demo.XXXXXX.log)"
BASE_PORT="${SIGMA_DEMO_BASE_PORT:-50051}"
export SIGMA_URL="http://127.0.0.1:${BASE_PORT}"
export SIGMA_MARKET_DATA_URL="http://127.0.0.1:$((BASE_PORT + 1))"
export SIGMA_FACTOR_URL="http://127.0.0.1:$((BASE_PORT + 2))"
export SIGMA_STATUS_URL="http://127.0.0.1:$((BASE_PORT + 5))"
unset SIGMA_TOKEN SIGMA_JWT_SECRET

echo "== starting the Sigma stack (sigma dev; log: $LOG)"
SIGMA_AUTH=dev $SIGMA dev --ephemeral --base-port "$BASE_PORT" --http-port "${SIGMA_DEMO_HTTP_PORT:-8080}" >"$LOG" 2>&1 &
DEV_PID=$!
cleanup() { kill "$DEV_PID" 2>/dev/null && wait "$DEV_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  grep -q "^ready" "$LOG" && break
  if ! kill -0 "$DEV_PID" 2>/dev/null; then cat "$LOG"; echo "sigma dev failed to start"; exit 1; fi
  sleep 0.5
done
grep -q "^ready" "$LOG" || { cat "$LOG"; echo "sigma dev did not become ready"; exit 1; }
sed -n '1,/^ready/p' "$LOG"

# A 27-symbol universe like the old system's onboarding workload; GGIPX is a mutual fund the
# synthetic provider (like real ones) does not carry: it must show up as unavailable, not fail the run.
SYMBOLS="AAPL MSFT JPM XOM GLD QQQ VO EFA IEFA AGG MUB GOVT IAU NVDA AMZN GOOGL META BRK-B JNJ PG V MA HD KO PEP DIS GGIPX"
echo
echo "== sigma symbols add $SYMBOLS"
$SIGMA symbols add $SYMBOLS
echo
echo "== sigma run   (universe run: 1 market data for every symbol + the 8 factor ETFs with history for the longest window, 1.5 factor betas, 1.75 symbol metrics)"
$SIGMA run
echo
echo "== sigma runs"
$SIGMA runs --limit 3
RUN_ID=$($SIGMA runs --json --limit 1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].id))')
echo
echo "== sigma status $RUN_ID   (projected by the status service from the NATS event stream)"
$SIGMA status "$RUN_ID"
echo
echo "== sigma symbols list"
$SIGMA symbols list
END=$($SIGMA runs --json --limit 1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].endDate))')
echo
echo "== sigma prices SPY (last week up to the target date $END)"
$SIGMA prices SPY --from "$(node -e "const d=new Date('$END');d.setUTCDate(d.getUTCDate()-7);console.log(d.toISOString().slice(0,10))")" --to "$END"
FROM=$(node --import tsx -e "import { addTradingDays } from '@sigma/calendar'; console.log(addTradingDays('$END', -62))")
echo
echo "== sigma run --force --from $FROM --to $END   (a 63-date backfill: phases 1.5 and 1.75 run chunk by chunk, 21 dates each)"
$SIGMA run --force --from "$FROM" --to "$END"
echo
echo "== sigma factors --symbols AAPL,JPM,SPY,TLT --date $END   (phase 1.5: the 12 factor betas, stored for every date of the run)"
$SIGMA factors --symbols AAPL,JPM,SPY,TLT --date "$END"
echo
echo "== sigma metrics --symbols AAPL,SPY --date $END   (phase 1.75)"
$SIGMA metrics --symbols AAPL,SPY --date "$END"
echo
echo "demo finished: stopping the stack"
