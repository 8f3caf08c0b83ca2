#!/usr/bin/env bash
# Owner-api benchmark (issue 7 point 8): wrk against /scores/rank, /miners/active and /overview
# with 256 miners, 64 validators and 20,000 samples in PostgreSQL.
# Needs: wrk (Debian `wrk`), PostgreSQL (`initdb`/`pg_ctl`, Debian `postgresql`), or
# LEOMA_TEST_DATABASE_URL pointing at an empty database.
# Usage: bins/leoma-owner-api/tests/bench.sh   (from the workspace root; builds --release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
(cd "$ROOT" && cargo build -q --release -p leoma-owner-api)
BIN="$TARGET/release/leoma-owner-api"
WORK=$(mktemp -d)
SERVER=""
PG_DATA=""
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u nobody --); chown nobody:nogroup "$WORK"; fi
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  [ -n "$PG_DATA" ] && "${AS[@]}" pg_ctl -D "$PG_DATA" -m immediate stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
if [ -n "${LEOMA_TEST_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$LEOMA_TEST_DATABASE_URL"
else
  PG_DATA="$WORK/pg"
  PG_PORT=$(free_port)
  "${AS[@]}" initdb --auth=trust -U postgres -D "$PG_DATA" >/dev/null
  "${AS[@]}" pg_ctl -D "$PG_DATA" -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK" \
    -l "$WORK/pg.log" -w start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
"$BIN" seed --miners 256 --validators 64 --samples 20000
PORT=$(free_port)
"$BIN" serve --host 127.0.0.1 --port "$PORT" --public-rate-limit-rps 0 --assume-chutes-hot \
  --no-background >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.2
done
for path in /scores/rank /miners/active /overview; do
  echo "== $path"
  curl -sf "http://127.0.0.1:$PORT$path" -o "$WORK/body"; head -c 160 "$WORK/body"; echo
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$path" \
    | grep -E "Requests/sec|Latency  |  99%|Non-2xx"
done
