#!/usr/bin/env bash
# Speed and memory of gofix-leaks against the floor a naive tool pays (walk
# + tree-sitter-go parse of every .go file), on Go's own tree and on its
# two halves (is time linear in bytes?). A benchmark, not a test: it prints
# figures. Usage: scripts/bench.sh [TREE]   (default: $(go env GOROOT)/src)
set -euo pipefail
cd "$(dirname "$0")/.."
tree="${1:-$(go env GOROOT)/src}"
cargo build --release --quiet --bin gofix-leaks --example parse_floor
tool=target/release/gofix-leaks
floor=target/release/examples/parse_floor

# Best of 3 wall-clock seconds and the peak RSS of that run, via /usr/bin/time.
measure() {
  local best="" rss="" f
  f=$(mktemp)
  for _ in 1 2 3; do
    # gofix-leaks exits 1 when it has findings: that is not a failure here.
    /usr/bin/time -o "$f" -f "%e %M" "$@" >/dev/null 2>&1 || true
    local t m
    read -r t m < <(tail -n 1 "$f")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  rm -f "$f"
  echo "$best $rss"
}

report() {
  local name=$1; shift
  local mb
  mb=$(find "$@" -name '*.go' -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
  read -r a arss < <(measure "$floor" "$@")
  read -r b brss < <(measure "$tool" --color never "$@")
  printf '%-24s %6s MB  parse-all %6ss (%5.1f MB/s, %4d MiB)  gofix-leaks %6ss (%4d MiB)  b/a %.2f\n' \
    "$name" "$mb" "$a" "$(awk "BEGIN{print $mb/$a}")" $((arss / 1024)) "$b" $((brss / 1024)) "$(awk "BEGIN{print $b/$a}")"
}

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
echo "tree: $tree ($(nproc) cores)"
report "whole tree" "$tree"
# The two halves of the top-level directories: does time scale with bytes?
mapfile -t dirs < <(find "$tree" -mindepth 1 -maxdepth 1 -type d | sort)
half=$(( ${#dirs[@]} / 2 ))
report "first half of the dirs" "${dirs[@]:0:$half}"
report "second half of the dirs" "${dirs[@]:$half}"
