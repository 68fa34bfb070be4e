#!/usr/bin/env bash
# Robustness on code nobody here wrote: the full pack over Go's own tree
# (and, named explicitly, the leak kernels under runtime/testdata), twice
# with all threads and once with one. It must not crash, must report no
# error (exit 2) beyond files that do not parse (which are "skipped", not
# errors), and must print the same output every time.
set -euo pipefail
cd "$(dirname "$0")/.."
src="$(go env GOROOT)/src"
cargo build --release --quiet --bin gofix-leaks
tool=target/release/gofix-leaks
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

run() { # NAME ARGS...: runs the tool, keeps stdout+stderr, checks the status
  local name=$1; shift
  local rc=0
  "$tool" --color never --format json "$@" >"$out/$name.json" 2>"$out/$name.err" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "FAIL: $name exited $rc"; head -20 "$out/$name.err"; exit 1
  fi
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["errors"], d["errors"][:5]' "$out/$name.json" \
    || { echo "FAIL: $name reported errors"; exit 1; }
}

run first "$src"
run second "$src"
run one-thread --threads 1 "$src"
cmp "$out/first.json" "$out/second.json" || { echo "FAIL: two runs differ"; exit 1; }
cmp "$out/first.json" "$out/one-thread.json" || { echo "FAIL: --threads 1 differs"; exit 1; }
run kernels "$src/runtime/testdata/testgoroutineleakprofile"
python3 - "$out/first.json" "$out/kernels.json" <<'PY'
import json, sys, collections
for path in sys.argv[1:]:
    d = json.load(open(path))
    per = collections.Counter(f["rule"] for f in d["findings"])
    fixed = collections.Counter(f["rule"] for f in d["findings"] if f["suggested_fixes"])
    print(path.rsplit("/", 1)[-1], "findings:", dict(per), "fixed:", dict(fixed), "skipped regions:", len(d["skipped"]))
PY
echo "goroot-check: ok (no crash, no error, same output across runs and thread counts)"
