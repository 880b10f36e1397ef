#!/usr/bin/env bash
# The indicators at a country's scale on the embedded SQLite default: loads
# synthetic rows (290 municipalities, ten years, about 100,000 households
# granted a month unless told otherwise), builds the kept cells from them and
# prints the time beside a plain GROUP BY giving the same cells, then the
# p50/p95 of three reads of values through the service's routes beside a
# GROUP BY over the rows and /health/ready. Needs some 12 GiB free in the
# temporary folder at full scale.
#   bash bench/indicators.sh [municipalities] [years] [households a month] [reads]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example indicators
exec target/release/examples/indicators "$@"
