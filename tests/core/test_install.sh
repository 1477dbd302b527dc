#!/usr/bin/env bash
# test_install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS] -- install the library into a temporary
# prefix, then build the ping-pong example against it: with pkg-config
# (microkernel.pc, shared and --static) and with CMake's find_package(microkernel)
# (shared and static targets). Every program must run and print the expected
# last line. Then every program of tests/compat/programs/ (one per header of
# the original, written from ../shared/compat) is built with nothing but
# `pkg-config --cflags --libs microkernel` and run.
set -euo pipefail
build=$1
src=$2
# A sanitizer build installs instrumented libraries: consumers need the
# same flags (passed by CMake as the third argument).
extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

libdir=$(ls -d "$tmp"/prefix/lib* | head -1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir"
test -f "$tmp/prefix/include/microkernel/runtime.h"
test -f "$libdir/libmicrokernel.a"
test -f "$libdir/pkgconfig/microkernel.pc"
test -f "$libdir/cmake/microkernel/microkernelConfig.cmake"

# pkg-config route
cc -std=c11 $extra -o "$tmp/pp_pkgconfig" "$src/examples/pingpong.c" $(pkg-config --cflags --libs microkernel)
"$tmp/pp_pkgconfig" | grep -q 'pingpong: 5 messages exchanged'

# The feature macros a consumer's headers depend on are exported.
for macro in HAVE_TLS HAVE_OPENSSL HAVE_WASM; do
    pkg-config --cflags microkernel | grep -q -- "-D$macro" || {
        echo "pkg-config --cflags lacks -D$macro" >&2
        exit 1
    }
done
# --static lists the archive's dependencies: the static library links alone.
cc -std=c11 $extra -o "$tmp/pp_static" "$src/examples/pingpong.c" \
    $(pkg-config --cflags microkernel) "$libdir/libmicrokernel.a" \
    $(pkg-config --static --libs-only-l --libs-only-other microkernel | sed 's/-lmicrokernel//')
"$tmp/pp_static" | grep -q 'pingpong: 5 messages exchanged'

# find_package route
mkdir -p "$tmp/consumer"
cp "$src/examples/pingpong.c" "$tmp/consumer/"
cat > "$tmp/consumer/CMakeLists.txt" <<'CMK'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(microkernel REQUIRED)
add_executable(pp pingpong.c)
target_link_libraries(pp PRIVATE microkernel::microkernel)
add_executable(pp_static pingpong.c)
target_link_libraries(pp_static PRIVATE microkernel::microkernel_static)
CMK
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$extra" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
"$tmp/consumer/build/pp" | grep -q 'pingpong: 5 messages exchanged'
"$tmp/consumer/build/pp_static" | grep -q 'pingpong: 5 messages exchanged'

# The original's headers: one program each, pkg-config flags only ($extra is
# the sanitizer flags of an instrumented build, nothing else).
for prog in "$src"/tests/compat/programs/*.c; do
    name=$(basename "$prog" .c)
    if ! cc $extra -o "$tmp/$name" "$prog" $(pkg-config --cflags --libs microkernel); then
        echo "compat program $name does not compile against the installed package" >&2
        exit 1
    fi
    "$tmp/$name" | grep -q "$name: ok" || {
        echo "compat program $name failed" >&2
        exit 1
    }
done
echo "install: headers, libraries, pkg-config and CMake package all work"
