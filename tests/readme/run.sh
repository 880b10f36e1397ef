#!/usr/bin/env bash
# Runs the README's walk-through as written (every ```sh block after a
# `<!-- walkthrough -->` line, in order) against a fresh
# `cargo run --release -- serve --demo`, on a free port instead of 8080 and
# a fresh data folder. Any HTTP error fails it: the walk-through shows none.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BISTAND_DATA_DIR="$work/data" BISTAND_LOG_FORMAT=text RUST_LOG=warn
cargo run -q --release -- serve --demo --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1500); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    sleep 0.2
done

{
    echo 'set -euo pipefail'
    echo 'curl() { command curl --fail-with-body "$@"; }'
    python3 - README.md <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
armed = inside = False
for line in lines:
    if inside:
        if line.startswith("```"):
            inside = False
        else:
            print(line)
    elif line.strip() == "<!-- walkthrough -->":
        armed = True
    elif armed and line.startswith("```sh"):
        inside, armed = True, False
PY
} | sed "s/localhost:8080/localhost:$port/g" >"$work/walkthrough.sh"

echo "== README walk-through ($(grep -c 'curl ' "$work/walkthrough.sh") requests)"
if ! bash "$work/walkthrough.sh"; then
    echo "the README walk-through failed; the service said:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
echo "== README walk-through ran as written"
