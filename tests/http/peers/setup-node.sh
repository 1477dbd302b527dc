#!/usr/bin/env bash
# setup-node.sh DEST -- install the Node peers of tests/http (the `ws`
# package, from the npm registry) into DEST/node_modules. Idempotent: does
# nothing when the pinned version is already there. Called by ctest as the
# fixture http_node_setup before any test that needs Node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: setup-node.sh DEST}
command -v node >/dev/null || { echo "setup-node: node is not installed (scripts/packages.txt: nodejs)"; exit 1; }
command -v npm >/dev/null || { echo "setup-node: npm is not installed (scripts/packages.txt: npm)"; exit 1; }
mkdir -p "$dest"
cp "$here/package.json" "$dest/package.json"
want=$(node -e 'console.log(require(process.argv[1]).dependencies.ws)' "$here/package.json")
have=$(node -e 'try{console.log(require(process.argv[1]+"/node_modules/ws/package.json").version)}catch(e){console.log("")}' "$dest" 2>/dev/null || true)
if [ "$have" = "$want" ]; then
    exit 0
fi
cd "$dest"
npm install --no-audit --no-fund --loglevel=error
