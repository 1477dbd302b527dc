#!/usr/bin/env bash
# install-deps.sh -- install the Debian packages listed in a package list
# (default scripts/packages.txt, everything `make test` needs; `make run`
# passes scripts/packages-run.txt, what the node needs) that are not
# installed yet. Idempotent: when everything is present it runs no apt-get
# at all, so `make run` / `make test` stay fast on a prepared machine.
# Usage: bash scripts/install-deps.sh [LIST]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# A line is "PACKAGE" or "PACKAGE COMMAND": with a COMMAND, the package is
# also satisfied when that command is already on PATH (e.g. npm shipped
# inside another vendor's nodejs package, which conflicts with Debian's npm).
list=${1:-$here/packages.txt}
mapfile -t wanted < <(sed -e 's/#.*//' "$list" | awk 'NF')
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
echo "install-deps: $(basename "$list") asks for ${#missing[@]} package(s) not installed yet:"
echo "  ${missing[*]}"
echo "install-deps: (the comments in $list say what each is for)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
$sudo apt-get update
echo "install-deps: apt-get install"
$sudo apt-get install -y --no-install-recommends -o Dpkg::Progress-Fancy=0 "${missing[@]}"
echo "install-deps: done"
