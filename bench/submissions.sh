#!/usr/bin/env bash
# Durable portal submissions per second on the embedded SQLite default
# (synchronous=FULL), 64 concurrent clients with their own Idempotency-Keys,
# beside /health/ready in the same run. Prints the figures; needs wrk.
#   bash bench/submissions.sh [seconds]
# BISTAND_BIN names another binary to measure (no build then), to compare two
# builds on the same machine in one sitting.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
if [ -n "${BISTAND_BIN:-}" ]; then
    bin=$BISTAND_BIN
else
    cargo build --release -q
    bin=target/release/bistand
fi
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# One portal client sends everything: its request budget is off here.
BISTAND_RATE_LIMIT=0 BISTAND_LOG_FORMAT=text RUST_LOG=warn "$bin" --data-dir "$data" serve --bind "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
# The portal's real path: a registered API client and the client-credentials
# grant, so every request also checks that the client is not revoked.
client=$("$bin" --data-dir "$data" client add --role eservice --municipality 0483 --name bench-portal)
client_id=$(echo "$client" | awk '/client_id:/ {print $2}')
client_secret=$(echo "$client" | awk '/client_secret:/ {print $2}')
export BISTAND_TOKEN=$(curl -sf -u "$client_id:$client_secret" -d grant_type=client_credentials \
    "http://127.0.0.1:$port/oauth/token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
export BENCH_MONTH=$(date +%Y-%m)
export BENCH_RUN=$(date +%s)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "== POST /api/v1/0483/applications (64 connections, ${duration}s, synchronous=FULL, client-credentials token)"
result=$(wrk -t2 -c64 -d"${duration}s" --latency -s bench/submit.lua "http://127.0.0.1:$port" | grep -E '^(submissions|latency):')
echo "$result"
# A run that created nothing measured refusals, not submissions.
echo "$result" | grep -q '^submissions: 0 created' && { echo "no submission was created: the body no longer fits the contract" >&2; exit 1; }
echo "== GET /health/ready (64 connections, 10s)"
wrk -t2 -c64 -d10s --latency -s bench/ready.lua "http://127.0.0.1:$port/health/ready" | grep -E '^(ready|latency):'
kill $server; wait $server 2>/dev/null || true
echo "== audit chain after the run"
"$bin" --data-dir "$data" audit verify | grep -E '"(valid|records_checked)"'
python3 - "$data/bistand.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
apps = db.execute("select count(*) from applications").fetchone()[0]
keys = db.execute("select count(*) from idempotency_keys").fetchone()[0]
print(f"on disk after the server stopped: {apps} applications, {keys} idempotency keys")
PY
