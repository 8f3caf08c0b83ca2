#!/usr/bin/env bash
# Schemathesis against a live owner-api seeded with data (issue 7 point 6): no 5xx and no
# response that violates /openapi.json. Needs schemathesis 4.32.5 in the tools venv:
#   $HOME/.cache/leoma-tools/venv/bin/pip install schemathesis==4.32.5
# Usage: bins/leoma-owner-api/tests/schemathesis.sh   (from the workspace root; builds the binary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
VENV=${LEOMA_TOOLS_VENV:-$HOME/.cache/leoma-tools/venv}
ST="$VENV/bin/schemathesis"
if [ ! -x "$ST" ]; then
  echo "schemathesis is missing: $VENV/bin/pip install schemathesis==4.32.5" >&2
  exit 1
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
(cd "$ROOT" && cargo build -q -p leoma-owner-api)
BIN="$TARGET/debug/leoma-owner-api"
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export LEOMA_OWNER_DATA_DIR="$WORK/data"
"$BIN" seed --miners 16 --validators 4 --samples 400 >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --host 127.0.0.1 --port "$PORT" --public-rate-limit-rps 0 --auth-rate-limit-rps 0 \
  --assume-chutes-hot --no-background >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.2
done
"$ST" run "http://127.0.0.1:$PORT/openapi.json" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --phases examples,coverage,fuzzing --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --workers 2 --generation-deterministic --suppress-health-check all
if grep -q "request failed" "$WORK/server.log"; then
  echo "server logged internal errors:" >&2
  grep "request failed" "$WORK/server.log" >&2
  exit 1
fi
