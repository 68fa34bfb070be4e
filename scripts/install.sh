#!/usr/bin/env bash
# Installs gofix-leaks without a Rust build where a release has a binary for
# this platform, else builds it with `cargo install --locked` from this
# checkout. One installer for the GitHub Action (scripts/action.sh) and the
# pre-commit hook (scripts/pre-commit.sh).
#
#   scripts/install.sh ROOT [VERSION]    # the binary goes to ROOT/bin
#
# VERSION is a release tag (v0.1.0) or `latest` (the default). The release
# comes from GitHub repository $GOFIX_LEAKS_REPO (owner/name), or from
# $GOFIX_LEAKS_RELEASE_URL, a directory of release assets (https:// or
# file://, e.g. a mirror), which overrides repository and version. An archive
# is installed only when SHA256SUMS, from the same release, lists its hash:
# a missing or wrong checksum fails, it never falls back. Only a release
# without this platform's archive (or no release source at all) falls back
# to cargo. Prints the binary's path on stdout; progress goes to stderr.
set -euo pipefail

root=${1:?usage: install.sh ROOT [VERSION]}
version=${2:-latest}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { echo "gofix-leaks install: $*" >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The release target this machine runs, as the release workflow names it.
target() {
    local arch os
    case "$(uname -m)" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) return 1 ;;
    esac
    case "$(uname -s)" in
        Linux) os=unknown-linux-musl ;;
        Darwin) os=apple-darwin ;;
        MINGW* | MSYS* | CYGWIN*) os=pc-windows-msvc ;;
        *) return 1 ;;
    esac
    echo "$arch-$os"
}

# fetch URL FILE: 0 when fetched, 3 when the server (or directory) has no
# such file, 1 on any other failure.
fetch() {
    local code rc=0
    code=$(curl -sL --retry 3 --proto '=https,file' -o "$2" -w '%{http_code}' "$1") || rc=$?
    case "$rc:$code" in
        0:200 | 0:000) return 0 ;; # 000: file:// has no status
        22:404 | 0:404 | 37:*) return 3 ;; # 37: file:// found no file
        *) say "cannot download $1 (curl exit $rc, HTTP $code)"; return 1 ;;
    esac
}

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

# from_release DIR: downloads, verifies and unpacks this platform's archive
# into DIR/bin; 3 when the release has none.
from_release() {
    local base=$GOFIX_LEAKS_RELEASE_URL t archive want got exe=gofix-leaks
    t=$(target) || { say "no release binary for $(uname -s) $(uname -m)"; return 3; }
    archive="gofix-leaks-$t.tar.gz"
    if [[ $t == *windows* ]]; then archive="gofix-leaks-$t.zip" exe=gofix-leaks.exe; fi
    fetch "$base/$archive" "$tmp/$archive" || return
    if ! fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS"; then
        say "$base has $archive but no SHA256SUMS: not installing an unverified binary"
        return 1
    fi
    want=$(awk -v n="$archive" '$2 == n || $2 == "*" n { print $1 }' "$tmp/SHA256SUMS")
    got=$(sha256 "$tmp/$archive")
    if [[ -z $want || $want != "$got" ]]; then
        say "checksum mismatch for $archive: SHA256SUMS says '${want:-nothing}', the download is $got"
        return 1
    fi
    if [[ $archive == *.zip ]]; then
        if command -v unzip >/dev/null; then
            unzip -q "$tmp/$archive" -d "$tmp"
        else
            powershell -NoProfile -Command "Expand-Archive -LiteralPath '$tmp/$archive' -DestinationPath '$tmp'"
        fi
    else
        tar -xzf "$tmp/$archive" -C "$tmp"
    fi
    mkdir -p "$1/bin"
    # Renamed into place: a concurrent run sees no half-written binary.
    install -m 755 "$tmp/gofix-leaks-$t/$exe" "$1/bin/.$exe.$$"
    mv -f "$1/bin/.$exe.$$" "$1/bin/$exe"
    say "installed $archive from $base (sha256 $got)"
}

if [[ -z ${GOFIX_LEAKS_RELEASE_URL:-} && -n ${GOFIX_LEAKS_REPO:-} ]]; then
    if [[ $version == latest ]]; then
        GOFIX_LEAKS_RELEASE_URL="https://github.com/$GOFIX_LEAKS_REPO/releases/latest/download"
    else
        GOFIX_LEAKS_RELEASE_URL="https://github.com/$GOFIX_LEAKS_REPO/releases/download/$version"
    fi
fi
rc=3
if [[ -n ${GOFIX_LEAKS_RELEASE_URL:-} ]]; then
    say "release $version from $GOFIX_LEAKS_RELEASE_URL"
    from_release "$root" && rc=0 || rc=$?
fi
if [[ $rc == 3 ]]; then
    say "no release binary${GOFIX_LEAKS_RELEASE_URL:+ at $GOFIX_LEAKS_RELEASE_URL}; building with cargo install --locked from $src"
    command -v cargo >/dev/null || { say "cargo is not on PATH (https://rustup.rs)"; exit 1; }
    cargo install --locked --quiet --path "$src" --root "$root" >&2
elif [[ $rc != 0 ]]; then
    exit "$rc"
fi
for exe in "$root/bin/gofix-leaks" "$root/bin/gofix-leaks.exe"; do
    if [[ -x $exe ]]; then
        "$exe" --version >&2
        echo "$exe"
        exit 0
    fi
done
say "no binary in $root/bin after installing"
exit 1
