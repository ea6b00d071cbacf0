#!/bin/sh
# SPDX-License-Identifier: MIT
# make check: runs every synthetic bench workload at a tiny size under libmirt-malloc and checks its self-verification.
#
# No timing is asserted (the machines are noisy). Without libmirt-malloc.so
# (sanitizer builds, --disable-malloc-override) the workloads still run,
# under the default allocator, so they are checked themselves.
: "${top_srcdir:=.}" "${top_builddir:=.}"
python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "SKIP: python3 not found (bench/run needs it)"
  exit 77
fi
so="$top_builddir/.libs/libmirt-malloc.so"
if test -f "$so"; then
  allocs=mirt
else
  echo "note: $so not built: running the workloads under the default allocator"
  allocs=sys
fi
exec "$python" "$top_srcdir/bench/run" --check --allocs "$allocs" --builddir "$top_builddir"
