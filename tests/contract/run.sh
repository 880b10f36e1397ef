#!/usr/bin/env bash
# The contract as an integrator meets it: against a running release build
# with demo data, Redocly lints the committed contract, schemathesis runs
# every check and phase as each of the 8 roles, and a Python client
# generated from the contract runs the portal-to-case-system scenario.
#
# Usage: tests/contract/run.sh [path/to/bistand]   (default target/release/bistand)
# Needs: schemathesis, openapi-python-client and @redocly/cli (see .ci/run);
# REDOCLY names the redocly command when it is not on the PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${1:-target/release/bistand}
redocly=${REDOCLY:-redocly}

echo "== redocly lint"
"$redocly" lint openapi/openapi.json --format=summary 2>&1 | grep -Ev '^\s*$|[║╔╚]' || true
"$redocly" lint openapi/openapi.json >/dev/null 2>&1 || { "$redocly" lint openapi/openapi.json; exit 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$work/data"
export BISTAND_DATA_DIR="$data" BISTAND_LOG_FORMAT=text RUST_LOG=warn

"$bin" demo >/dev/null
# The rate limits are off here: fuzzing refuses thousands of requests per
# token on purpose, and the limits' own tests prove them.
BISTAND_RATE_LIMIT=0 BISTAND_REFUSAL_LIMIT=0 BISTAND_LOGIN_FAILURE_LIMIT=0 \
    "$bin" serve --bind "127.0.0.1:$port" >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
    curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
done

failed=0

echo "== generated client: the portal-to-case-system scenario"
client_of() {
    "$bin" client add --role "$1" --municipality 0483 --name "$2" | awk '/client_id/ {print $2} /client_secret/ {print $2}'
}
read -r -d '' portal_id portal_secret < <(client_of eservice portal; printf '\0') || true
read -r -d '' case_id case_secret < <(client_of case_system treserva; printf '\0') || true
openapi-python-client generate --path openapi/openapi.json \
    --output-path "$work/client/bistand_client" --meta none >"$work/generate.log" 2>&1 \
    || { cat "$work/generate.log"; exit 1; }
if ! PYTHONPATH="$work/client" BISTAND_URL="$base" \
    PORTAL_CLIENT_ID="$portal_id" PORTAL_CLIENT_SECRET="$portal_secret" \
    CASE_CLIENT_ID="$case_id" CASE_CLIENT_SECRET="$case_secret" \
    CASEWORKER_TOKEN=$("$bin" token --role caseworker --municipality 0483) \
    COACH_TOKEN=$("$bin" token --role coach --municipality 0483) \
    AUDITOR_TOKEN=$("$bin" token --role auditor --municipality 0483) \
    ANALYST_TOKEN=$("$bin" token --role analyst --municipality 0483) \
    python3 tests/client/scenario.py; then
    failed=1
fi

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
