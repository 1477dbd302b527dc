#!/usr/bin/env bash
# install-deps.sh -- install the Debian packages listed in scripts/packages.txt
# that are not installed yet. Idempotent: when everything is present it runs no
# apt-get at all, so `make run` / `make test` stay fast on a prepared machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A line is "PACKAGE" or "PACKAGE COMMAND": with a COMMAND, the package is
# also satisfied when that command is already on PATH (e.g. npm shipped
# inside another vendor's nodejs package, which conflicts with Debian's npm).
mapfile -t wanted < <(sed -e 's/#.*//' "$here/packages.txt" | awk 'NF')
missing=()
for line in "${wanted[@]}"; do
    read -r pkg cmd <<<"$line"
    if [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null 2>&1; then
        continue
    fi
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
