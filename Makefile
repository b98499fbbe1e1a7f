# The two commands of the README. `make run` serves Sportello with demo data
# on the embedded SQLite file sportello.db; `make test` runs every test.

.PHONY: run test build bench

run:
	go run ./cmd/sportello

test:
	./scripts/test.sh

build:
	go build -o bin/sportello ./cmd/sportello

bench:  # interleaved rounds of the store benchmarks; see docs/BENCHMARKS.md
	./scripts/bench.sh
