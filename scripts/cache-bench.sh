#!/usr/bin/env bash
# What the result cache saves (README, "The cache"): for each TREE, a cold
# run (an empty --cache-dir), then three warm runs over the unchanged tree
# (the best one by wall time is printed), with wall and CPU seconds and the
# warm/cold ratios; then the best of three runs with --no-cache, and the
# floor of any warm run: listing every directory and stat'ing every .go
# file (GNU find, one core), which a warm run must still do to know that
# nothing changed. Every warm run must print the cold run's bytes
# (--format json); a difference stops the script. A benchmark, not a test.
#
# Each tree's cache is a new directory, and none is deleted before the
# script exits: on ext4 a first run made within minutes of deleting many
# files (an earlier cache) is slowed by the inode allocator, which skips
# inodes freed in the last one to six minutes (`recently_deleted`); here
# that made first runs up to three times longer and the warm/cold ratio
# look better than a first run on a fresh machine gives. For the same
# reason, do not run it within minutes of deleting a cache.
#
# Usage: scripts/cache-bench.sh [TREE...]   (default: $(go env GOROOT)/src)
# GOFIX_LEAKS=BIN measures that binary instead of this tree's release build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "$(go env GOROOT)/src"
[ -n "${GOFIX_LEAKS:-}" ] || cargo build --release --quiet --bin gofix-leaks
tool=${GOFIX_LEAKS:-target/release/gofix-leaks}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run over TREE with the cache in $cache: prints "wall cpu", its
# stdout is left in $tmp/out. Exit 1 (findings) is not a failure here.
run() {
  /usr/bin/time -o "$tmp/time" -f "%e %U %S" \
    "$tool" --cache-dir "$cache" --format json "$@" >"$tmp/out" 2>/dev/null || true
  tail -n 1 "$tmp/time" | awk '{printf "%s %.2f\n", $1, $2 + $3}'
}

# The best of three runs of a command by wall time: "wall cpu".
best_of_3() {
  local best="" best_cpu=""
  for _ in 1 2 3; do
    /usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" >/dev/null 2>&1 || true
    read -r w c < <(tail -n 1 "$tmp/time" | awk '{printf "%s %.2f\n", $1, $2 + $3}')
    if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w best_cpu=$c; fi
  done
  echo "$best $best_cpu"
}

echo "$(nproc) cores; $("$tool" --version)"
n=0
for tree in "$@"; do
  n=$((n + 1))
  cache=$tmp/cache$n
  read -r cold cold_cpu < <(run "$tree")
  mv "$tmp/out" "$tmp/cold.json"
  best="" best_cpu=""
  for _ in 1 2 3; do
    read -r w c < <(run "$tree")
    cmp -s "$tmp/out" "$tmp/cold.json" || { echo "DIFFERENT: warm and cold output on $tree" >&2; exit 1; }
    if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w best_cpu=$c; fi
  done
  read -r none none_cpu < <(best_of_3 "$tool" --no-cache --format json "$tree")
  read -r floor floor_cpu < <(best_of_3 find "$tree" -name '*.go' -printf '%s\n')
  printf '%-40s cold %6ss cpu %6ss | warm %6ss cpu %6ss | warm/cold %.3f (cpu %.3f) | cache %s | no-cache %6ss cpu %6ss, warm/no-cache %.3f | list+stat floor %6ss cpu\n' \
    "$(basename "$tree")" "$cold" "$cold_cpu" "$best" "$best_cpu" \
    "$(awk "BEGIN{print $best/$cold}")" "$(awk "BEGIN{print $best_cpu/$cold_cpu}")" \
    "$(du -sh "$cache" | cut -f1)" "$none" "$none_cpu" "$(awk "BEGIN{print $best/$none}")" "$floor_cpu"
done
