#!/bin/sh
# SPDX-License-Identifier: MIT
# override.sh -- run real programs under LD_PRELOAD=libmirt-malloc.so and compare them with a plain run.
#
# Runs from the top build directory (as `make check` does); top_builddir and
# top_srcdir may be set in the environment.  Exit status: 0 all passed,
# 1 a check failed, 77 (skip) only when libmirt-malloc.so was not built
# (sanitizer builds, --disable-malloc-override).

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}

lib="$top_builddir/.libs/libmirt-malloc.so"
if [ ! -f "$lib" ]; then
  echo "SKIP: $lib is not built (sanitizer build or --disable-malloc-override)"
  exit 77
fi
lib="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
cxx_prog="$top_builddir/tests/override_cxx"
py_script="$top_srcdir/tests/override_py.py"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mirt-override.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $*"
  failed=1
}

show() { sed -e 's/^/  | /' "$1" | tail -n 20; }

# run_both NAME CMD...: runs CMD once plainly and once under the preload;
# both must succeed with identical stdout, and the preload run must report
# no allocator error on stderr.
run_both() {
  name=$1
  shift
  "$@" >"$tmp/$name.plain" 2>"$tmp/$name.plain.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name fails without mirt too (status $rc)"
    show "$tmp/$name.plain.err"
    return
  fi
  LD_PRELOAD="$lib" "$@" >"$tmp/$name.mirt" 2>"$tmp/$name.mirt.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: status $rc under mirt"
    show "$tmp/$name.mirt.err"
    return
  fi
  if ! cmp -s "$tmp/$name.plain" "$tmp/$name.mirt"; then
    fail "$name: output differs under mirt"
    diff "$tmp/$name.plain" "$tmp/$name.mirt" | head -n 10
    return
  fi
  if grep -E -q '(mirt|mimalloc): error' "$tmp/$name.mirt.err"; then
    fail "$name: allocator error under mirt"
    show "$tmp/$name.mirt.err"
    return
  fi
  echo "ok: $name ($(wc -c <"$tmp/$name.mirt") bytes of identical output)"
}

# 1. mirt is really what the programs get.
MIMALLOC_VERBOSE=1 LD_PRELOAD="$lib" /bin/true 2>"$tmp/verbose.err"
rc=$?
if [ $rc -ne 0 ]; then
  fail "/bin/true under mirt: status $rc"
  show "$tmp/verbose.err"
elif ! grep -q '^mirt:' "$tmp/verbose.err"; then
  fail "MIMALLOC_VERBOSE=1 printed no 'mirt:' line: the library did not load or is not mirt"
  show "$tmp/verbose.err"
else
  echo "ok: MIMALLOC_VERBOSE=1 shows mirt loaded"
fi

MIMALLOC_SHOW_STATS=1 LD_PRELOAD="$lib" sh -c 'seq 1 20000 | sort -n >/dev/null' 2>"$tmp/stats.err"
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$tmp/stats.err" ]; then
  fail "MIMALLOC_SHOW_STATS=1: status $rc, $(wc -c <"$tmp/stats.err") bytes of statistics"
  show "$tmp/stats.err"
else
  echo "ok: MIMALLOC_SHOW_STATS=1 prints statistics"
fi

if [ ! -x "$cxx_prog" ]; then
  fail "$cxx_prog is not built"
else
  LD_PRELOAD="$lib" "$cxx_prog" where >"$tmp/where" 2>&1
  if [ $? -ne 0 ]; then
    fail "override_cxx where failed"
    show "$tmp/where"
  else
    libname=$(basename "$lib")
    grep -v " .*$libname\$" "$tmp/where" >"$tmp/where.bad"
    if [ -s "$tmp/where.bad" ]; then
      fail "symbols not taken from $libname:"
      show "$tmp/where.bad"
    else
      echo "ok: $(wc -l <"$tmp/where") malloc and operator new/delete symbols resolve to $libname"
    fi
  fi
fi

# 2. Real programs give the same output with and without mirt.
awk 'BEGIN {
  x = 12345
  for (i = 0; i < 150000; i++) {
    x = (x * 69069 + 1) % 4294967296
    printf "%010d %s line %d\n", x, substr("abcdefghijklmnopqrstuvwxyz", x % 26 + 1, x % 13 + 1), i
  }
}' >"$tmp/lines" || fail "cannot generate input for sort"
run_both sort env LC_ALL=C sort "$tmp/lines"
run_both sort-parallel env LC_ALL=C TMPDIR="$tmp" sort -r -k2,2 -k1,1n --parallel=4 -S 1M "$tmp/lines"
run_both pipeline sh -c 'seq 1 200000 | tr 0-9 a-j | sort | uniq -c | sort -n | tail -n 3'

if [ -x "$cxx_prog" ]; then
  run_both c++ "$cxx_prog"
fi

python=${PYTHON3:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  fail "python3 not found (install python3 or set PYTHON3)"
else
  # the interpreter itself, not a wrapper script such as a pyenv shim
  real_python=$("$python" -c 'import sys; print(sys.executable)')
  if [ -z "$real_python" ]; then
    fail "cannot locate the python3 executable"
  else
    run_both python "$real_python" "$py_script"
  fi
fi

exit $failed
