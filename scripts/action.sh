#!/usr/bin/env bash
# The shell of the GitHub Action (action.yml): every step it runs is a
# subcommand here, so tests/action.rs runs the same code against a real
# repository with a bare remote.
#
#   action.sh install   # ROOT/bin/gofix-leaks from a release (or cargo), onto $GITHUB_PATH
#   action.sh gate      # findings on lines changed since the base; SARIF for code scanning
#   action.sh bot       # fix branch from the base, pushed to origin, PR opened or updated
#
# Inputs come as the environment action.yml sets: INPUT_VERSION, ACTION_REF,
# INPUT_BASE_REF, INPUT_ARGS (split on whitespace), INPUT_FAIL_ON,
# INPUT_BRANCH, INPUT_SARIF. GOFIX_LEAKS_GH is the command that talks to
# GitHub (default `gh`; tests point it at a recorder). Exit status: the
# tool's in gate mode; in bot mode 0 unless the tool errs (2) or a push or
# PR call fails.
set -euo pipefail

say() { echo "gofix-leaks action: $*" >&2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
read -r -a extra <<<"${INPUT_ARGS:-}"

# resolve REF: a commit id for REF, fetching it from origin when the
# checkout lacks it (a shallow clone, a base branch never checked out).
resolve() {
    local ref=$1
    if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
        if git rev-parse --verify --quiet "origin/$ref^{commit}" >/dev/null; then
            ref=origin/$ref
        else
            say "fetching $ref from origin"
            git fetch --quiet --no-tags origin "$ref" >&2
            ref=FETCH_HEAD
        fi
    fi
    git rev-parse --verify "$ref^{commit}"
}

install() {
    local root=${GOFIX_LEAKS_ROOT:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gofix-leaks}
    local exe version=${INPUT_VERSION:-latest}
    # Pinned to a release tag (uses: ...@v0.1.0): that release's binary.
    if [[ -z ${INPUT_VERSION:-} && ${ACTION_REF:-} =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        version=$ACTION_REF
    fi
    exe=$(bash "$here/install.sh" "$root" "$version")
    if [[ -n ${GITHUB_PATH:-} ]]; then dirname "$exe" >>"$GITHUB_PATH"; fi
}

gate() {
    local base=${INPUT_BASE_REF:?gate mode needs base-ref (the pull request base, e.g. github.event.pull_request.base.sha)}
    local rev
    rev=$(resolve "$base")
    say "checking lines changed since $base ($rev)"
    gofix-leaks --new-from-rev "$rev" --fail-on "${INPUT_FAIL_ON:-leak}" \
        --output "sarif=${INPUT_SARIF:-gofix-leaks.sarif}" ${extra[@]+"${extra[@]}"}
}

bot() {
    local base=${INPUT_BASE_REF:?bot mode needs base-ref (the branch the PR goes to)}
    local branch=${INPUT_BRANCH:-gofix-leaks/fix-leaks}
    local gh=${GOFIX_LEAKS_GH:-gh}
    local rev body out rc=0 made title number
    rev=$(resolve "$base")
    body=$(mktemp)
    # The bot's own branch: --force moves it on a re-run.
    out=$(gofix-leaks --apply --force --branch "$branch" --base "$rev" --pr-body "$body" ${extra[@]+"${extra[@]}"}) || rc=$?
    printf '%s\n' "$out"
    if [[ $rc -gt 1 ]]; then
        say "gofix-leaks failed (exit $rc); nothing pushed"
        return "$rc"
    fi
    made=$(sed -n 's/^branch //p' <<<"$out")
    if [[ -z $made ]]; then
        say "nothing to fix; no branch pushed"
        return 0
    fi
    if [[ $made != "$branch" ]]; then
        say "gofix-leaks made branch(es) '$made', expected '$branch' (bot mode pushes one branch: no --split)"
        return 1
    fi
    git push --quiet --force origin "refs/heads/$branch:refs/heads/$branch" >&2
    title=$(git log -1 --format=%s "refs/heads/$branch")
    # A re-run updates the bot's open PR; a closed one is left alone.
    number=$("$gh" pr list --head "$branch" --state open --json number --jq '.[0].number // empty')
    if [[ -n $number ]]; then
        say "updating pull request #$number for $branch"
        "$gh" pr edit "$number" --title "$title" --body-file "$body"
    else
        "$gh" pr create --base "$base" --head "$branch" --title "$title" --body-file "$body"
    fi
    rm -f "$body"
}

case "${1:-}" in
    install | gate | bot) "$1" ;;
    *)
        echo "usage: action.sh install|gate|bot" >&2
        exit 2
        ;;
esac
