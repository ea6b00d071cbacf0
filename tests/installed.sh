#!/bin/sh
# SPDX-License-Identifier: MIT
# installed.sh PREFIX LIBDIR -- `make installcheck` (and so `make distcheck`): a
# program builds and runs against the installed tree, found by
#   1. pkg-config (PKG_CONFIG_PATH=LIBDIR/pkgconfig), and
#   2. CMake, find_package(mirt 0.1 REQUIRED) with mirt::mirt and
#      mirt::mirt-malloc (skipped, saying so, when cmake is not installed).
set -eu
prefix=$1; libdir=$2
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mirt-installed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/consumer.c" <<'PROG'
#include <mimalloc.h>
#include <mirt/runtime.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  void* p = mi_malloc(100);
  if (p == NULL || !mi_is_in_heap_region(p)) return 1;
  mi_free(p);
  printf("mirt %d\n", mi_version());
  return 0;
}
PROG

export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# shellcheck disable=SC2046
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" pkg-config --cflags --libs mirt)
$CC -o "$tmp/pc-consumer" "$tmp/consumer.c" $flags
"$tmp/pc-consumer"
echo "installed: cc consumer.c $flags: runs"

if ! command -v cmake >/dev/null 2>&1; then
  echo "installed: cmake not installed: the CMake package is not checked"
  exit 0
fi
mkdir "$tmp/cmake"
cp "$tmp/consumer.c" "$tmp/cmake/"
cat > "$tmp/cmake/CMakeLists.txt" <<'LISTS'
cmake_minimum_required(VERSION 3.13)
project(consumer C)
find_package(mirt 0.1 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE mirt::mirt)
add_executable(consumer-malloc consumer.c)
target_link_libraries(consumer-malloc PRIVATE mirt::mirt-malloc)
LISTS
cmake -S "$tmp/cmake" -B "$tmp/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="${CC%% *}" >/dev/null
cmake --build "$tmp/cmake/build" >/dev/null
"$tmp/cmake/build/consumer"
"$tmp/cmake/build/consumer-malloc"
echo "installed: find_package(mirt 0.1 REQUIRED) from $prefix: mirt::mirt and mirt::mirt-malloc run"
