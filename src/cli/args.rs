//! The command-line contract: flags, their help, and the exit codes that
//! scripts rely on.

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diffs on stdout, findings on stderr.
    Text,
    /// One JSON object: findings shaped like go/analysis diagnostics.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// JSON lines: one finding per line, printed as soon as its directory
    /// is checked (directories in path order).
    Jsonl,
}

/// How `--split` groups fixes into branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Split {
    /// One branch per Go module (the directory of the nearest go.mod).
    Module,
    /// One branch per rule.
    Rule,
}

/// Which findings make the exit status 1 (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Goroutine leaks only: per-pass allocations do not fail the run.
    Leak,
    /// Any finding (the default).
    Any,
    /// No finding: exit 0 even when some are reported (errors still exit 2).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

const AFTER_HELP: &str = "\
Examples:
  gofix-leaks                                 review: diffs of every fix under ., nothing written
  gofix-leaks ./svc/...                       the same for one subtree (Go's dir/... form works)
  gofix-leaks --dry-run | git apply           apply the reviewed diff yourself
  gofix-leaks --write ./svc/...               fix files in place (atomic writes)
  gofix-leaks --apply --branch fix/leaks      commit fixes from HEAD onto a new branch;
                                              the work tree, index and current branch stay as they are
  gofix-leaks --format json ./...             findings as go/analysis-style JSON, for bots
  gofix-leaks --format sarif > leaks.sarif    SARIF 2.1.0 for GitHub code scanning
  gofix-leaks --format github                 annotations in a GitHub Actions step
  gofix-leaks --output json=leaks.json --output sarif=leaks.sarif
                                              the diff on stdout, JSON and SARIF in files
  gofix-leaks --format jsonl ./...            one JSON finding per line, streamed per directory
  gofix-leaks --stdin-filename svc/a.go -     check an editor buffer as svc/a.go
  gofix-leaks --explain waitgroup-done        a rule's explanation and the fix it makes on its example
  gofix-leaks completions bash|zsh|fish       a completion script; `gofix-leaks man` prints the man page
  gofix-leaks test my-rules/                  run the [[test]] tables of rule files (none: the built-in pack)
  gofix-leaks --list-rules                    the loaded rules
  gofix-leaks --rules my-rules/ --only my-rule  add and select rules (see README: rule format)

Exit status:
  0  nothing left to report
  1  findings remain: with --dry-run any finding; with --write or --apply, findings
     that have no automatic fix (each says why); in every mode, code not
     analysed (reported as skipped: a syntax error, a symlink not followed),
     a //gofix-leaks:ignore comment naming an unknown rule, or (with
     --report-unused-ignores) one that suppresses nothing or a --baseline
     entry that matches no finding. --fail-on leak counts only leak findings
     (not per-pass allocations); --fail-on none never exits 1 for findings,
     skipped code or ignore comments. Findings a --baseline records, and with
     --new-from-* those off the new lines, never count
  2  an error: bad arguments, a rule that does not load, a missing PATH, an
     unreadable file or directory, a file that is not UTF-8, a failed write,
     a git failure, an existing branch without --force, a --pr-body or
     --output path that cannot be written, PATHs given that hold no Go file,
     --write or --apply with stdin (`-`), a --new-from-rev REV that is not a
     commit, an unreadable or malformed --new-from-patch FILE or --baseline
     FILE (whatever --fail-on says). A failed --apply/--pr-body run makes
     nothing: every problem is checked before the first branch, and branches
     made before a later failure are deleted again (the error names them)

Files skipped: generated files (\"// Code generated ... DO NOT EDIT.\"), vendor/,
testdata/, hidden and _-prefixed directories and nested git repositories below
a PATH, and what .gitignore ignores; symlinks below a PATH are not followed
(reported). Declarations with syntax errors are left alone and reported.";

/// Find goroutine leaks in Go source and fix them.
///
/// Rules are declarative TOML (tree-sitter queries, named predicates, edit
/// templates); the built-in pack is compiled in. Every fix is a minimal text
/// edit: comments and formatting around it are kept.
#[derive(Debug, Parser)]
#[command(name = "gofix-leaks", version, about, long_about, after_help = AFTER_HELP)]
#[command(group(ArgGroup::new("mode").args(["dry_run", "write", "apply"])))]
#[command(args_conflicts_with_subcommands = true, disable_help_subcommand = true)]
pub struct Args {
    /// Files, directories (recursive) or Go's `dir/...` form. Default: `.`
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<String>,

    /// Print a unified diff of every fix and change nothing (the default).
    #[arg(long)]
    pub dry_run: bool,

    /// Write fixes into the files in place (temp file + rename, mode kept).
    #[arg(long)]
    pub write: bool,

    /// Commit fixes onto a new git branch made from HEAD. Reads files from
    /// the HEAD commit; never touches the work tree, index or current branch.
    #[arg(long)]
    pub apply: bool,

    /// Branch name for --apply (default: `branch` in .gofix-leaks.toml, else
    /// `gofix-leaks/fix-leaks`); `{date}` becomes today's date (UTC).
    #[arg(long, value_name = "NAME", requires = "apply")]
    pub branch: Option<String>,

    /// With --apply: move an existing branch to the new fix commit.
    #[arg(long, requires = "apply")]
    pub force: bool,

    /// With --apply: make the branch from REV (a branch, tag or commit)
    /// instead of HEAD, reading the files from REV. The checked-out branch
    /// and the work tree stay as they are.
    #[arg(long, value_name = "REV", requires = "apply")]
    pub base: Option<String>,

    /// With --apply: one branch (and one PR body) per Go module (nearest
    /// go.mod) or per rule, named BRANCH-SLUG (`-root` for the repository's
    /// top module); a BRANCH holding `{module}` or `{rule}` gets the slug there.
    #[arg(long, value_enum, value_name = "BY", requires = "apply")]
    pub split: Option<Split>,

    /// Write a Markdown PR description to FILE (with --dry-run or --apply):
    /// a summary table, each rule's explanation with a before/after snippet
    /// from this run, the findings left unfixed and why, how to verify (`go
    /// vet` per changed package, with the GOOS/GOARCH/-tags its files need),
    /// the version and the command. With --split, one file per branch:
    /// FILE's name gets `-SLUG`.
    #[arg(long, value_name = "FILE", conflicts_with = "write")]
    pub pr_body: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also write the report in FORMAT to PATH after the run (repeatable;
    /// FORMAT: json, sarif, github, jsonl, or text for the diff), e.g.
    /// `--output json=leaks.json --output sarif=leaks.sarif`.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = crate::cli::output::parse_spec)]
    pub output: Vec<crate::cli::output::OutputSpec>,

    /// With PATH `-`: the name of the file whose contents come on stdin. It
    /// is checked as if it were at PATH (its package's other files are read
    /// from disk there); the diff is against the stdin contents.
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub stdin_filename: Option<PathBuf>,

    /// Print a summary: files seen, parsed and skipped, findings by kind,
    /// fixes and wall time (stderr in text mode; `stats` in JSON, a last
    /// `{"stats":...}` line in jsonl).
    #[arg(long)]
    pub stats: bool,

    /// Where re-runs keep each package's results, keyed by the tool, the
    /// rules and options, and the bytes the package's analysis read
    /// (default: $XDG_CACHE_HOME/gofix-leaks, ~/.cache/gofix-leaks; see
    /// README "Cache").
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,

    /// Analyse every package again: neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Load more rules: a TOML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub rules: Vec<PathBuf>,

    /// Run only these rules (comma-separated ids).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Set a rule option, e.g. `--set time-after-in-loop.leak_only=true`
    /// (repeatable; `--list-rules` shows each rule's options).
    #[arg(long = "set", value_name = "RULE.KEY=VALUE")]
    pub set: Vec<String>,

    /// Report and fix goroutine leaks only: drop findings of other kinds
    /// (per-pass allocations) entirely, as config `kinds = ["leak"]` does.
    #[arg(long)]
    pub only_leaks: bool,

    /// Print the id, summary, kinds and options of every loaded rule, and exit.
    #[arg(long)]
    pub list_rules: bool,

    /// Colour the diff: on a terminal only (auto), always, or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print the tree-sitter syntax tree of a Go file (for writing rules), and exit.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub dump_tree: Option<PathBuf>,

    /// Also list the findings that `//gofix-leaks:ignore` comments suppress
    /// (text output; JSON always has them under `suppressed`).
    #[arg(long)]
    pub show_suppressed: bool,

    /// Report `//gofix-leaks:ignore` comments that suppress nothing, and
    /// --baseline entries that match no finding; any makes the exit status 1.
    #[arg(long)]
    pub report_unused_ignores: bool,

    /// Report, fix and count only findings on lines added or changed since
    /// REV (`git diff REV`: committed, staged and unstaged changes, and
    /// untracked files, all new), as golangci-lint's flag does. A finding
    /// is new when any line from its start to its end is.
    #[arg(long, value_name = "REV", group = "new_from")]
    pub new_from_rev: Option<String>,

    /// Like --new-from-rev, with the lines a unified diff FILE adds (as
    /// `git diff` prints it; paths relative to the repository root).
    #[arg(long, value_name = "FILE", group = "new_from", value_hint = clap::ValueHint::FilePath)]
    pub new_from_patch: Option<PathBuf>,

    /// Like --new-from-rev, since the merge base of REV and HEAD (what a
    /// pull request into REV changes).
    #[arg(long, value_name = "REV", group = "new_from")]
    pub new_from_merge_base: Option<String>,

    /// Suppress the findings recorded in the baseline FILE (JSON, written
    /// by --write-baseline); they are listed like ignored ones.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub baseline: Option<PathBuf>,

    /// Record every finding of this run in FILE as a baseline, then report
    /// as if run with `--baseline FILE`.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub write_baseline: Option<PathBuf>,

    /// Which findings make the exit status 1: any (default), leak (not
    /// per-pass allocations) or none. Errors still exit 2.
    #[arg(long, value_enum, value_name = "WHICH")]
    pub fail_on: Option<FailOn>,

    /// Read settings from FILE instead of .gofix-leaks.toml at the root of
    /// the git work tree (or the current directory). Flags win over it.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Do not read .gofix-leaks.toml.
    #[arg(long)]
    pub no_config: bool,

    /// Explain a rule: why the pattern leaks, why the fix is safe, and the
    /// diff the rule makes on the example in its file; then exit.
    #[arg(long, value_name = "RULE-ID")]
    pub explain: Option<String>,

    /// Check only part K of N of the packages (whole package directories,
    /// balanced by bytes; the same split on every machine), e.g. one job
    /// of a CI matrix. The JSON (--format json, --output json=FILE) then
    /// holds a `shard` section that `merge-results` and `--from-results`
    /// join.
    #[arg(long, value_name = "K/N", value_parser = crate::cli::shard::parse)]
    #[arg(conflicts_with_all = ["stdin_filename", "from_results"])]
    pub shard: Option<crate::cli::shard::Shard>,

    /// Do not check code: report (and with --apply, commit) the joined
    /// findings and fixes of the JSON files of every `--shard K/N` job.
    /// Each file a fix changes must be as the shards read it (with
    /// --apply, at HEAD or --base), else nothing is made. The rules are
    /// those the shards ran (give the same --rules and configuration).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["paths", "write", "stdin_filename", "only", "skip"])]
    pub from_results: Vec<PathBuf>,

    /// merge-results --joined: where to write the joined results as one
    /// shard's JSON.
    #[arg(skip)]
    pub joined_out: Option<PathBuf>,

    /// Print a shell completion script or the man page, or test rules,
    /// instead of checking code (`gofix-leaks ./man` and `gofix-leaks
    /// ./test` still check directories called `man` and `test`).
    #[command(subcommand)]
    pub tool: Option<Tool>,
}

/// Subcommands about the tool itself and its rules.
#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Print a shell completion script on stdout.
    ///
    /// For example `gofix-leaks completions bash > ~/.local/share/bash-completion/completions/gofix-leaks`.
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    ///
    /// For example `gofix-leaks man | man -l -`, or
    /// `gofix-leaks man > /usr/local/share/man/man1/gofix-leaks.1`.
    Man,
    /// Run the `[[test]]` tables of rule files: the built-in pack, or the
    /// rule files (and directories of them) given.
    ///
    /// Each test runs its rule alone on its Go file in memory, as a real
    /// run would, and prints `PASS RULE TEST` or `FAIL RULE TEST: why`, then
    /// `N passed, M failed`. Exit status: 0 when all pass, 1 when any
    /// fails, 2 when a rule does not load.
    Test {
        #[arg(value_name = "RULE_FILE", value_hint = clap::ValueHint::AnyPath)]
        rules: Vec<PathBuf>,
    },
    /// Join the JSON files of `--shard K/N` runs into the report one run
    /// over all of them prints, byte for byte, in any format.
    ///
    /// For example `gofix-leaks merge-results shard-*.json --format sarif >
    /// leaks.sarif`. The same as `gofix-leaks --from-results FILE...`,
    /// which also takes --apply to commit the joined fixes. Run it in a
    /// checkout of the commit the shards checked: a file that differs is
    /// an error (exit 2).
    MergeResults {
        #[arg(value_name = "FILE", required = true, value_hint = clap::ValueHint::FilePath)]
        results: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write a Markdown PR description to FILE.
        #[arg(long, value_name = "FILE")]
        pr_body: Option<PathBuf>,
        /// Also write the report in FORMAT to PATH (repeatable).
        #[arg(long, value_name = "FORMAT=PATH", value_parser = crate::cli::output::parse_spec)]
        output: Vec<crate::cli::output::OutputSpec>,
        /// Also write the joined results to FILE as one shard's JSON (a
        /// `--shard 1/1` run's), which `--apply --from-results FILE` takes
        /// alone, e.g. in a later job.
        #[arg(long, value_name = "FILE")]
        joined: Option<PathBuf>,
        /// The rule files the shards were given (--rules).
        #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        rules: Vec<PathBuf>,
    },
}
