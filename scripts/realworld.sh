#!/usr/bin/env bash
# gofix-leaks on real Go code, checked by the Go toolchain.
#
# Copies Go's own tree (the whole GOROOT, so its own go command vets the
# copy) and a few pinned, leak-prone modules fetched with `go mod download`
# (from the module cache into a temp dir, made writable), builds the release
# binary once, runs `gofix-leaks --write --format json` on every copy, and
# then checks what it wrote:
#   - every changed package still passes `go vet` (which type-checks the
#     package and its _test.go files): a diagnostic that the original package
#     does not have is a fix that broke the build. Files for another platform
#     are vetted with the GOOS/tags their name or //go:build line asks for;
#   - every rewritten file is gofmt-clean (`gofmt -l`) when the original was;
#   - the JSON's suggested edits reproduce the written files byte for byte;
#   - a second run over the fixed copy proposes no further fix.
# It prints per tree and per rule: findings, fixes, fixes that broke a build,
# gofmt failures, and a sample of the diffs; every fix, one diff each, goes to
# $REALWORLD_OUT (default target/realworld/<tree>.fixes.diff) to be read.
# Exit 1 when a fix broke a build, a rewritten file is not gofmt-clean, the
# tool failed (exit 2) or reported errors, or the second run over the fixed
# copy still proposes a fix (the fixes are not idempotent); 0 otherwise.
#
# GOFIX_LEAKS=/path/to/gofix-leaks runs that binary instead of building one
# (no cargo build then), e.g. to compare two versions of the tool:
#   GOFIX_LEAKS=/tmp/old/gofix-leaks REALWORLD_OUT=/tmp/rw-old scripts/realworld.sh
#
# Time bound: at most ~15 minutes on 2 cores. The release build comes first
# (seconds when target/ is current, 2-3 minutes from scratch). Everything
# after it is bounded by REALWORLD_BUDGET (default 780 s): each tool run by
# TOOL_TIMEOUT, each vet by VET_TIMEOUT and by what is left of the budget; a
# vet that cannot start or finish in time is listed as not vetted and the run
# ends INCOMPLETE (exit 0; STRICT=1 makes that exit 1). Measured on the
# project's shared 2-core machine (load average 3-7 from other jobs), Go's
# tree and 13 modules: with a warm Go build cache 78 s in all (tool 7, vet
# 62); from an empty module cache and Go build cache 1522 s (tool 26, vet
# 1473: go vet downloads and compiles the dependencies of every changed
# package; per-tree costs are next to MODULES below). The trees are ordered
# so that a cold run's budget cuts the expensive ones last: about 420 s
# (CI's REALWORLD_BUDGET) reaches nats-server, the default 780 s reaches
# syncthing; what is cut is listed as not vetted.
# go vet runs with -trimpath so that the next run reuses the build cache
# despite the copies' temp paths. The wall time of every phase and the total
# are printed. Network: only `go mod download` and the go command's module
# fetches (Go module proxy, checksum database). KEEP=1 keeps the copies.
set -euo pipefail
# GOFIX_LEAKS relative to the caller's directory, before the cd below.
given_tool=${GOFIX_LEAKS:+$(realpath -m -- "$GOFIX_LEAKS")}
cd "$(dirname "$0")/.."
root=$PWD

# Pinned trees: name and module@version. Chosen for many goroutines, selects,
# time.After in loops and WaitGroups, and for building from the module cache.
# hashicorp/raft v1.7.1 and cockroachdb/pebble v1.1.5 are at go 1.20:
# time-after-in-loop's stop-and-drain re-arm (pre-Go 1.23 timers) is
# exercised there; the others are at go 1.23+. Cheapest to vet first: when the
# time budget runs out, what is left unvetted is reported (WARNING) rather
# than the run overrunning. A third field gives build tags for go vet:
# prometheus's remove_all_sd leaves out the service discovery plugins, whose
# dependencies are the bulk of a cold build (and one, a nomad pseudo-version,
# is not served by the Go module proxy).
#
# Cost per tree (comments below), measured 2026-12-04 on the shared 2-core
# machine (load 5-7) from an empty module cache and an empty Go build cache:
# fetch is `go mod download` of the module itself (its dependencies are
# fetched by go vet and counted in vet); vet is the sum of its go vet runs,
# which includes compiling what no tree before it compiled. Measured in the
# order raft .. nats-server, syncthing, containerd, prometheus, go-ethereum,
# jaeger (pebble in a later run); Go's tree first: vet 142 s. The whole run
# took 1522 s (vet 1473 s); again with a warm build cache, 78 s.
# Left out: traefik/v3 (its go.mod replaces ./dynamic/ext, which a module copy
# lacks, and pins pseudo-versions the proxy does not serve: no changed package
# loads), hashicorp/nomad, nsqio/nsq (the proxy answers 403), temporal
# (needs go 1.26.10).
MODULES=(
  "raft github.com/hashicorp/raft@v1.7.1"                          # fetch <1 s, vet    7 s
  "serf github.com/hashicorp/serf@v0.11.0"                         # fetch <1 s, vet   12 s
  "badger github.com/dgraph-io/badger/v4@v4.9.6"                   # fetch <1 s, vet   20 s (vet fails before the fix too: copylocks in db_test.go)
  "sarama github.com/IBM/sarama@v1.62.0"                           # fetch <1 s, vet   25 s
  "etcd-server go.etcd.io/etcd/server/v3@v3.5.21"                  # fetch <1 s, vet   33 s
  "grpc google.golang.org/grpc@v1.85.0"                            # fetch <1 s, vet   93 s
  "nats-server github.com/nats-io/nats-server/v2@v2.15.2"          # fetch <1 s, vet   82 s
  "pebble github.com/cockroachdb/pebble@v1.1.5"                    # fetch <1 s, vet   47 s
  "jaeger github.com/jaegertracing/jaeger@v1.76.0"                 # fetch <1 s, vet   56 s
  "syncthing github.com/syncthing/syncthing@v1.30.0"               # fetch  1 s, vet   66 s
  "go-ethereum github.com/ethereum/go-ethereum@v1.17.10"           # fetch  3 s, vet  192 s
  "containerd github.com/containerd/containerd/v2@v2.4.2"          # fetch  1 s, vet  218 s (186 s of it: integration/, the k8s CRI client)
  "prometheus github.com/prometheus/prometheus@v0.316.0 remove_all_sd" # fetch <1 s, vet 383 s
)

# REALWORLD_TREES="serf pebble" (names from the list above, goroot for Go's
# tree; spaces or commas) runs only those trees. Default: all of them.
only=${REALWORLD_TREES:-}
ONLY=" ${only//,/ } "

# Seconds for everything after the build; go vet stops starting packages past
# it (what is left is listed as not vetted).
BUDGET=${REALWORLD_BUDGET:-780}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-300}
VET_TIMEOUT=${VET_TIMEOUT:-400}
out=${REALWORLD_OUT:-$root/target/realworld}
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.err "$out"/*.diff "$out"/*.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/realworld.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  echo "copies kept in $work"
else
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi
export GOTOOLCHAIN=local GOWORK=off
gofmt_bin=$(command -v gofmt)

t_all=$(date +%s.%N)
t_phase=$t_all
phase() { # NAME: prints the wall time since the previous phase ended
  local now
  now=$(date +%s.%N)
  printf 'phase %-8s %7.1f s\n' "$1" "$(awk "BEGIN{print $now - $t_phase}")" | tee -a "$out/phases.txt"
  t_phase=$now
}

echo "realworld: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Build the release binary once (or take the one GOFIX_LEAKS names).
if [ -n "$given_tool" ]; then
  tool=$given_tool
  [ -x "$tool" ] || { echo "FAIL: GOFIX_LEAKS=$GOFIX_LEAKS is not an executable file"; exit 1; }
  echo "realworld: using $tool (GOFIX_LEAKS; no cargo build)"
else
  cargo build --release --quiet --bin gofix-leaks
  tool=$root/target/release/gofix-leaks
fi
"$tool" --version 2>/dev/null || true
phase build
t_budget=$t_phase

# 2. Fetch the pinned modules (no-op when the module cache has them).
trees=() # name|original dir|copy dir|kind
goroot=$(go env GOROOT)
wanted() { [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]; }
wanted goroot && trees+=("goroot|$goroot/src|$work/goroot/src|goroot|")
for m in "${MODULES[@]}"; do
  read -r name mv tags <<<"$m"
  wanted "$name" || continue
  t0=$(date +%s.%N)
  dir=$(GOFLAGS=-mod=mod go mod download -json "$mv" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))')
  printf '  fetch %-14s %-52s %5.1f s\n' "$name" "$mv" "$(awk "BEGIN{print $(date +%s.%N) - $t0}")"
  trees+=("$name|$dir|$work/$name|module|${tags:-}")
done
phase fetch

# 3. Copy: the whole GOROOT (its go command and tools vet the copy), and
# each module directory, made writable.
wanted goroot && cp -a "$goroot" "$work/goroot"
for t in "${trees[@]}"; do
  IFS='|' read -r name orig copy kind tags <<<"$t"
  [ "$kind" = module ] && cp -a "$orig" "$copy"
done
chmod -R u+w "$work"
# A module of a monorepo (etcd's server/) replaces its siblings with ../api
# and the like, which a module-cache copy does not have: drop those replaces so
# the required versions come from the module proxy instead.
for t in "${trees[@]}"; do
  IFS='|' read -r name orig copy kind tags <<<"$t"
  [ "$kind" = module ] || continue
  (cd "$copy" && go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"]["Path"].startswith((".", "/")):
        old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
        print("-dropreplace=" + old)' | xargs -r go mod edit)
done
phase copy

# 4. Fix every copy in place, then run again (dry run) on the result.
for t in "${trees[@]}"; do
  IFS='|' read -r name orig copy kind tags <<<"$t"
  for pass in fix rerun; do
    mode=--write; [ $pass = rerun ] && mode=--dry-run
    suffix=; [ $pass = rerun ] && suffix=.rerun
    rc=0
    (cd "$copy" && timeout "$TOOL_TIMEOUT" "$tool" --color never --format json $mode .) \
      >"$out/$name$suffix.json" 2>"$out/$name$suffix.err" || rc=$?
    if [ "$rc" -gt 1 ]; then
      echo "FAIL: gofix-leaks $mode on $name exited $rc"; tail -5 "$out/$name$suffix.err"; exit 1
    fi
  done
done
phase tool

# 5-7. gofmt, vet, report (Python: diffs, per-package vet, attribution).
rc=0
python3 - "$out" "$work" "$gofmt_bin" "$VET_TIMEOUT" "$t_phase" "$t_budget" "$BUDGET" "${trees[@]}" <<'PY' || rc=$?
import collections, difflib, itertools, json, os, re, shutil, subprocess, sys, time

out, work, gofmt, vet_timeout, t_phase = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
t_budget, budget = float(sys.argv[6]), float(sys.argv[7])
trees = [t.split("|") for t in sys.argv[8:]]

def remaining():
    """Seconds left of the budget (which starts after the build), minus a reserve for the report."""
    return budget - 20 - (time.time() - t_budget)
RULES = ["single-result-buffer", "time-after-in-loop", "fan-in-ctx-guard", "waitgroup-done"]

def phase(name):
    global t_phase
    now = time.time()
    line = "phase %-8s %7.1f s" % (name, now - t_phase)
    print(line, flush=True)
    open(os.path.join(out, "phases.txt"), "a").write(line + "\n")
    t_phase = now

def rel(p):
    return os.path.normpath(p)

def read(p):
    with open(p, encoding="utf-8", newline="") as f:
        return f.read()

def go_env(name, copy, kind):
    """The go command's environment for a tree. -trimpath keeps the copies'
    random temp paths out of the build cache keys, so a later run reuses
    what an earlier one compiled."""
    env = dict(os.environ)
    if kind == "goroot":
        gr = os.path.dirname(copy)
        env["GOROOT"] = gr
        env["PATH"] = os.path.join(gr, "bin") + os.pathsep + env["PATH"]
        env["GOFLAGS"] = "-trimpath"
    else:
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -mod=mod -trimpath").strip()
        env.pop("GOROOT", None)
    return env

def apply(text, edits):
    """Byte edits applied to text; insertions at one offset keep their order."""
    order = sorted(range(len(edits)), key=lambda i: (edits[i]["start"], edits[i]["end"], i))
    for i in reversed(order):
        e = edits[i]
        text = text[:e["start"]] + e["new"].encode() + text[e["end"]:]
    return text

# Per tree: findings, fixes, per-fix diffs, consistency of JSON edits with the written files.
data = {}
for name, orig, copy, kind, tags in trees:
    d = json.load(open(os.path.join(out, name + ".json")))
    rerun = json.load(open(os.path.join(out, name + ".rerun.json")))
    changed = sorted(rel(f) for f in d["changed_files"])
    fixes = [f for f in d["findings"] if f["suggested_fixes"]]
    # One diff per fix, applied alone to the original.
    with open(os.path.join(out, name + ".fixes.diff"), "w") as fx:
        for i, f in enumerate(fixes):
            edits = collections.defaultdict(list)
            for e in f["suggested_fixes"][0]["edits"]:
                edits[rel(e["filename"])].append(e)
            f["_files"] = sorted(edits)
            fx.write("=== fix %d: %s %s\n# %s\n" % (i + 1, f["rule"], rel(f["posn"]), f["message"].replace("\n", " ")))
            for fn, es in sorted(edits.items()):
                text = read(os.path.join(orig, fn)).encode()
                new = text
                new = apply(text, es)
                fx.writelines(difflib.unified_diff(
                    text.decode().splitlines(True), new.decode().splitlines(True), "a/" + fn, "b/" + fn, n=3))
            fx.write("\n")
    # The whole patch, from the files actually written.
    mismatch = []
    with open(os.path.join(out, name + ".diff"), "w") as px:
        for fn in changed:
            a, b = read(os.path.join(orig, fn)), read(os.path.join(copy, fn))
            px.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "a/" + fn, "b/" + fn, n=3))
            # All fixes' edits to this file, identical ones merged, must give the written bytes.
            es, seen = [], set()
            for f in fixes:
                for e in f["suggested_fixes"][0]["edits"]:
                    k = (rel(e["filename"]), e["start"], e["end"], e["new"])
                    if k[0] == fn and k not in seen:
                        seen.add(k); es.append(e)
            if apply(a.encode(), es) != b.encode():
                mismatch.append(fn)
    data[name] = dict(orig=orig, copy=copy, kind=kind, tags=tags.split(",") if tags else [], json=d, changed=changed, fixes=fixes,
                      mismatch=mismatch, rerun_fixes=[f for f in rerun["findings"] if f["suggested_fixes"]])

# gofmt: a rewritten file must be gofmt-clean when its original was.
gofmt_fail = {}
for name, t in data.items():
    bad = []
    if t["changed"]:
        r = subprocess.run([gofmt, "-l"] + t["changed"], cwd=t["copy"], capture_output=True, text=True)
        for fn in r.stdout.split():
            o = subprocess.run([gofmt, "-l", fn], cwd=t["orig"], capture_output=True, text=True)
            if not o.stdout.strip():
                bad.append(rel(fn))
    gofmt_fail[name] = bad
phase("gofmt")

# vet: each changed package (directory), per platform its changed files need.
GOOS = "aix android darwin dragonfly freebsd illumos ios js linux netbsd openbsd plan9 solaris wasip1 windows".split()
GOARCH = "386 amd64 arm arm64 loong64 mips mips64 mips64le mipsle ppc64 ppc64le riscv64 s390x wasm".split()
UNIX = set(GOOS) - {"js", "plan9", "wasip1", "windows"}

def go_list(cwd, env, tags):
    cmd = ["go", "list", "-e", "-json"] + (["-tags", ",".join(tags)] if tags else []) + ["."]
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=max(1, min(300, remaining())))
        return json.loads(r.stdout)
    except (ValueError, subprocess.TimeoutExpired):
        return {}

def platform(path):
    """(GOOS, GOARCH, tags) under which the file's name and //go:build line
    select it, preferring linux/amd64 and the fewest tags; None if none."""
    parts = os.path.basename(path)[:-3].split("_")
    if parts[-1] == "test":
        parts = parts[:-1]
    oses, arches = list(GOOS), list(GOARCH)
    if len(parts) > 1 and parts[-1] in GOARCH:
        arches = [parts[-1]]
        if len(parts) > 2 and parts[-2] in GOOS:
            oses = [parts[-2]]
    elif len(parts) > 1 and parts[-1] in GOOS:
        oses = [parts[-1]]
    try:
        head = read(path).split("\npackage ", 1)[0]
    except OSError:
        head = ""
    m = re.search(r"^//go:build (.*)$", head, re.M)
    expr = m.group(1) if m else "gc"
    words = sorted(set(re.findall(r"[A-Za-z0-9_.]+", expr)))
    special = set(GOOS) | set(GOARCH) | {"unix", "cgo", "gc", "gccgo", "race", "ignore", "msan", "asan"}
    custom = [w for w in words if w not in special and not re.match(r"go1\.\d+$", w)]
    py = expr.replace("&&", " and ").replace("||", " or ").replace("!", " not ")
    py = re.sub(r"[A-Za-z0-9_.]+", lambda m: m.group(0) if m.group(0) in ("and", "or", "not") else "v[%r]" % m.group(0), py)
    oses = sorted(oses, key=lambda o: (o != "linux", o not in words))
    arches = sorted(arches, key=lambda a: (a != "amd64", a not in words))
    for k in range(len(custom) + 1 if len(custom) <= 8 else 1):
        for tags in itertools.combinations(custom, k):
            for o in oses:
                for a in arches:
                    v = collections.defaultdict(bool)
                    v.update({o: True, a: True, "unix": o in UNIX, "gc": True, "cgo": o == "linux" and a == "amd64"})
                    v.update({t: True for t in tags})
                    for w in words:
                        mm = re.match(r"go1\.(\d+)$", w)
                        if mm:
                            v[w] = int(mm.group(1)) <= 26
                    try:
                        if eval(py, {"v": v}):
                            return o, a, list(tags)
                    except SyntaxError:
                        return None
    return None

DIAG = re.compile(r"^(vet: )?\S+\.go:\d+:\d+: ")

# An import the go command cannot resolve is reported at the import's
# position, like a diagnostic, but it means the package did not load.
UNRESOLVED = re.compile(r": (reading https?://|missing go\.sum entry|no required module provides|cannot find module providing)|"
                        r"(module .* found, but does not contain package|invalid version: )")

def setup_errors(output):
    """Lines of a failed vet run that say the package did not load: not
    diagnostics, or an import the go command could not resolve."""
    return [l for l in output.splitlines() if l.strip() and not l.startswith(("#", "\t", " "))
            and (not DIAG.match(l) or UNRESOLVED.search(l))
            and not re.match(r"go: (downloading|finding|extracting|added|upgraded) ", l)]

def norm(output):
    """Diagnostics of a vet run, without positions (fixes move lines) and
    without the go command's progress lines."""
    out = set()
    for line in output.splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"go: (downloading|finding|extracting|added|upgraded) ", line):
            continue
        line = re.sub(r"\.go:\d+(:\d+)?", ".go", line)
        line = re.sub(r"^(\S*/)?([^/\s]+\.go)", r"\2", line)
        out.add(line.strip())
    return out

vet = {}
for name, t in data.items():
    env0 = go_env(name, t["copy"], t["kind"])
    bydir = collections.defaultdict(list)
    for fn in t["changed"]:
        bydir[os.path.dirname(fn) or "."].append(fn)
    res = vet[name] = dict(packages=0, ok=0, broken={}, preexisting=[], timeouts=[], unchecked=[], budget=[], setup=[], seconds=0.0)
    for d, files in sorted(bydir.items()):
        if remaining() <= 0:
            res["budget"].append(d)
            continue
        cwd = os.path.join(t["copy"], d)
        configs = collections.OrderedDict()  # (goos, tags) -> files
        info = go_list(cwd, env0, t["tags"])
        ignored = set(info.get("IgnoredGoFiles") or [])
        for fn in files:
            b = os.path.basename(fn)
            if b not in ignored:
                configs.setdefault(("", "", ()), []).append(fn)
                continue
            plat = platform(os.path.join(t["copy"], fn))
            if plat:
                goos, goarch, tags = plat
                env = dict(env0, GOOS=goos, GOARCH=goarch, CGO_ENABLED="1" if (goos, goarch) == ("linux", "amd64") else "0")
                if b not in set(go_list(cwd, env, t["tags"] + tags).get("IgnoredGoFiles") or [b]):
                    configs.setdefault(plat[:2] + (tuple(tags),), []).append(fn)
                    continue
            res["unchecked"].append(fn)
        for (goos, goarch, tags), fns in configs.items():
            env = dict(env0)
            if goos:
                env.update(GOOS=goos, GOARCH=goarch, CGO_ENABLED="1" if (goos, goarch) == ("linux", "amd64") else "0")
            alltags = t["tags"] + list(tags)
            cmd = ["go", "vet"] + (["-tags", ",".join(alltags)] if alltags else []) + ["."]
            label = d + (" (%s/%s)" % (goos, goarch) if goos else "") + (" (-tags %s)" % ",".join(tags) if tags else "")
            left = remaining()
            if left <= 0:
                res["budget"].append(label)
                continue
            res["packages"] += 1
            t0 = time.time()
            try:
                r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=min(vet_timeout, left))
            except subprocess.TimeoutExpired:
                res["budget" if left < vet_timeout else "timeouts"].append(label)
                print("  vet %-12s %-50s timed out after %.0f s" % (name, label, time.time() - t0), flush=True)
                continue
            verdict = "ok"
            r0 = None
            if r.returncode != 0:
                # Failing: vet the original files of this package in place of the fixed ones.
                saved = {}
                for fn in t["changed"]:
                    if os.path.dirname(fn) == os.path.dirname(fns[0]):
                        saved[fn] = read(os.path.join(t["copy"], fn))
                        shutil.copyfile(os.path.join(t["orig"], fn), os.path.join(t["copy"], fn))
                try:
                    r0 = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                                        timeout=max(1, min(vet_timeout, remaining())))
                    before = norm(r0.stdout + r0.stderr)
                except subprocess.TimeoutExpired:
                    before = set()
                finally:
                    for fn, text in saved.items():
                        with open(os.path.join(t["copy"], fn), "w", encoding="utf-8", newline="") as f:
                            f.write(text)
                new = sorted(norm(r.stdout + r.stderr) - before)
                setup = setup_errors(r0.stdout + r0.stderr) if r0 else []
                if not new and setup:
                    # The original does not load either (a module the proxy does not
                    # serve, a missing cgo toolchain...): nothing was checked.
                    res["setup"].append((label, setup[0]))
                    verdict = "NOT CHECKED: " + setup[0][:80]
                elif new:
                    res["broken"][label] = (fns, new, r.stdout + r.stderr)
                    verdict = "BROKE"
                else:
                    first = (sorted(before) or [""])[0]
                    res["preexisting"].append((label, first[:100]))
                    verdict = "fails before the fix too"
            else:
                res["ok"] += 1
            dt = time.time() - t0
            res["seconds"] += dt
            print("  vet %-12s %-50s %s (%.1f s)" % (name, label, verdict, dt), flush=True)
phase("vet")

# Report.
failed = False
print()
print("%-12s %-22s %8s %6s %7s %6s %6s" % ("tree", "rule", "findings", "fixes", "broke", "gofmt", "rerun"))
tot = collections.Counter()
for name, t in data.items():
    broken_files = set()
    for fns, new, _ in vet[name]["broken"].values():
        hit = {f for f in fns if any(os.path.basename(f) in n for n in new)}
        broken_files |= hit or set(fns)
    for rule in RULES:
        fs = [f for f in t["json"]["findings"] if f["rule"] == rule]
        fx = [f for f in t["fixes"] if f["rule"] == rule]
        br = [f for f in fx if set(f["_files"]) & broken_files]
        gf = [f for f in fx if set(f["_files"]) & set(gofmt_fail[name])]
        rr = [f for f in t["rerun_fixes"] if f["rule"] == rule]
        c = collections.Counter(findings=len(fs), fixes=len(fx), broke=len(br), gofmt=len(gf), rerun=len(rr))
        tot.update(c)
        print("%-12s %-22s %8d %6d %7d %6d %6d" % (name, rule, c["findings"], c["fixes"], c["broke"], c["gofmt"], c["rerun"]))
print("%-12s %-22s %8d %6d %7d %6d %6d" % ("total", "", tot["findings"], tot["fixes"], tot["broke"], tot["gofmt"], tot["rerun"]))
print()
for name, t in data.items():
    v = vet[name]
    print("%s: %d files changed; go vet: %d runs (%.0f s), %d clean, %d failing before the fix too, %d not loadable, %d timed out, %d not run (time budget), %d files unchecked (no platform found); tool: %d skipped regions, %d errors"
          % (name, len(t["changed"]), v["packages"], v["seconds"], v["ok"], len(v["preexisting"]), len(v["setup"]), len(v["timeouts"]),
             len(v["budget"]), len(v["unchecked"]), len(t["json"]["skipped"]), len(t["json"]["errors"])))
    for label, (fns, new, full) in v["broken"].items():
        failed = True
        print("  BROKE %s (%s):" % (label, ", ".join(fns)))
        for line in full.strip().splitlines()[:15]:
            print("    " + line)
    for fn in gofmt_fail[name]:
        failed = True
        print("  NOT GOFMT-CLEAN %s" % fn)
    for fn in t["mismatch"]:
        print("  note: the JSON's edits do not reproduce the written %s" % fn)
    for label, first in v["preexisting"]:
        print("  note: %s fails go vet before the fix too, no new diagnostic (e.g. %s)" % (label, first))
    for label in v["timeouts"]:
        print("  WARNING: go vet timed out on %s" % label)
    for label, why in v["setup"]:
        print("  WARNING: %s could not be vetted, before the fix either: %s" % (label, why))
    for label in v["budget"]:
        print("  WARNING: time budget spent; not vetted: %s" % label)
    for fn in v["unchecked"]:
        print("  WARNING: no GOOS/tags found that build %s; not vetted" % fn)
    for f in t["rerun_fixes"]:
        # Idempotence: the fixed copy must give no further fix.
        failed = True
        print("  NOT IDEMPOTENT: a second run still fixes %s %s" % (f["rule"], f["posn"]))
    if t["json"]["errors"]:
        failed = True
        print("  ERRORS: %s" % t["json"]["errors"][:5])

# A sample of diffs: the first fix of each rule in each tree.
print("\nsample of fixes (all of them, one diff each: %s/<tree>.fixes.diff):" % out)
for name, t in data.items():
    text = read(os.path.join(out, name + ".fixes.diff"))
    shown = set()
    for block in text.split("=== fix ")[1:]:
        rule = block.split()[1]
        if rule in shown:
            continue
        shown.add(rule)
        lines = block.rstrip("\n").splitlines()
        print("--- %s, fix %s" % (name, lines[0]))
        for line in lines[1:40]:
            print("  " + line)
        if len(lines) > 40:
            print("  ... (%d more lines)" % (len(lines) - 40))
phase("report")
incomplete = sum(len(v["budget"]) + len(v["timeouts"]) + len(v["unchecked"]) + len(v["setup"]) for v in vet.values())
open(os.path.join(out, "incomplete.txt"), "w").write("%d\n" % incomplete)
sys.exit(1 if failed else 0)
PY
t_end=$(date +%s.%N)
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'total %.1f s\n' "$(awk "BEGIN{print $t_end - $t_all}")" | tee -a "$out/phases.txt"
if [ "$rc" -ne 0 ]; then
  echo "realworld: FAIL (a fix broke a build, a file is not gofmt-clean, a second run still fixes something, or the tool reported errors)"
  exit 1
fi
incomplete=$(cat "$out/incomplete.txt")
if [ "$incomplete" -gt 0 ]; then
  # Out of time (a cold Go build cache, a loaded machine) or not loadable:
  # nothing found broken, but not everything was checked. STRICT=1 fails.
  echo "realworld: INCOMPLETE ($incomplete package vets or files not checked, see WARNING lines; nothing found broken)"
  [ "${STRICT:-}" = 1 ] && exit 1
  exit 0
fi
echo "realworld: ok (every changed package still vets, every rewritten file is gofmt-clean)"
