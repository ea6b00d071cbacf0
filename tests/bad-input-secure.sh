#!/bin/sh
# SPDX-License-Identifier: MIT
# bad-input-secure.sh -- the bad-input table in secure mode (S), against the
# secure variant built alongside the default libraries (libmirt-malloc-secure).
# Skips (77) where that variant is not built: in a --enable-secure build the
# plain library is the secure one and tests/bad-input.sh runs mode S itself.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
lib="$top_builddir/.libs/libmirt-malloc-secure.so"
[ -f "$lib" ] || { echo "bad-input-secure: $lib not built"; exit 77; }
exec "$top_srcdir/tests/bad-input.sh" --mode S --lib "$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
