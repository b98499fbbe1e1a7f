#!/usr/bin/env bash
# Runs the store benchmarks in interleaved rounds (every configuration once
# per round, so disk drift hits them all) and prints the raw `go test`
# output. docs/BENCHMARKS.md explains how the ratios are taken.
#
#   scripts/bench.sh [rounds] [transactions per run]   (defaults: 5, 2000)
#
# PostgreSQL is included when SPORTELLO_TEST_POSTGRES is set.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
n=${2:-2000}
bin=$(mktemp -d)/storetest.test
go test -c -o "$bin" ./internal/store/storetest/
echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
for r in $(seq 1 "$rounds"); do
  echo "# round $r"
  if [ $((r % 2)) = 1 ]; then order="RegisteringTx RegisteringConcurrent"; else order="RegisteringConcurrent RegisteringTx"; fi
  for b in $order; do
    (cd internal/store/storetest && "$bin" -test.run '^$' -test.bench "^Benchmark$b\$" -test.benchtime "${n}x" -test.benchmem)
  done
done
