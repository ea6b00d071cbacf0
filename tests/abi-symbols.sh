#!/bin/sh
# SPDX-License-Identifier: MIT
# abi-symbols.sh -- the shared libraries export exactly the reviewed symbol lists:
#   libmirt.so         tests/libmirt.sym (the mi_/rc_/rt_ API)
#   libmirt-malloc.so  the same plus tests/libmirt-malloc.sym (malloc, new, ...)
# A difference means the public interface changed: review it and update the list.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
status=0

exports() {
  nm -D --defined-only "$1" | awk '$2 ~ /^[TWDBVRi]$/ { print $3 }' | sed 's/@.*//' | LC_ALL=C sort -u
}

check() {
  lib=$1; shift
  if [ ! -f "$lib" ]; then
    echo "abi-symbols: $lib not built"
    return 2
  fi
  expected=$(cat "$@" | grep -v '^#' | grep -v '^$' | LC_ALL=C sort -u)
  actual=$(exports "$lib")
  if [ "$expected" != "$actual" ]; then
    echo "abi-symbols: $lib exports differ from $*:"
    printf '%s\n' "$expected" > abi-expected.tmp
    printf '%s\n' "$actual" > abi-actual.tmp
    diff abi-expected.tmp abi-actual.tmp | sed 's/^</  missing:/; s/^>/  unexpected:/' | grep -v '^[0-9]'
    rm -f abi-expected.tmp abi-actual.tmp
    return 1
  fi
  echo "abi-symbols: $lib: $(printf '%s\n' "$actual" | wc -l) symbols as listed"
  return 0
}

lib=$top_builddir/.libs/libmirt.so
if [ ! -f "$lib" ]; then
  # a static-only build (--disable-shared) has no export table to check
  if grep -q '^build_libtool_libs=no' "$top_builddir/libtool" 2>/dev/null; then exit 77; fi
fi
check "$lib" "$top_srcdir/tests/libmirt.sym" || status=1
if [ -f "$top_builddir/.libs/libmirt-malloc.so" ]; then
  check "$top_builddir/.libs/libmirt-malloc.so" "$top_srcdir/tests/libmirt.sym" "$top_srcdir/tests/libmirt-malloc.sym" || status=1
fi
# the secure variants built alongside export the same interface
if [ -f "$top_builddir/.libs/libmirt-secure.so" ]; then
  check "$top_builddir/.libs/libmirt-secure.so" "$top_srcdir/tests/libmirt.sym" || status=1
fi
if [ -f "$top_builddir/.libs/libmirt-malloc-secure.so" ]; then
  check "$top_builddir/.libs/libmirt-malloc-secure.so" "$top_srcdir/tests/libmirt.sym" "$top_srcdir/tests/libmirt-malloc.sym" || status=1
fi
exit $status
