#!/usr/bin/env bash
# Does a change keep the default pack's output? Runs two gofix-leaks
# binaries (BASE and NEW) over each TREE with `--format json` and compares
# findings, messages and fixes, then the default output (the unified
# diffs), printing the first differences. A refactor
# that should change nothing must print "identical" for every tree.
#
# Usage: scripts/same-output.sh BASE_BIN NEW_BIN [TREE...]
#   default trees: $(go env GOROOT)/src and the Go module cache
#   ($(go env GOMODCACHE)), which realworld.sh fills.
set -uo pipefail
base=$1 new=$2; shift 2
[ $# -gt 0 ] || set -- "$(go env GOROOT)/src" "$(go env GOMODCACHE)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
for t in "$@"; do
  "$base" --format json "$t" >"$tmp/base.json" 2>"$tmp/base.err"
  "$new" --format json "$t" >"$tmp/new.json" 2>"$tmp/new.err"
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$tmp/new.json" 2>/dev/null || echo "?")
  "$base" "$t" >"$tmp/base.diff" 2>/dev/null
  "$new" "$t" >"$tmp/new.diff" 2>/dev/null
  if cmp -s "$tmp/base.json" "$tmp/new.json" && cmp -s "$tmp/base.err" "$tmp/new.err" \
    && cmp -s "$tmp/base.diff" "$tmp/new.diff"; then
    echo "identical: $t ($n findings)"
  else
    echo "DIFFERENT: $t"
    diff <(python3 -m json.tool "$tmp/base.json") <(python3 -m json.tool "$tmp/new.json") | head -40
    diff "$tmp/base.err" "$tmp/new.err" | head -10
    diff "$tmp/base.diff" "$tmp/new.diff" | head -20
    status=1
  fi
done
exit $status
