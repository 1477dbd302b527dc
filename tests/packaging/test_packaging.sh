#!/usr/bin/env bash
# test_packaging.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS] -- install the library
# once into a temporary prefix (`cmake --install BUILD --prefix P`, as the
# README says), then build and run four consumers of it:
#   CMake, microkernel::microkernel_static   CMake, microkernel::microkernel
#   pkg-config --static (the archive)        pkg-config (the shared library)
# (tests/packaging/consumer: a ping-pong that also references TLS, DNS, KV
# and WASM functions, so a static link needs every dependency). Shared
# consumers must run without LD_LIBRARY_PATH (CMake's RPATH; -Wl,-rpath with
# pkg-config), the installed mk-shell too. Then every program of
# tests/compat/programs/ (one per header of the original) is built with
# nothing but `pkg-config --cflags --libs microkernel` and run.
set -euo pipefail
build=$1
src=$2
# A sanitizer build installs instrumented libraries: consumers need the
# same flags (passed by CMake as the third argument).
extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "packaging: $*" >&2
    exit 1
}
unset LD_LIBRARY_PATH
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

libdir=$(ls -d "$prefix"/lib* | head -1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
for f in include/microkernel/runtime.h include/microkernel/config.h bin/mk-shell; do
    test -e "$prefix/$f" || fail "$f is not installed"
done
for f in libmicrokernel.a libmicrokernel.so pkgconfig/microkernel.pc \
    cmake/microkernel/microkernelConfig.cmake cmake/microkernel/microkernelConfigVersion.cmake; do
    test -e "$libdir/$f" || fail "lib/$f is not installed"
done

# A relocatable package: the exported targets name their dependencies by
# imported targets (OpenSSL::SSL, PkgConfig::MK_CARES ...), never by a path
# of the machine that built them.
if grep -En '/lib[^/;" ]*\.(so|a)\b' "$libdir"/cmake/microkernel/microkernelTargets.cmake; then
    fail "microkernelTargets.cmake names libraries by absolute path"
fi

# Installed programs start from the prefix alone.
"$prefix/bin/mk-shell" --version | grep -q '^mk-shell ' || fail "installed mk-shell does not run"

# needed BINARY: the shared libraries the program names (DT_NEEDED).
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
expect_run() {  # expect_run PROGRAM: runs and prints the ping-pong's line
    "$1" | grep -q 'consumer: 5 messages exchanged' || fail "$(basename "$1") did not run"
}
expect_static() {
    if needed "$1" | grep -q '^libmicrokernel'; then fail "$(basename "$1") is not linked statically"; fi
}
expect_shared() {
    needed "$1" | grep -q '^libmicrokernel\.so' || fail "$(basename "$1") is not linked to libmicrokernel.so"
}

# The feature macros a consumer's headers depend on are exported.
for macro in HAVE_TLS HAVE_OPENSSL HAVE_WASM; do
    pkg-config --cflags microkernel | grep -q -- "-D$macro" || fail "pkg-config --cflags lacks -D$macro"
done
consumer=$src/tests/packaging/consumer

# 1. pkg-config, shared library.
# shellcheck disable=SC2046
cc -std=c11 $extra -o "$tmp/pc_shared" "$consumer/consumer.c" \
    $(pkg-config --cflags --libs microkernel) -Wl,-rpath,"$libdir"
expect_shared "$tmp/pc_shared"
expect_run "$tmp/pc_shared"

# 2. pkg-config --static: the archive (-l:libmicrokernel.a picks it over the
# .so) and nothing but what --static lists for its dependencies.
static_libs=$(pkg-config --static --libs microkernel | sed 's/-lmicrokernel\b/-l:libmicrokernel.a/')
# shellcheck disable=SC2046,SC2086
cc -std=c11 $extra -o "$tmp/pc_static" "$consumer/consumer.c" \
    $(pkg-config --cflags microkernel) $static_libs ||
    fail "pkg-config --static --libs does not list what libmicrokernel.a needs: $static_libs"
expect_static "$tmp/pc_static"
expect_run "$tmp/pc_static"

# 3 and 4. CMake find_package, both targets.
cmake -S "$consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$extra" >"$tmp/cmake.log" 2>&1 || {
    cat "$tmp/cmake.log" >&2
    fail "find_package(microkernel) failed"
}
cmake --build "$tmp/cmake" >"$tmp/build.log" 2>&1 || {
    cat "$tmp/build.log" >&2
    fail "a find_package(microkernel) consumer does not build"
}
expect_static "$tmp/cmake/consumer_static"
expect_run "$tmp/cmake/consumer_static"
expect_shared "$tmp/cmake/consumer_shared"
expect_run "$tmp/cmake/consumer_shared"

# The original's headers: one program each, pkg-config flags only ($extra is
# the sanitizer flags of an instrumented build, nothing else).
for prog in "$src"/tests/compat/programs/*.c; do
    name=$(basename "$prog" .c)
    # shellcheck disable=SC2046
    cc $extra -o "$tmp/$name" "$prog" $(pkg-config --cflags --libs microkernel) \
        -Wl,-rpath,"$libdir" || fail "compat program $name does not compile against the installed package"
    "$tmp/$name" | grep -q "$name: ok" || fail "compat program $name failed"
done
echo "packaging: installed prefix, four consumers (CMake and pkg-config, static and shared) and the compat programs work"
