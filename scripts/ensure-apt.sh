#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages given as arguments that are not installed yet.
# Uses sudo only when not root; runs `apt-get update` once, only when something is missing.
set -euo pipefail
missing=()
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "These packages are needed but this is not a Debian/Ubuntu system: ${missing[*]}" >&2
  echo "Install their equivalents with your package manager, then run make again." >&2
  exit 2
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
