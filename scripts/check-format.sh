#!/usr/bin/env bash
# check-format.sh -- fail when a tracked C file differs from what
# clang-format (the root .clang-format) makes of it. STYLE.md rule 12.
# Usage: scripts/check-format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus/')
if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
bad=0
for f in "${files[@]}"; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run scripts/check-format.sh --fix)"
        bad=1
    fi
done
exit $bad
