#!/bin/sh
# SPDX-License-Identifier: MIT
# symbols-debian.sh -- debian/libmirt0.symbols (what dpkg-gensymbols holds the
# package build to) agrees with the reviewed export lists and the libraries:
#   1. each library block lists exactly tests/libmirt.sym, plus
#      tests/libmirt-malloc.sym for the libmirt-malloc libraries;
#   2. each block's soname is the SONAME of the library built here, and the
#      package named in it is libmirt<soname number>;
#   3. the built library exports exactly the block's symbols.
# tests/abi-symbols.sh holds the libraries to tests/*.sym; this holds the
# Debian file to both, so neither list can drift from the other.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
deb=$top_srcdir/debian
status=0

[ -f "$deb/libmirt0.symbols" ] || { echo "symbols-debian: no debian/libmirt0.symbols"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mirt-symbols.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The template with its #include lines expanded (paths relative to debian/).
expand() {
  while IFS= read -r line; do
    case $line in
      '#include "'*'"') inc=${line#'#include "'}; expand < "$deb/${inc%'"'}" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}
expand < "$deb/libmirt0.symbols" > "$tmp/symbols"

# One file per library block: the symbol names (tags and @Base dropped), sorted.
awk -v dir="$tmp" '
  /^#/ || /^\*/ || /^$/ { next }
  /^[^ ]/ { lib = $1; pkg[lib] = $2; print lib, $2 > (dir "/libs"); next }
  /^ / { s = $1; sub(/^\([^)]*\)/, "", s); sub(/@.*/, "", s); print s > (dir "/" lib ".raw") }
' "$tmp/symbols"

lists() { cat "$@" | grep -v '^#' | grep -v '^$' | LC_ALL=C sort -u; }
exports() {
  nm -D --defined-only "$1" | awk '$2 ~ /^[TWDBVRi]$/ { print $3 }' | sed 's/@.*//' | LC_ALL=C sort -u
}
differ() {  # what: expected-file actual-file
  if ! cmp -s "$2" "$3"; then
    echo "symbols-debian: $1:"
    diff "$2" "$3" | sed -n 's/^</  only in the first:/p; s/^>/  only in the second:/p'
    status=1
    return 1
  fi
}

while read -r soname package; do
  base=${soname%%.so.*}
  LC_ALL=C sort -u "$tmp/$soname.raw" > "$tmp/$soname.syms"
  case $base in
    libmirt-malloc*) lists "$top_srcdir/tests/libmirt.sym" "$top_srcdir/tests/libmirt-malloc.sym" ;;
    *) lists "$top_srcdir/tests/libmirt.sym" ;;
  esac > "$tmp/$soname.want"
  differ "$soname: tests/*.sym (first) and debian/libmirt0.symbols (second) differ" \
    "$tmp/$soname.want" "$tmp/$soname.syms"

  number=${soname##*.so.}
  if [ "$package" != "libmirt$number" ]; then
    echo "symbols-debian: $soname belongs to package $package, not libmirt$number"
    status=1
  fi

  lib=$top_builddir/.libs/$base.so
  if [ ! -f "$lib" ]; then
    echo "symbols-debian: $soname: $lib not built (not checked against it)"
    continue
  fi
  actual=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
  if [ "$actual" != "$soname" ]; then
    echo "symbols-debian: $lib has SONAME $actual, debian/libmirt0.symbols says $soname"
    status=1
  fi
  exports "$lib" > "$tmp/$soname.exports"
  differ "$soname: debian/libmirt0.symbols (first) and the exports of $lib (second) differ" \
    "$tmp/$soname.syms" "$tmp/$soname.exports" &&
    echo "symbols-debian: $soname: $(wc -l < "$tmp/$soname.syms") symbols as listed"
done < "$tmp/libs"
exit $status
