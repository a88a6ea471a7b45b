#!/usr/bin/env bash
# Installs the Debian packages AEGrid builds against, only when something is missing.
# Idempotent and quiet: when everything is present it prints nothing and takes a fraction of a second.
# Usage: scripts/bootstrap.sh [extra-debian-package ...]
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
