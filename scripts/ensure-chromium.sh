#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser); PDF tests read text with poppler.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" fonts-dejavu-core >/dev/null
  else
    echo "Install ${missing[*]} (Debian packages) to run the browser tests; they skip without it." >&2
  fi
fi
