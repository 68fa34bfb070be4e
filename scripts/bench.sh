#!/usr/bin/env bash
# Speed and memory of gofix-leaks against (a) the floor a naive tool pays
# (walk + tree-sitter-go parse of every .go file the tool would consider) and
# (c) ast-grep running one rule (scripts/ast-grep-time-after.yml) over the
# same files, on each TREE and on the two halves of the first (is time
# linear in bytes?). A benchmark, not a test: it prints figures.
#
# With several TREEs, also all of them together in one run (a multi-
# repository corpus). BENCH_COPIES=1 also times 1, 2 and 4 copies of the
# first TREE (copied into a temp dir as copy1..copy4): is time linear in
# bytes? Each line gives the tool's MB per CPU second.
#
# Usage: scripts/bench.sh [TREE...]   (default: $(go env GOROOT)/src)
# GOFIX_LEAKS=BIN measures that binary instead of this tree's release build
# (to compare a change with the commit before it). BENCH_RUNS=N: best of N
# (default 3). BENCH_ASTGREP=0 leaves ast-grep out.
# ast-grep: $AST_GREP, else `ast-grep` on PATH, else the PyPI wheel
# (ast-grep-cli) is fetched into target/ast-grep once; without it (c) is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "$(go env GOROOT)/src"
cargo build --release --quiet --bin gofix-leaks --example parse_floor
tool=${GOFIX_LEAKS:-target/release/gofix-leaks}
floor=target/release/examples/parse_floor
# gofix-leaks is timed with --no-cache (the analysis), and again with the
# result cache (README, "The cache") in a new, empty directory for each
# run (a first run, which also writes the cache). None is deleted before
# the script exits: on ext4 a first run made within minutes of deleting
# many files is slowed by the inode allocator (README, "Performance").
# scripts/cache-bench.sh times warm runs.
caches=$(mktemp -d)
trap 'rm -rf "$caches"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

runs=${BENCH_RUNS:-3}
astgrep=${AST_GREP:-$(command -v ast-grep || true)}
if [ "${BENCH_ASTGREP:-1}" = 0 ]; then astgrep=; fi
if [ -z "$astgrep" ] && [ -x target/ast-grep/ast-grep ]; then astgrep=target/ast-grep/ast-grep; fi
if [ -z "$astgrep" ] && [ "${BENCH_ASTGREP:-1}" != 0 ] && command -v pip3 >/dev/null; then
  tmp=$(mktemp -d)
  if pip3 download --quiet --no-deps --only-binary=:all: ast-grep-cli -d "$tmp" >/dev/null 2>&1; then
    mkdir -p target/ast-grep
    python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); n=[x for x in z.namelist() if x.endswith("/scripts/ast-grep")][0]; open("target/ast-grep/ast-grep","wb").write(z.read(n))' "$tmp"/*.whl
    chmod +x target/ast-grep/ast-grep
    astgrep=target/ast-grep/ast-grep
  fi
  rm -rf "$tmp"
fi

# Best of $runs by wall-clock seconds: "wall cpu rss_kib" of that run. CPU time
# (user + sys) is printed too: on a shared machine it is the steadier figure.
measure() {
  local best="" cpu="" rss="" f t c m
  f=$(mktemp)
  for _ in $(seq "$runs"); do
    XDG_CACHE_HOME=$(mktemp -d -p "$caches"); export XDG_CACHE_HOME
    # gofix-leaks exits 1 when it has findings: that is not a failure here.
    /usr/bin/time -o "$f" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || true
    read -r t u s m < <(tail -n 1 "$f")
    c=$(awk "BEGIN{print $u + $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; cpu=$c; rss=$m; fi
  done
  rm -f "$f"
  echo "$best $cpu $rss"
}

report() {
  local name=$1; shift
  local list mb
  list=$(mktemp)
  "$floor" --list "$@" >"$list"
  mb=$(tr '\n' '\0' <"$list" | xargs -0 stat -c %s | awk '{s+=$1} END {printf "%.1f", s/1e6}')
  read -r a acpu arss < <(measure "$floor" "$@")
  read -r b bcpu brss < <(measure "$tool" --no-cache --color never "$@")
  # The same run with the default cache, empty: what a first run also pays
  # to write an entry and a stat record per package directory.
  read -r _ wcpu _ < <(measure "$tool" --color never "$@")
  printf '%-26s %6s MB %5d files | parse-all wall %6ss cpu %6ss %4d MiB (%4.1f MB/s) | gofix-leaks wall %6ss cpu %6ss %4d MiB (%5.1f MB/cpu-s) | b/a wall %.2f (cpu %.2f) | cold cache %6ss cpu' \
    "$name" "$mb" "$(wc -l <"$list")" "$a" "$acpu" $((arss / 1024)) "$(awk "BEGIN{print $mb/$a}")" \
    "$b" "$bcpu" $((brss / 1024)) "$(awk "BEGIN{print $mb/$bcpu}")" "$(awk "BEGIN{print $b/$a}")" "$(awk "BEGIN{print $bcpu/$acpu}")" "$wcpu"
  if [ -n "$astgrep" ]; then
    # One invocation over the same file list.
    mapfile -t files <"$list"
    read -r c ccpu crss < <(measure "$astgrep" scan --rule scripts/ast-grep-time-after.yml "${files[@]}")
    printf ' | ast-grep 1 rule %6ss cpu %6ss %4d MiB | b/c %.2f' "$c" "$ccpu" $((crss / 1024)) "$(awk "BEGIN{print $b/$c}")"
  fi
  printf '\n'
  rm -f "$list"
}

echo "$(nproc) cores; ast-grep: ${astgrep:-not available} $([ -n "$astgrep" ] && "$astgrep" --version)"
for tree in "$@"; do
  report "$(basename "$tree")" "$tree"
done
if [ $# -gt 1 ]; then
  report "all $# together" "$@"
fi
if [ "${BENCH_COPIES:-0}" = 1 ]; then
  copies=$(mktemp -d)
  for k in 1 2 3 4; do cp -r "$1" "$copies/copy$k"; done
  report "1 copy of $(basename "$1")" "$copies/copy1"
  report "2 copies" "$copies/copy1" "$copies/copy2"
  report "4 copies" "$copies"/copy{1,2,3,4}
  chmod -R u+w "$copies" && rm -rf "$copies"
fi
# The two halves of the first tree's top-level directories: does time scale
# with bytes?
mapfile -t dirs < <(find "$1" -mindepth 1 -maxdepth 1 -type d | sort)
half=$(( ${#dirs[@]} / 2 ))
if [ "$half" -gt 0 ]; then
  report "first half of its dirs" "${dirs[@]:0:$half}"
  report "second half of its dirs" "${dirs[@]:$half}"
fi
