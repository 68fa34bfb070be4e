#!/usr/bin/env bash
# The pre-commit hooks' entry (.pre-commit-hooks.yaml, language: script):
# runs gofix-leaks with the hook's arguments and files. The binary is, in
# order: a gofix-leaks on PATH; the release of this checkout's version
# (Cargo.toml's, as tag vX.Y.Z), downloaded once into pre-commit's cache
# and checked against the release's SHA256SUMS (scripts/install.sh); else
# one built there with cargo install --locked from this checkout.
set -euo pipefail

if command -v gofix-leaks >/dev/null; then
    exec gofix-leaks "$@"
fi
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=v$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1)
cache=${GOFIX_LEAKS_CACHE:-${PRE_COMMIT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/pre-commit}/gofix-leaks}/$version
for exe in "$cache/bin/gofix-leaks" "$cache/bin/gofix-leaks.exe"; do
    if [[ -x $exe ]]; then exec "$exe" "$@"; fi
done
# pre-commit clones the hook repository with an origin: its GitHub
# owner/name is where the releases are.
if [[ -z ${GOFIX_LEAKS_REPO:-} ]]; then
    url=$(git -C "$src" remote get-url origin 2>/dev/null || true)
    if [[ $url =~ github\.com[:/]([^/]+/[^/]+)$ ]]; then
        GOFIX_LEAKS_REPO=${BASH_REMATCH[1]%.git}
        export GOFIX_LEAKS_REPO
    fi
fi
exe=$(bash "$src/scripts/install.sh" "$cache" "$version")
exec "$exe" "$@"
