#!/usr/bin/env bash
# Fetches the pinned front-end packages (npm ci, from package-lock.json) when
# they are missing or outdated, and copies what the binary serves into
# internal/web/static/vendor/ (not committed; embedded at build time).
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
if [ -f "$dst/STAMP" ] && [ "$(cat "$dst/STAMP")" = "$stamp" ]; then
  exit 0
fi
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
