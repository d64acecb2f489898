#!/usr/bin/env bash
# Create the virtualenv; on a fresh Debian the venv module is a separate package.
set -euo pipefail
python="$1"; venv="$2"
if [ -z "$python" ]; then echo "Python 3.11 is required (Debian 12: apt-get install python3)" >&2; exit 1; fi
"$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || {
  echo "Python 3.11 is required, found: $("$python" --version)" >&2; exit 1; }
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  echo "Installing python3-venv (Debian)…"
  scripts/apt-install.sh python3-venv python3.11-venv
  "$python" -m venv "$venv"
fi
