#!/usr/bin/env bash
# test_doxygen.sh BUILD_DIR CEILING -- run doxygen with the project's
# Doxyfile (BUILD/docs/Doxyfile, made from docs/Doxyfile.in) into a
# temporary directory, as `make docs` does, and check:
#   - the HTML reference and the section-3 man pages are generated
#     (runtime.h's page and a link page per function, e.g. runtime_init.3);
#   - no public function is undocumented (none is allowed);
#   - the warnings left (undocumented macros and struct members, markup)
#     are at most CEILING, a count that only goes down (tests/packaging/
#     CMakeLists.txt): a new undocumented member fails the test.
set -euo pipefail
build=$1
ceiling=$2
command -v doxygen >/dev/null || {
    echo "doxygen: not installed (scripts/packages.txt lists it; bash scripts/install-deps.sh)" >&2
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
    cat "$build/docs/Doxyfile"
    echo "OUTPUT_DIRECTORY = $tmp"
    echo "WARN_LOGFILE = $tmp/warnings.log"
} | doxygen - >"$tmp/out.log" 2>&1 || {
    cat "$tmp/out.log" >&2
    echo "doxygen failed" >&2
    exit 1
}
for f in html/index.html man/man3/runtime.h.3 man/man3/runtime_init.3 man/man3/actor_send.3; do
    test -s "$tmp/$f" || {
        echo "doxygen: $f was not generated" >&2
        exit 1
    }
done
if grep -E '\((function)\)|Member [a-z_0-9]+\(' "$tmp/warnings.log"; then
    echo "doxygen: the public functions above are undocumented" >&2
    exit 1
fi
count=$(grep -c 'warning:' "$tmp/warnings.log" || true)
echo "doxygen: $count warnings (ceiling $ceiling); man pages: $(ls "$tmp/man/man3" | wc -l)"
if [ "$count" -gt "$ceiling" ]; then
    cat "$tmp/warnings.log" >&2
    echo "doxygen: $count warnings, more than the ceiling of $ceiling: document what you added" >&2
    exit 1
fi
