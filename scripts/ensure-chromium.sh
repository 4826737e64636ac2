#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser); PDF tests read text with poppler;
# the translation tests run makemessages and msgfmt (gettext) over the Spanish catalogue.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
{ command -v msgfmt && command -v xgettext; } >/dev/null || missing+=(gettext)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" fonts-dejavu-core >/dev/null
  else
    echo "Install ${missing[*]} (Debian packages) to run the browser and translation tests; they skip without it." >&2
  fi
fi
