#!/usr/bin/env bash
# `npm start`: install what is missing, then run XOS on the embedded database (./data) at
# http://localhost:8000. The first start creates an administrator: XOS_ADMIN_EMAIL and
# XOS_ADMIN_PASSWORD choose it, otherwise a password is generated and printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node bin/xos serve "$@"
