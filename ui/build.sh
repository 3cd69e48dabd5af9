#!/usr/bin/env bash
# Builds the web UI into ui/dist when it is missing or older than its sources; `npm start` and
# `npm test` run this, `npm run build:ui` forces a build. Production serves ui/dist from nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=ui/dist/.built
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] &&
  [ -z "$(find ui/src ui/public ui/index.html ui/vite.config.ts package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "Building the web UI (ui/dist)..."
rm -f "$stamp"
npx --no-install vite build --config ui/vite.config.ts --logLevel warn
touch "$stamp"
