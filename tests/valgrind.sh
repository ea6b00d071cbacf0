#!/bin/sh
# SPDX-License-Identifier: MIT
# valgrind.sh -- memcheck on a build configured with --enable-valgrind:
#   1. a client's use-after-free, overflow and uninitialised read of mirt
#      blocks are reported, as they would be under glibc malloc;
#   2. the mi_* Check suites run with no memcheck error.
# Skips (77) when the build has no valgrind client requests or valgrind is
# not installed: a configuration without them cannot be checked this way.
set -u
top_builddir=${top_builddir:-.}
grep -q '^#define MI_TRACK_VALGRIND 1' "$top_builddir/config.h" 2>/dev/null || { echo "valgrind: build not configured with --enable-valgrind"; exit 77; }
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed"; exit 77; }
LT="$top_builddir/libtool --mode=execute"
VG="valgrind -q --error-exitcode=3 --leak-check=no"
status=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

$LT $VG "$top_builddir/tests/vg_uaf" overflow > "$tmp/out" 2> "$tmp/err"
for want in "Invalid read" "Invalid write" "uninitialised value"; do
  if grep -q "$want" "$tmp/err"; then echo "ok: memcheck reports: $want"
  else echo "FAIL: memcheck did not report: $want"; cat "$tmp/err"; status=1; fi
done
grep -q "^done" "$tmp/out" || { echo "FAIL: vg_uaf did not finish"; status=1; }

for t in check_alloc check_aligned check_posix check_heap check_size_class; do
  if CK_FORK=no CK_TIMEOUT_MULTIPLIER=50 $LT $VG "$top_builddir/tests/$t" > "$tmp/$t.out" 2>&1; then
    echo "ok: $t clean under memcheck ($(grep -o '[0-9]*%: Checks: [0-9]*' "$tmp/$t.out"))"
  else
    echo "FAIL: $t under memcheck"; tail -40 "$tmp/$t.out"; status=1
  fi
done
exit $status
