#!/bin/sh
# SPDX-License-Identifier: MIT
# gen-man.sh README TEMPLATE VERSION -- write mirt(3) to stdout: TEMPLATE with
# @VERSION@, @DATE@ and @OPTIONS@ filled in; the options come from the table under
# "### Options" in README, one entry MIMALLOC_<NAME> per option named in a row.
# The date is SOURCE_DATE_EPOCH's when set (reproducible package builds), else
# README's modification time.
set -eu
readme=$1; template=$2; version=$3

if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
  date=$(date -u -r "$readme" +%Y-%m-%d)
fi

options=$(awk '
  # roff text from markdown: `code` in bold, a leading minus sign escaped
  function roff(s,   out, code, i, n, parts) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    n = split(s, parts, "`")
    out = ""
    for (i = 1; i <= n; i++)
      out = out (i % 2 == 0 ? "\\fB" parts[i] "\\fP" : parts[i])
    sub(/^[.'\'']/, "\\\\\\&&", out)
    return out
  }
  function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
  /^### Options[ \t]*$/ { in_section = 1; next }
  in_section && /^#/ { exit }
  in_section && /^\|/ {
    n = split($0, cell, "|")
    name = trim(cell[2]); def = trim(cell[3]); text = trim(cell[4])
    if (name == "option" || name ~ /^-+$/) next
    # a row may name several options: `max_errors`, `max_warnings`
    k = split(name, names, ",")
    for (i = 1; i <= k; i++) {
      o = trim(names[i]); gsub(/`/, "", o)
      print (i == 1 ? ".TP" : ".TQ")
      print ".B MIMALLOC_" toupper(o)
    }
    print "(default " roff(def) ") " roff(text)
    rows++
  }
  END { if (rows == 0) { print "gen-man.sh: no options table in README" > "/dev/stderr"; exit 1 } }
' "$readme")

# sed would need the options escaped; awk reads them from the environment instead
MIRT_MAN_OPTIONS=$options awk -v version="$version" -v date="$date" '
  /^@OPTIONS@$/ { print ENVIRON["MIRT_MAN_OPTIONS"]; next }
  { gsub(/@VERSION@/, version); gsub(/@DATE@/, date); print }
' "$template"
