#!/usr/bin/env bash
# `npm start`: install what is missing, compile the server (dist/) and build the web UI when they
# are missing or stale, then run XOS on the embedded database (./data) at http://localhost:8000. The first start creates an
# administrator: XOS_ADMIN_EMAIL and XOS_ADMIN_PASSWORD choose it, otherwise a password is
# generated and printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
bash ui/build.sh || echo "The web UI could not be built (see above); the API works without it."
node scripts/build.mjs --if-stale
exec node bin/xos serve "$@"
