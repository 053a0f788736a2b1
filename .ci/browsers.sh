#!/usr/bin/env bash
# Installs Debian's Chromium and Firefox ESR when they are missing (as root, or through sudo).
# `npm test` runs this first, so the README's test command works on a machine with only node and npm.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "browsers: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "browsers: installing ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
ff_major=$(/usr/bin/firefox-esr --version 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\)\..*/\1/p')
if [ -n "$ff_major" ] && [ "$ff_major" -lt 140 ]; then
  echo "browsers: Firefox ESR $ff_major is older than the manifest's 140" >&2
  exit 1
fi
echo "browsers: $(/usr/bin/chromium --version 2>/dev/null); $(/usr/bin/firefox-esr --version 2>/dev/null); node $(node --version)"
