#!/usr/bin/env bash
# The accessibility browser tests inject axe-core (npm, pinned in tests/e2e/axe/package-lock.json) into
# Chromium. Idempotent: nothing is done when the locked version is already installed.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/axe"
want=$(node -e 'console.log(require("./package-lock.json").packages["node_modules/axe-core"].version)' 2>/dev/null || true)
have=$(node -e 'console.log(require("./node_modules/axe-core/package.json").version)' 2>/dev/null || true)
if [ -n "$want" ] && [ "$want" = "$have" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "Install npm (Debian package) to run the accessibility tests; they skip without axe-core." >&2
    exit 0
  fi
fi
npm ci --no-audit --no-fund --silent
