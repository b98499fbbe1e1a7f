# The two commands of the README:
#   make run   fetches the front-end assets if needed and serves Sportello with
#              demo data on the embedded SQLite file sportello.db;
#   make test  runs every test (see scripts/test.sh).

.PHONY: run test assets build bench

run: assets
	go run ./cmd/sportello

test: assets
	./scripts/test.sh

# npm ci (pinned by package-lock.json) and copy bootstrap-italia into the
# embedded static folder; does nothing when already up to date.
assets:
	./scripts/assets.sh

build: assets
	go build -o bin/sportello ./cmd/sportello

bench:  # interleaved rounds of the store benchmarks; see docs/BENCHMARKS.md
	./scripts/bench.sh
