#!/usr/bin/env bash
# The golangci-lint module plugin in a real golangci-lint: builds one as
# `golangci-lint custom` would (upstream main plus a blank import of
# integrations/analysis/golangci), but from the Go module proxy instead of a
# git clone, then runs it on a module with the README's example leak: `run`
# must report the finding, `run --fix` must write what `gofix-leaks --write`
# writes, and a misspelt setting must stop the run naming it. Not in CI:
# the first build fetches and compiles all of golangci-lint (minutes).
#
# Usage: scripts/golangci-plugin-check.sh GOFIX_LEAKS_BIN [GOLANGCI_VERSION]
set -euo pipefail
bin=$(realpath "$1") version=${2:-v2.15.0}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

mkdir "$tmp/gcl" && cd "$tmp/gcl"
cat > main.go <<'GO'
package main

import (
	"fmt"
	"os"

	"github.com/golangci/golangci-lint/v2/pkg/commands"

	_ "gofix-leaks.invalid/analysis/golangci"
)

func main() {
	if err := commands.Execute(commands.BuildInfo{Version: "custom", Commit: "?", Date: "?", GoVersion: "go"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}
GO
printf 'module gclcheck\n\ngo 1.26.0\n\nrequire (\n\tgithub.com/golangci/golangci-lint/v2 %s\n\tgofix-leaks.invalid/analysis v0.0.0\n)\n\nreplace gofix-leaks.invalid/analysis => %s\n' \
  "$version" "$root/integrations/analysis" > go.mod
go mod tidy
go build -o "$tmp/custom-gcl" .

mod() { # a module in $1 holding the example leak
  mkdir -p "$1" && cp "$root/examples/leaky/main.go" "$1/" && printf 'module example.com/m\n\ngo 1.22\n' > "$1/go.mod"
}
mod "$tmp/m"; mod "$tmp/by-tool"
(cd "$tmp/by-tool" && "$bin" --write . >/dev/null 2>&1)
cd "$tmp/m"
cat > .golangci.yml <<YML
version: "2"
linters:
  default: none
  enable: [gofixleaks]
  settings:
    custom:
      gofixleaks:
        type: module
        settings:
          binary: $bin
YML
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$tmp/custom-gcl" run ./... 2>&1) && fail "run found nothing: $out"
grep -q 'main.go:19:8: single-result-buffer \[leak\]: .*(gofixleaks)' <<<"$out" || fail "run: $out"
"$tmp/custom-gcl" run --fix ./... >/dev/null 2>&1 || true
cmp -s main.go "$tmp/by-tool/main.go" || fail "run --fix differs from gofix-leaks --write: $(diff main.go "$tmp/by-tool/main.go")"
sed -i 's/binary:/bianry:/' .golangci.yml
out=$("$tmp/custom-gcl" run ./... 2>&1) && fail "a misspelt setting was accepted"
grep -q 'unknown field "bianry"' <<<"$out" || fail "misspelt setting not named: $out"
echo "golangci-lint $version with the gofixleaks plugin: run reports, run --fix applies, bad settings named: ok"
