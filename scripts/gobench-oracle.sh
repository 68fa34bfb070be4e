#!/usr/bin/env bash
# Leak oracle over the GoBench kernels in Go's tree.
#
# $(go env GOROOT)/src/runtime/testdata/testgoroutineleakprofile holds two
# programs (package main at the top with the micro tests, the stress tests and
# Uber's common leak patterns; package main in goker/ with GoBench's blocking
# kernels). Each kernel is a function registered by name; run as
# `PROG NAME`, it starts the leaky goroutines, yields or sleeps, and writes
# the `goroutineleak` pprof profile (debug=2: a goroutine dump of every
# goroutine the GC found blocked on a concurrency primitive no live goroutine
# can reach, headers `goroutine N [REASON (leaked)]:`) to stdout. That profile
# exists only in a runtime built with GOEXPERIMENT=goroutineleakprofile.
# runtime/goroutineleakprofile_test.go runs them the same way: GODEBUG=
# asyncpreemptoff=1, GOMAXPROCS=1 for its non-flaky cases (makeTest), default
# GOMAXPROCS for flaky ones, and names a leak `ENTRY [REASON]` from the frame
# above `created by`.
#
# The oracle:
#  1. copies the testdata to a temp dir as its own module (go.mod `go
#     $GOMOD_GO`, default 1.26 like the std module it comes from) twice:
#     orig/ and fixed/;
#  2. runs `gofix-leaks --write --format json .` in fixed/ (full pack);
#  3. checks fixed/ with gofmt -l and go vet against orig/ (the testdata is
#     not vet- or gofmt-clean to begin with: the fixed copy must add nothing);
#  4. builds both copies with GOEXPERIMENT=goroutineleakprofile and runs every
#     kernel REPS times (FIXED_REPS times for kernels in a file the tool
#     changed) before and after, JOBS at a time, each run bounded by a timeout;
#  5. attributes each finding to the leaked goroutines it covers and checks
#     that they are gone.
#
# A leaked goroutine G (before the fix) is covered by a finding F when the
# tool edited G's code for G's blocking operation: G's innermost frame in
# package main, or the `go` statement that created G, lies in the top-level
# function declaration holding F's position (or an edit of F rewrites the
# very line G blocks on), and G's wait reason is one F's rule removes:
# `chan send` for single-result-buffer and fan-in-ctx-guard (a buffer or a
# ctx.Done() guard), `chan receive` for fan-in-ctx-guard only when an edit
# rewrites that receive (the `return <-ch` shape), `sync.WaitGroup.Wait` for
# waitgroup-done. time-after-in-loop covers no goroutine: a time.After in a
# loop leaks a timer (before Go 1.23), which a goroutine profile cannot see.
#
# Exit 1 when a covered goroutine (same entry function, same blocking
# function, any wait reason) still leaks after the fix, when a kernel in a
# changed file leaks a goroutine never seen before the fix, crashes or times
# out where it did not before, when the fixed copy does not build, or when it
# has vet findings or unformatted files the original has not. Other leaks are
# reported, not failed: "not covered" (no fix touched the kernel) or
# "edited, not covered" (a fix touched the kernel, but not for the operation
# the goroutine blocks on). A leak counts as new only if the runtime test
# does not list it for that kernel (flaky leaks come and go).
# ORACLE_STRICT=1 reads the requirement per kernel instead: any kernel where
# a goroutine-leak rule (not time-after-in-loop) edited a leaked goroutine's
# code or its creator, and that still leaks anything at all after the fix,
# fails.
#
# Env: GOFIX_LEAKS (a built binary; default: cargo build --release),
# REPS (2), FIXED_REPS (10), JOBS (nproc), RUN_TIMEOUT (seconds per kernel
# run, 20), GOMOD_GO (1.26; 1.22 gets time-after-in-loop's stop-and-drain
# re-arm and pre-1.23 timers at run time), ORACLE_STRICT, ORACLE_OUT (raw
# profiles per kernel and run, fix.json, fixed.diff, report.json; default
# target/gobench-oracle; its previous results are removed).
#
# On the project's 2-core machine with a warm Go build cache: about a
# minute (516 kernel runs, 2 at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
src="$(go env GOROOT)/src"
testdata="$src/runtime/testdata/testgoroutineleakprofile"
leaktest="$src/runtime/goroutineleakprofile_test.go"
[ -d "$testdata" ] || { echo "no $testdata (needs Go 1.26+)" >&2; exit 2; }
export REPS="${REPS:-2}" FIXED_REPS="${FIXED_REPS:-10}" JOBS="${JOBS:-$(nproc)}"
export GOMOD_GO="${GOMOD_GO:-1.26}" RUN_TIMEOUT="${RUN_TIMEOUT:-20}"
export ORACLE_OUT="${ORACLE_OUT:-$repo/target/gobench-oracle}"
export GOTOOLCHAIN=local
start=$(date +%s)

phase() { phases+="$1 $(( $(date +%s) - t0 ))s, "; t0=$(date +%s); }
phases=""; t0=$start
if [ -n "${GOFIX_LEAKS:-}" ]; then
  tool=$(realpath "$GOFIX_LEAKS")
else
  cargo build --release --quiet --bin gofix-leaks
  tool="$repo/target/release/gofix-leaks"
fi
phase "cargo build"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$ORACLE_OUT"
rm -rf "${ORACLE_OUT:?}"/{orig,fixed} "$ORACLE_OUT"/{fix.json,fix.stderr,fixed.diff,report.json}

cp -r "$testdata" "$work/orig"
printf 'module gobench\n\ngo %s\n' "$GOMOD_GO" >"$work/orig/go.mod"
cp -r "$work/orig" "$work/fixed"

rc=0
(cd "$work/fixed" && "$tool" --write --format json --color never .) \
  >"$ORACLE_OUT/fix.json" 2>"$ORACLE_OUT/fix.stderr" || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "FAIL: gofix-leaks exited $rc"; cat "$ORACLE_OUT/fix.stderr"; exit 1
fi
(cd "$work" && diff -ru orig fixed) >"$ORACLE_OUT/fixed.diff" || true
phase "copy and fix"

# vet and gofmt, original against fixed. Line numbers move with the edits,
# so vet findings are compared as file + message.
for v in orig fixed; do
  (cd "$work/$v" && gofmt -l . | sort >"$work/gofmt.$v")
  (cd "$work/$v" && go vet ./... 2>&1 \
    | grep -v '^#' | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort >"$work/vet.$v") || true
done

phase "vet and gofmt"
export GOEXPERIMENT=goroutineleakprofile
mkdir -p "$work/bin"
for v in orig fixed; do
  for p in root goker; do
    pkg=.; [ "$p" = goker ] && pkg=./goker
    if ! (cd "$work/$v" && go build -o "$work/bin/$v-$p" "$pkg") >"$work/build.$v.$p" 2>&1; then
      echo "FAIL: $v/$pkg does not build"; cat "$work/build.$v.$p"; exit 1
    fi
  done
done

phase "go build"
export ORACLE_START=$start ORACLE_PHASES=$phases
python3 - "$work" "$leaktest" <<'PY'
import collections, concurrent.futures as cf, json, os, re, subprocess, sys, time

work, leaktest = sys.argv[1], sys.argv[2]
REPS, FIXED_REPS, JOBS = int(os.environ["REPS"]), int(os.environ["FIXED_REPS"]), int(os.environ["JOBS"])
STRICT = os.environ.get("ORACLE_STRICT") not in (None, "", "0")
OUT, TIMEOUT = os.environ["ORACLE_OUT"], float(os.environ["RUN_TIMEOUT"])
orig = os.path.join(work, "orig")
failures, warnings = [], []

# --- kernels: registered names, their file and program --------------------
kernels = {}  # name -> file (relative)
for sub in ("", "goker"):
    d = os.path.join(orig, sub)
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".go"):
            continue
        rel = os.path.join(sub, fn) if sub else fn
        for m in re.finditer(r'\bregister\("(\w+)"', open(os.path.join(d, fn)).read()):
            kernels[m.group(1)] = rel
prog = lambda k: "goker" if kernels[k].startswith("goker/") else "root"

# --- the runtime test's configuration and expectations ---------------------
simple, flaky, expected = set(), set(), {}
for m in re.finditer(r'make(Flaky)?Test\("(\w+)"((?:\s*,\s*`[^`]*`)*)\s*,?\s*\)', open(leaktest).read()):
    (flaky if m.group(1) else simple).add(m.group(2))
    expected[m.group(2)] = re.findall(r'`([^`]*)`', m.group(3))

# --- top-level declarations of the original files --------------------------
decls = {}  # rel -> [(first, last, name)]
def decls_of(rel):
    if rel not in decls:
        out, lines = [], open(os.path.join(orig, rel)).read().split("\n")
        for i, l in enumerate(lines, 1):
            m = re.match(r'func (?:\(\s*\w*\s*\*?\s*(\w+)[^)]*\)\s*)?(\w+)', l)
            if not m:
                continue
            name = (m.group(1) + "." if m.group(1) else "") + m.group(2)
            end = i
            if not l.rstrip().endswith("}"):
                for j in range(i, len(lines)):
                    if lines[j] == "}":
                        end = j + 1
                        break
            out.append((i, end, name))
        decls[rel] = out
    return decls[rel]
def decl_at(rel, line):
    for d in decls_of(rel) if os.path.exists(os.path.join(orig, rel)) else []:
        if d[0] <= line <= d[1]:
            return d
    return None

# --- findings --------------------------------------------------------------
fix = json.load(open(os.path.join(OUT, "fix.json")))
def line_of(rel, off, cache={}):
    if rel not in cache:
        cache[rel] = open(os.path.join(orig, rel), "rb").read()
    return cache[rel][:off].count(b"\n") + 1
findings = []
for f in fix["findings"]:
    rel = f["file"]
    d = decl_at(rel, f["start"]["line"])
    edits = set()
    for s in f["suggested_fixes"]:
        for e in s["edits"]:
            a, b = line_of(e["filename"], e["start"]), line_of(e["filename"], e["end"])
            edits.update((e["filename"], l) for l in range(a, b + 1))
    findings.append(dict(rule=f["rule"], file=rel, line=f["start"]["line"], decl=d,
                         func=d[2] if d else "?", fixed=bool(f["suggested_fixes"]),
                         why=f.get("no_fix_reason", ""), edit_lines=edits))
changed = set(fix["changed_files"])

# --- running kernels and reading the goroutineleak profile -----------------
def frame_loc(s, root):
    m = re.match(r'\s*(.*):(\d+)(?: \+0x[0-9a-f]+)?$', s)
    if not m:
        return None, 0
    path = m.group(1)
    return (os.path.relpath(path, root) if path.startswith(root + "/") else path), int(m.group(2))

def strip_args(fn):
    fn = fn.strip()
    i = fn.rfind("(")
    return fn[:i] if i > 0 and fn.endswith(")") else fn

def parse(out, root):
    leaks = []
    for block in re.split(r"\n\s*\n", out):
        lines = block.strip("\n").split("\n")
        m = re.match(r"goroutine \d+ \[(.*)\]:", lines[0])
        if not m or "(leaked)" not in m.group(1):
            continue
        reason = m.group(1).split(" (leaked)")[0]
        frames, created, raw_entry, i = [], None, None, 1
        while i < len(lines):
            l = lines[i]
            if l.startswith("created by "):
                raw_entry = lines[i - 2] if i >= 2 else ""
                loc = frame_loc(lines[i + 1], root) if i + 1 < len(lines) else (None, 0)
                created = (strip_args(l[len("created by "):].split(" in goroutine")[0]),) + loc
                i += 2
            elif l.startswith("\t") or l.startswith("..."):
                i += 1
            else:
                loc = frame_loc(lines[i + 1], root) if i + 1 < len(lines) else (None, 0)
                frames.append((strip_args(l),) + loc)
                i += 2
        mains = [f for f in frames if f[0].startswith("main.")]
        entry = frames[-1][0] if frames else "?"
        block_fn = mains[0] if mains else (frames[0] if frames else ("?", None, 0))
        short = lambda s: s[5:] if s.startswith("main.") else s
        leaks.append(dict(
            reason=reason, entry=short(entry), blocking=short(block_fn[0]),
            block_loc=(block_fn[1], block_fn[2]), created=created,
            frames=[(f[1], f[2]) for f in mains],
            # the runtime test's name for a leak: frame above `created by`, then [reason]
            runtime_name=short((raw_entry or entry).strip()) + " [" + reason + "]",
            stack=block.replace(root + "/", "")))
    return leaks

def run(version, k, rep):
    env = dict(os.environ, GODEBUG="asyncpreemptoff=1", GOEXPERIMENT="goroutineleakprofile")
    if k in simple:
        env["GOMAXPROCS"] = "1"
    exe = os.path.join(work, "bin", f"{version}-{prog(k)}")
    t = time.time()
    try:
        p = subprocess.run([exe, k], env=env, capture_output=True, text=True, timeout=TIMEOUT)
        status = "ok" if p.returncode == 0 and p.stdout else f"exit {p.returncode}"
        out, err = p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        status, out, err = "timeout", (e.stdout or b"").decode(errors="replace"), (e.stderr or b"").decode(errors="replace")
    d = os.path.join(OUT, version, k)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"run{rep}.txt"), "w") as fh:
        fh.write(f"# {status}, {time.time() - t:.2f}s\n{out}" + (f"\n# stderr\n{err}" if err else ""))
    return dict(status=status, leaks=parse(out, os.path.join(work, version)))

def reps(k):
    return FIXED_REPS if kernels[k] in changed else REPS

t_runs = time.time()
results = {"orig": collections.defaultdict(list), "fixed": collections.defaultdict(list)}
with cf.ThreadPoolExecutor(JOBS) as pool:
    futs = {pool.submit(run, v, k, r): (v, k) for v in ("orig", "fixed") for k in kernels for r in range(reps(k))}
    for fu in cf.as_completed(futs):
        v, k = futs[fu]
        results[v][k].append(fu.result())

# --- attribution -----------------------------------------------------------
REMOVES = {"single-result-buffer": {"chan send"}, "fan-in-ctx-guard": {"chan send"},
           "waitgroup-done": {"sync.WaitGroup.Wait"}, "time-after-in-loop": set()}
def in_decl(loc, d, rel):
    return d is not None and loc and loc[0] == rel and d[0] <= loc[1] <= d[1]

def touches(f, g):  # F's function is code G runs or G's creator
    return f["fixed"] and (any(in_decl(fr, f["decl"], f["file"]) for fr in g["frames"])
                           or (g["created"] and in_decl(g["created"][1:], f["decl"], f["file"])))

def covers(f, g):
    if not f["fixed"]:
        return False
    if g["block_loc"] in f["edit_lines"] and f["rule"] != "time-after-in-loop":
        return True  # an edit rewrites the operation G blocks on
    if g["reason"] not in REMOVES[f["rule"]]:
        return False
    return in_decl(g["block_loc"], f["decl"], f["file"]) or \
        (g["created"] is not None and in_decl(g["created"][1:], f["decl"], f["file"]))

def summary(runs):
    n = len(runs)
    hit = sum(1 for r in runs if r["leaks"])
    mx = max((len(r["leaks"]) for r in runs), default=0)
    keys = collections.Counter()
    for r in runs:
        for g in r["leaks"]:
            keys[f'{g["entry"]} [{g["reason"]}]'] += 1
    bad = [r["status"] for r in runs if r["status"] != "ok"]
    return dict(runs=n, leaked_runs=hit, max=mx, keys=keys, bad=bad)

rows, report, remaining = [], {}, []
for k in sorted(kernels, key=lambda k: (prog(k) == "goker", kernels[k], k)):
    before, after = results["orig"][k], results["fixed"][k]
    rel = kernels[k]
    before_leaks = [g for r in before for g in r["leaks"]]
    after_leaks = [g for r in after for g in r["leaks"]]
    # fixes that belong to this kernel: in its own file (one kernel per goker
    # file), or in a shared file in a function its leaked goroutines run
    own_file = sum(1 for kk in kernels.values() if kk == rel) == 1
    mine = [f for f in findings if f["file"] == rel and (own_file or any(touches(f, g) for g in before_leaks))]
    fixes = [f for f in mine if f["fixed"]]
    covered = {}
    for g in before_leaks:
        for f in fixes:
            if covers(f, g):
                covered[(g["entry"], g["blocking"])] = (f, g)
    still = [g for g in after_leaks if (g["entry"], g["blocking"]) in covered]
    before_keys = {(g["entry"], g["reason"]) for g in before_leaks}
    known = [re.compile(rx) for rx in expected.get(k, [])]
    new = [g for g in after_leaks if (g["entry"], g["reason"]) not in before_keys
           and not any(rx.search(g["runtime_name"]) for rx in known)] if rel in changed else []
    touched = [g for g in before_leaks if any(touches(f, g) for f in fixes if f["rule"] != "time-after-in-loop")]
    sb, sa = summary(before), summary(after)
    verdict, problems = "", []
    if still:
        problems.append("covered goroutine still leaks")
    if new:
        problems.append("new leak after the fix")
    if rel in changed and sa["bad"] and not sb["bad"]:
        problems.append("after the fix: " + ", ".join(sorted(set(sa["bad"]))))
    if STRICT and touched and after_leaks:
        problems.append("strict: kernel still leaks")
    if problems:
        verdict = "FAIL: " + "; ".join(problems)
        failures.append((k, verdict))
    elif covered and after_leaks:
        verdict = "fixed; other leaks not covered"
    elif covered:
        verdict = "FIXED"
    elif fixes and before_leaks:
        verdict = "edited, not covered"
    elif fixes:
        verdict = "edited, no leak"
    elif before_leaks:
        verdict = "not covered"
    else:
        verdict = "no leak"
    # the runtime test's own expectations, to show this harness sees its leaks
    if k in simple and expected.get(k):
        names = [g["runtime_name"] for g in before_leaks]
        for rx in expected[k]:
            if not any(re.search(rx, n) for n in names):
                warnings.append(f"{k}: the runtime test expects a leak matching `{rx}`; not seen before the fix")
    rows.append((k, sb, fixes, mine, sa, verdict, still, new, covered))
    if fixes and after_leaks:
        remaining.append((k, fixes, after_leaks, touched))
    report[k] = dict(file=rel, in_runtime_test=("non-flaky" if k in simple else "flaky" if k in flaky else "no"),
                     before=dict(sb, keys=dict(sb["keys"])), after=dict(sa, keys=dict(sa["keys"])),
                     findings=[dict((x, f[x]) for x in ("rule", "file", "line", "func", "fixed", "why")) for f in mine],
                     covered=[f'{e} (blocking in {b}) by {f["rule"]}' for (e, b), (f, g) in covered.items()],
                     verdict=verdict)

def goroutines(s, width):
    if not s["keys"]:
        return "-"
    parts = [f"{key} x{c}" if c > 1 else key for key, c in s["keys"].most_common()]
    text = parts[0] + (f" +{len(parts) - 1} more" if len(parts) > 1 else "")
    return text if len(text) <= width else text[:width - 3] + "..."

def leaked(s):
    runs = f'{s["leaked_runs"]}/{s["runs"]}'
    bad = f' ({",".join(sorted(set(s["bad"])))})' if s["bad"] else ""
    return f'{runs} max {s["max"]}{bad}' if s["leaked_runs"] else f"{runs}{bad}"

hdr = f'{"kernel":<24} {"leaked before (runs, max count, goroutines)":<72} {"fixed by rule (function)":<52} {"leaked after":<20} verdict'
print(hdr)
print("-" * len(hdr))
for k, sb, fixes, mine, sa, verdict, still, new, covered in rows:
    byrule = ", ".join(sorted({f'{f["rule"]} ({f["func"]})' for f in fixes}))
    nofix = [f for f in mine if not f["fixed"]]
    if nofix:
        byrule += (", " if byrule else "") + "reported, no fix: " + ", ".join(sorted({f["rule"] for f in nofix}))
    b = f"{leaked(sb):<16} {goroutines(sb, 55)}"
    print(f'{k:<24} {b:<72} {(byrule or "-"):<52} {leaked(sa):<20} {verdict}')

with open(os.path.join(OUT, "report.json"), "w") as fh:
    json.dump(report, fh, indent=1, default=list)

print()
gf = lambda v: set(open(os.path.join(work, f"gofmt.{v}")).read().split())
vt = lambda v: set(l for l in open(os.path.join(work, f"vet.{v}")).read().split("\n") if l.strip())
new_fmt, new_vet = gf("fixed") - gf("orig"), vt("fixed") - vt("orig")
print(f'gofix-leaks: {len(findings)} findings, {sum(f["fixed"] for f in findings)} fixed, '
      f'{len(changed)} files changed ({", ".join(sorted(changed))}); diff: {OUT}/fixed.diff')
print(f'gofmt -l: {len(gf("orig"))} files unformatted in the original (theirs), '
      f'{len(new_fmt)} new in the fixed copy {sorted(new_fmt) if new_fmt else ""}')
print(f'go vet: {len(vt("orig"))} findings in the original (theirs), {len(new_vet)} new in the fixed copy')
for l in sorted(new_vet):
    print("  " + l)
if new_fmt:
    failures.append(("gofmt", "unformatted after the fix: " + ", ".join(sorted(new_fmt))))
if new_vet:
    failures.append(("go vet", f"{len(new_vet)} new findings"))
unused = [f for f in findings if f["fixed"] and not any(f in r[2] for r in rows)]
for f in unused:
    print(f'note: fix {f["rule"]} in {f["file"]}:{f["line"]} ({f["func"]}) touches no leaked goroutine of any kernel')
checked = [k for k in kernels if k in simple and expected.get(k)]
print(f"runtime test: {len(simple)} non-flaky and {len(flaky)} flaky cases read; the expected leaks of "
      f"{len(checked) - len({w.split(':')[0] for w in warnings})}/{len(checked)} non-flaky leaking kernels all seen before the fix")
for w in warnings:
    print("harness warning: " + w)

# why edited kernels still leak: one stack per remaining goroutine
for k, fixes, after_leaks, touched in remaining:
    print(f"\n-- {k} still leaks after {', '.join(sorted({f['rule'] + ' in ' + f['func'] for f in fixes}))}:")
    seen = set()
    for g in after_leaks:
        key = (g["entry"], g["reason"])
        if key in seen:
            continue
        seen.add(key)
        n = sum(1 for h in after_leaks if (h["entry"], h["reason"]) == key)
        edited = any((h["entry"], h["blocking"]) == (g["entry"], g["blocking"]) for h in touched)
        print(f'   {g["entry"]} [{g["reason"]}] x{n}, blocked in {g["blocking"]} at {g["block_loc"][0]}:{g["block_loc"][1]} (fixed copy)'
              + ("; its code was edited" if edited else "; its code was not edited"))
        if len(seen) == 1:
            print("\n".join("      " + l for l in g["stack"].strip().split("\n")))
if not any(r[1]["leaked_runs"] for r in rows):
    print("FAIL: no kernel leaked before the fix: is the goroutineleak profile collected?")
    sys.exit(2)

for k, sb, fixes, mine, sa, verdict, still, new, covered in rows:
    if not verdict.startswith("FAIL"):
        continue
    print(f"\n== {k}: {verdict}")
    shown = set()
    rest = [g for r in results["fixed"][k] for g in r["leaks"]] if STRICT else []
    for g in still + new + rest:
        key = (g["entry"], g["reason"])
        if key in shown:
            continue
        shown.add(key)
        print(f'-- after the fix: {g["entry"]} [{g["reason"]}]')
        print("\n".join("   " + l for l in g["stack"].strip().split("\n")))
    for (e, b), (f, g) in covered.items():
        print(f'-- covered before the fix by {f["rule"]} ({f["file"]}:{f["line"]}, {f["func"]}): {e} [{g["reason"]}]')
        print("\n".join("   " + l for l in g["stack"].strip().split("\n")))
for name, why in failures:
    if name in ("gofmt", "go vet"):
        print(f"FAIL: {name}: {why}")

elapsed = time.time() - int(os.environ["ORACLE_START"])
print(f"\n{len(kernels)} kernels, {sum(r[1]['runs'] + r[4]['runs'] for r in rows)} runs ({JOBS} at a time), "
      f"{elapsed:.0f}s ({os.environ['ORACLE_PHASES']}kernel runs {time.time() - t_runs:.0f}s); "
      f"raw profiles and report.json in {OUT}")
print("gobench-oracle: " + ("FAIL (" + ", ".join(n for n, _ in failures) + ")" if failures else "ok"))
sys.exit(1 if failures else 0)
PY
