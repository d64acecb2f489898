#!/usr/bin/env bash
# Install Debian packages as root, or through sudo; `apt-get update` once per run.
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Please install these Debian packages: $*" >&2; exit 1; fi
stamp=/tmp/.motcua-apt-updated
if [ ! -e "$stamp" ]; then $SUDO apt-get update -qq && touch "$stamp"; fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
