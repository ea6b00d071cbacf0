#!/bin/sh
# SPDX-License-Identifier: MIT
# bad-input.sh -- run the bad-input programs (tests/bad/) under the built allocator and compare each outcome with tests/bad/expect.tsv.
#
# Usage: tests/bad-input.sh [--mode F|S] [--lib PATH|none] [CASE-PATTERN...]
#
# Runs from the top build directory (as `make check` does); top_builddir and
# top_srcdir may be set in the environment.  Each program runs once, as
# `LD_PRELOAD=LIB tests/bad/CASE MODE`, with a timeout of 10 s (30 s under a
# wrapper such as valgrind, or in a sanitizer or debug build).  Its exit status or
# signal, its NOT_CAUGHT marker and its stderr are compared with the column
# of expect.tsv for the build under test: S when config.h defines
# MI_SECURE, F otherwise.  A results table follows; every failure is shown
# with its output and the command that reproduces it.
#
#   --mode F|S        compare with this column instead of the detected one
#   --lib PATH|none   preload PATH instead of .libs/libmirt-malloc.so;
#                     `none` runs on plain libc (to compare allocators)
#   CASE-PATTERN      shell patterns selecting cases (default: all)
#
# Environment: MIRT_BAD_LIB, MIRT_BAD_MODE (as the options),
# MIRT_BAD_WRAPPER (a command put before each program, e.g.
# "valgrind -q --log-file=vg.%p"; its stderr must stay clean),
# MIRT_BAD_TIMEOUT (seconds).
#
# Exit status: 0 all cases passed, 1 a case failed, 77 (skip) only when
# libmirt-malloc.so was not built (sanitizer builds,
# --disable-malloc-override), 99 on a usage error.

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
mode=${MIRT_BAD_MODE:-}
lib=${MIRT_BAD_LIB:-}
wrapper=${MIRT_BAD_WRAPPER:-}
limit=${MIRT_BAD_TIMEOUT:-}

usage() {
  sed -n '/^# Usage:/,/^[^#]/{/^#/s/^# \{0,1\}//p;}' "$0"
}

while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift 2 ;;
    --mode=*) mode=${1#--mode=}; shift ;;
    --lib) lib=$2; shift 2 ;;
    --lib=*) lib=${1#--lib=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) echo "bad-input.sh: unknown option $1" >&2; exit 99 ;;
    *) break ;;
  esac
done

config="$top_builddir/config.h"
if [ -z "$mode" ]; then
  if [ ! -f "$config" ]; then
    echo "bad-input.sh: $config not found: set top_builddir or use --mode" >&2
    exit 99
  fi
  if grep -q '^#define MI_SECURE' "$config"; then mode=S; else mode=F; fi
fi
# debug builds (MI_DEBUG > 1) fill freed blocks with a pattern: the secure
# write-after-free check (MI_SECURE_WAF, types.h) is off there
waf_off=false
if [ "$mode" = S ] && [ -f "$config" ] && grep -q '^#define MI_DEBUG [2-9]' "$config"; then
  waf_off=true
  echo "bad-input: debug build: write-after-free detection is off (MI_SECURE_WAF needs MI_DEBUG <= 1): c13_* expect exit0"
fi
case $mode in
  F|S) ;;
  *) echo "bad-input.sh: --mode must be F or S, not '$mode'" >&2; exit 99 ;;
esac

if [ -z "$lib" ]; then
  lib="$top_builddir/.libs/libmirt-malloc.so"
  if [ ! -f "$lib" ]; then
    echo "SKIP: $lib is not built (sanitizer build or --disable-malloc-override)"
    exit 77
  fi
fi
if [ "$lib" = none ]; then
  preload=
else
  if [ ! -f "$lib" ]; then
    echo "bad-input.sh: $lib does not exist" >&2
    exit 99
  fi
  preload="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
fi

if [ -z "$limit" ]; then
  limit=10   # generous: a loaded CI machine is slow; a hang still fails
  if [ -n "$wrapper" ] || grep -q -E '^#define MI_(ASAN|TSAN|UBSAN)' "$config" 2>/dev/null; then limit=30; fi
  # debug builds check every page on every slow path: 30 s (a11 takes 1.2 s alone there, 10 s under load)
  if grep -q '^#define MI_DEBUG [2-9]' "$config" 2>/dev/null && [ "$limit" -lt 30 ]; then limit=30; fi
fi
if command -v timeout >/dev/null 2>&1; then
  run_limited="timeout -k 2 $limit"
else
  echo "warning: no timeout command: a hanging case will hang the run"
  run_limited=
fi

expect="$top_srcdir/tests/bad/expect.tsv"
bindir="$top_builddir/tests/bad"
if [ ! -f "$expect" ]; then
  echo "bad-input.sh: $expect not found" >&2
  exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mirt-bad.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null || :   # the aborts are expected: no core files (bash, dash)
# options that change what is printed
unset MIMALLOC_VERBOSE MIMALLOC_SHOW_ERRORS MIMALLOC_SHOW_STATS MIMALLOC_MAX_ERRORS

tab=$(printf '\t')
passed=0
failed=0
failures=

selected() {
  [ $# -eq 1 ] && return 0
  want=$1
  shift
  for pat in "$@"; do
    # shellcheck disable=SC2254
    case $want in $pat) return 0 ;; esac
  done
  return 1
}

# one_line RE: stderr is exactly one line, the contract's report of RE: it
# names the pointer (0x...) and, for the kinds where the block is known,
# a plausible block size ("block 48 B", never a garbage size)
one_line() {
  [ "$nlines" -eq 1 ] && grep -E -q "^mirt: error: ($1)" "$err" && grep -q '0x[0-9a-f]' "$err" || return 1
  if grep -E -q ': (double free|buffer overflow)' "$err"; then
    grep -E -q 'block [0-9]{1,15} B' "$err" || return 1
  fi
  return 0
}

# match ALTERNATIVE: does the outcome ($status, $caught, $nlines, $err) fit?
match() {
  case $1 in
    exit0) [ "$status" = exit0 ] && [ "$nlines" -eq 0 ] ;;
    'exit0:*') [ "$status" = exit0 ] ;;
    exit0:*) [ "$status" = exit0 ] && one_line "${1#exit0:}" ;;
    ABRT:*) [ "$status" = ABRT ] && [ "$caught" = yes ] && one_line "${1#ABRT:}" ;;
    SEGV) { [ "$status" = SEGV ] || [ "$status" = BUS ]; } && [ "$caught" = yes ] ;;
    ub:*)
      match exit0 || match "exit0:${1#ub:}" || match "ABRT:${1#ub:}" ;;
    any) case $status in exit0|ABRT|SEGV|BUS) true ;; *) false ;; esac ;;
    *) echo "bad-input.sh: bad expectation '$1' in $expect" >&2; false ;;
  esac
}

# matches EXPECTATION: any of its " || " alternatives
matches() {
  rest=$1
  while [ -n "$rest" ]; do
    case $rest in
      *" || "*) alt=${rest%%" || "*}; rest=${rest#*" || "} ;;
      *) alt=$rest; rest= ;;
    esac
    match "$alt" && return 0
  done
  return 1
}

# the outcome in a few words: status, NOT_CAUGHT, first stderr line
describe() {
  got=$status
  [ "$caught" = no ] && got="$got NOT_CAUGHT"
  if [ "$nlines" -gt 0 ]; then
    first=$(head -n 1 "$err" | cut -c 1-64)
    got="$got: $first"
    [ "$nlines" -gt 1 ] && got="$got [+$((nlines - 1)) lines]"
  fi
}

fail_case() {
  failed=$((failed + 1))
  failures="$failures $1"
  {
    echo "---- $1 (mode $mode): FAIL"
    [ -n "$4" ] && echo "case:     $4"
    echo "expected: $2"
    echo "got:      $3"
    echo "repeat:   ${preload:+LD_PRELOAD=$preload }$bindir/$1 $mode"
    if [ -s "$tmp/$1.out" ]; then echo "stdout:"; head -n 12 "$tmp/$1.out" | sed 's/^/  | /'; fi
    if [ -s "$tmp/$1.err" ]; then echo "stderr:"; head -n 12 "$tmp/$1.err" | sed 's/^/  | /'; fi
  } >>"$tmp/details"
}

printf '%-36s %-44s %-52s %s\n' case "expected ($mode)" got result
printf '%-36s %-44s %-52s %s\n' ---- -------- --- ------

# every program has an expectation
for src in "$top_srcdir"/tests/bad/*.c; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .c)
  selected "$name" "$@" || continue
  if ! grep -q "^$name$tab" "$expect"; then
    printf '%-36s %-44s %-52s %s\n' "$name" "(no line in expect.tsv)" - FAIL
    fail_case "$name" "a line in tests/bad/expect.tsv" "none"
  fi
done

while IFS=$tab read -r name fexp sexp note; do
  case $name in ''|'#'*) continue ;; esac
  selected "$name" "$@" || continue
  if [ "$mode" = S ]; then exp=$sexp; else exp=$fexp; fi
  case $name in c13_*) if $waf_off; then exp=exit0; fi ;; esac
  prog="$bindir/$name"
  out="$tmp/$name.out"
  err="$tmp/$name.err"
  if [ ! -x "$prog" ]; then
    printf '%-36s %-44s %-52s %s\n' "$name" "$exp" "(not built)" FAIL
    fail_case "$name" "$exp" "$prog is not built" "$note"
    continue
  fi
  # shellcheck disable=SC2086
  { $run_limited env ${preload:+LD_PRELOAD="$preload"} $wrapper "$prog" "$mode" </dev/null >"$out" 2>"$err.raw"; } 2>/dev/null
  rc=$?
  # dash reports a child killed by a signal ("Aborted") on the child's
  # redirected stderr: that line is the shell's, not the program's
  grep -v -E '^(Aborted|Segmentation fault|Bus error|Killed|Terminated)( \(core dumped\))?$' "$err.raw" >"$err"
  if [ -n "$run_limited" ] && { [ $rc -eq 124 ] || [ $rc -eq 137 ]; }; then
    status=TIMEOUT
  elif [ $rc -gt 128 ]; then
    case $((rc - 128)) in
      6) status=ABRT ;;
      11) status=SEGV ;;
      7) status=BUS ;;
      *) status="signal$((rc - 128))" ;;
    esac
  else
    status="exit$rc"
  fi
  if grep -q '^NOT_CAUGHT$' "$out"; then caught=no; else caught=yes; fi
  nlines=$(grep -c '' "$err")
  describe
  if grep -q '^FAIL:' "$out"; then
    result=FAIL
    got="$got; $(grep -m 1 '^FAIL:' "$out" | cut -c 1-60)"
  elif matches "$exp"; then
    result=PASS
  else
    result=FAIL
  fi
  printf '%-36s %-44s %-52s %s\n' "$name" "$exp" "$got" "$result"
  if [ $result = PASS ]; then
    passed=$((passed + 1))
  else
    fail_case "$name" "$exp" "$got" "$note"
  fi
done <"$expect"

echo
if [ -s "$tmp/details" ]; then
  cat "$tmp/details"
  echo
fi
echo "bad-input: $passed passed, $failed failed (mode $mode, ${preload:-plain libc}, timeout ${limit}s)"
[ $failed -eq 0 ] || echo "failed:$failures"
[ $failed -eq 0 ]
