#!/usr/bin/env bash
# test_install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS] -- install the library into a temporary
# prefix, then build the ping-pong example against it twice: with pkg-config
# (microkernel.pc) and with CMake's find_package(microkernel). Both programs
# must run and print the expected last line.
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

# find_package route
mkdir -p "$tmp/consumer"
cp "$src/examples/pingpong.c" "$tmp/consumer/"
cat > "$tmp/consumer/CMakeLists.txt" <<'CMK'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(microkernel REQUIRED)
add_executable(pp pingpong.c)
target_link_libraries(pp PRIVATE microkernel::microkernel)
CMK
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$extra" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
"$tmp/consumer/build/pp" | grep -q 'pingpong: 5 messages exchanged'
echo "install: headers, libraries, pkg-config and CMake package all work"
