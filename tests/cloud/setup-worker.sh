#!/usr/bin/env bash
# setup-worker.sh SRC DEST -- copy the mk-proxy Worker (SRC =
# platforms/cloudflare/worker) into DEST in the build tree and install its
# pinned tools there with `npm ci` from the committed package-lock.json
# (wrangler, which runs the Worker locally on workerd; ws for its tests).
# Idempotent: npm ci runs again only when the lock file changed. Called by
# ctest as the fixture cloud_worker_setup; fails loudly without node/npm.
set -euo pipefail
src=${1:?usage: setup-worker.sh SRC DEST}
dest=${2:?usage: setup-worker.sh SRC DEST}
command -v node >/dev/null || { echo "setup-worker: node is not installed (scripts/packages.txt: nodejs)"; exit 1; }
command -v npm >/dev/null || { echo "setup-worker: npm is not installed (scripts/packages.txt: npm)"; exit 1; }
mkdir -p "$dest"
rm -rf "$dest/src" "$dest/test"
cp -r "$src/src" "$src/test" "$dest/"
cp "$src/wrangler.toml" "$src/package.json" "$dest/"
if [ -x "$dest/node_modules/.bin/wrangler" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
    exit 0
fi
cp "$src/package-lock.json" "$dest/"
cd "$dest"
npm ci --no-audit --no-fund --loglevel=error
test -x node_modules/.bin/wrangler || { echo "setup-worker: npm ci did not install wrangler"; exit 1; }
