#!/usr/bin/env bash
# `make bench`: runs every bench/bench_*.py; each prints its results as ratios against a
# baseline measured in the same run. Benchmarks that need the brokers start their own.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
benches=(bench/bench_*.py)
if ((${#benches[@]} == 0)); then
  echo "no benchmarks yet"
  exit 0
fi
# Run as modules from the project root, so `tests.support` (the brokers' start-up) imports
# without touching sys.path.
for bench in "${benches[@]}"; do
  echo "== $bench"
  module=${bench%.py}
  .venv/bin/python -m "${module//\//.}"
done
