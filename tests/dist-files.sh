#!/bin/sh
# SPDX-License-Identifier: MIT
# dist-files.sh [DISTDIR] -- every file git tracks is in the release tarball.
#   With DISTDIR (make dist's dist-hook passes the tree it is about to pack):
#   compare that tree with `git ls-files`; a tracked file it lacks fails
#   `make dist` and `make distcheck`, with the file named.
#   Without (make check): build that tree with `make distdir` in a scratch
#   directory, which runs the same comparison from the hook.
# Both skip, saying why, when the sources are not a git checkout of their own
# (an unpacked tarball, or no git).  The fix for a reported file: add it to the
# EXTRA_DIST or _SOURCES of its directory's local.am.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

src=$(cd "$top_srcdir" && pwd -P)
if ! command -v git >/dev/null 2>&1; then
  echo "dist-files: skipped: git is not installed"
  exit 77
fi
toplevel=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || toplevel=
if [ -z "$toplevel" ] || [ "$(cd "$toplevel" && pwd -P)" != "$src" ]; then
  echo "dist-files: skipped: $src is not the top of a git checkout (a release tarball?)"
  exit 77
fi

if [ $# -eq 0 ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/mirt-dist-files.XXXXXX") || exit 99
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  # the hook does the comparison; a plain `make distdir`, whatever make check was given
  MAKEFLAGS= MFLAGS= ${MAKE:-make} -s -C "$top_builddir" distdir \
      distdir="$tmp/mirt" top_distdir="$tmp/mirt" >"$tmp/log" 2>&1
  status=$?
  cat "$tmp/log"
  [ $status -eq 0 ] && echo "dist-files: make distdir: every tracked file is in the tarball"
  exit $status
fi

dist=$(cd "$1" && pwd -P) || exit 99
missing=$(
  cd "$src" &&
  { git ls-files; git ls-files --deleted; } | LC_ALL=C sort | uniq -u |
  while IFS= read -r f; do
    [ -e "$dist/$f" ] || [ -L "$dist/$f" ] || printf '%s\n' "$f"
  done
)
if [ -n "$missing" ]; then
  echo "dist-files: tracked by git but missing from the tarball (add them to EXTRA_DIST or a _SOURCES):"
  printf '  %s\n' $missing
  exit 1
fi
echo "dist-files: all $(git -C "$src" ls-files | wc -l) tracked files are in $dist"
