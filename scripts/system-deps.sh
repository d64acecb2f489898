#!/usr/bin/env bash
# Install the Debian packages that the demo (PDF rendering) or the tests (PDF/QR checkers, browser)
# need, only when missing (the tests also need npm, to fetch axe-core).
set -euo pipefail
mode="${1:-demo}"
missing=()
# grep reads all of it: `grep -q` would quit early, ldconfig would get SIGPIPE and, under
# pipefail, a present library would count as missing.
has_lib() { ldconfig -p 2>/dev/null | grep -F "$1" >/dev/null; }
has_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
has_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
has_lib libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation2)
if [ "$mode" = test ]; then
  command -v pdfsig >/dev/null && command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null \
    || missing+=(poppler-utils)
  command -v zbarimg >/dev/null || missing+=(zbar-tools)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v msgfmt >/dev/null || missing+=(gettext)
  command -v npm >/dev/null || missing+=(npm)  # fetches axe-core for the browser tests
  # Signing tests: a PKCS#11 token (SoftHSM2), pkcs11-tool, and NSS's certutil for pdfsig's trust.
  command -v softhsm2-util >/dev/null || missing+=(softhsm2)
  command -v pkcs11-tool >/dev/null || missing+=(opensc)
  command -v certutil >/dev/null || missing+=(libnss3-tools)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  if ! scripts/apt-install.sh "${missing[@]}"; then
    if [ "$mode" = test ]; then exit 1; fi
    echo "warning: without them the demo cannot render PDF forms" >&2
  fi
fi
