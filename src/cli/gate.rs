//! The CI gate's part of a run: `--new-from-rev`/`--new-from-patch`/
//! `--new-from-merge-base` (report only new code), `--baseline` and
//! `--write-baseline` (accepted findings), and `--fail-on` (which findings
//! set the exit status). Everything it needs is read before the check, so
//! a bad REV, patch or baseline fails the run (exit 2) before any work;
//! its filters run on the checked files before fixes are merged, so a
//! finding it drops is neither reported nor fixed nor counted.

use crate::cli::args::{Args, FailOn};
use crate::cli::config::Settings;
use crate::cli::run::slash as display;
use crate::engine::diagnostic::{Finding, Kind, Skipped};
use crate::engine::merge::Checked;
use crate::engine::newcode::{self, ChangedLines};
use crate::engine::suppress::{IgnoreProblem, Suppressed};
use crate::files::source::Source;
use crate::git::apply::HeadTree;
use crate::git::changed::{self, Since};
use crate::report::baseline::{self, Baseline};
use anyhow::{Result, anyhow};
use std::path::{Path, PathBuf};

/// The parts of a run's report the gate changes.
pub struct Gated<'a> {
    pub suppressed: &'a mut Vec<Suppressed>,
    pub problems: &'a mut Vec<IgnoreProblem>,
    pub skipped: &'a mut Vec<Skipped>,
}

pub struct Gate {
    /// The new lines, with a --new-from-* flag.
    new_lines: Option<ChangedLines>,
    baseline: Option<Baseline>,
    write_baseline: Option<PathBuf>,
    report_unused: bool,
    pub fail_on: FailOn,
    /// What the baseline suppressed, and its entries that matched nothing
    /// (kept for the report).
    suppressed: Vec<Suppressed>,
    stale: Vec<IgnoreProblem>,
}

impl Gate {
    /// Reads the change and the baseline the flags name. With --apply
    /// (`head`), the change is measured up to the commit the files are read
    /// from, not to the work tree.
    pub fn prepare(
        args: &Args,
        settings: &Settings,
        cwd: &Path,
        head: Option<&HeadTree>,
    ) -> Result<Gate> {
        let against = head.map(HeadTree::commit_id);
        let new_lines = if let Some(rev) = &args.new_from_rev {
            Some(changed::changed_since(
                cwd,
                rev,
                Since::Rev,
                against,
                "--new-from-rev",
            )?)
        } else if let Some(rev) = &args.new_from_merge_base {
            let flag = "--new-from-merge-base";
            Some(changed::changed_since(
                cwd,
                rev,
                Since::MergeBase,
                against,
                flag,
            )?)
        } else if let Some(patch) = &args.new_from_patch {
            Some(read_patch(patch)?)
        } else {
            None
        };
        // --write-baseline is checked when written; --baseline now.
        let baseline = match &args.baseline {
            Some(p) if args.write_baseline.as_ref() != Some(p) => {
                Some(Baseline::load(p, display(p))?)
            }
            _ => None,
        };
        Ok(Gate {
            new_lines,
            baseline,
            write_baseline: args.write_baseline.clone(),
            report_unused: args.report_unused_ignores,
            fail_on: settings.fail_on(args),
            suppressed: Vec::new(),
            stale: Vec::new(),
        })
    }

    /// Writes the baseline (of every finding, before any filter), then drops
    /// the findings the baseline records and those off the new lines.
    pub fn filter(
        &mut self,
        mut checked: Vec<Checked>,
        source: &dyn Source,
        ran: &[String],
    ) -> Result<Vec<Checked>> {
        if let Some(path) = &self.write_baseline {
            let entries = baseline::entries_of(&checked, source);
            baseline::write(path, entries.into_iter().flatten().collect())?;
            let name = display(path);
            let count = checked
                .iter()
                .filter_map(|c| c.outcome.as_ref().ok())
                .map(|o| o.findings.len())
                .sum::<usize>();
            eprintln!("baseline of {count} finding(s) written to {name}");
            self.baseline = Some(Baseline::load(path, name)?);
        }
        if let Some(b) = &self.baseline {
            let (suppressed, stale) = b.apply(&mut checked, source, ran);
            self.suppressed = suppressed;
            self.stale = stale;
        }
        if let Some(lines) = &self.new_lines {
            lines.retain_new(&mut checked);
            self.suppressed.retain(|s| {
                let line = newcode::line_of(&s.posn);
                lines.touches(&s.file, line, line)
            });
        }
        Ok(checked)
    }

    /// Adds to the report what the baseline suppressed and (with
    /// --report-unused-ignores) its stale entries, and drops the walk's
    /// notes on files outside the change.
    pub fn finish(&mut self, report: &mut Gated) {
        // After the comments' (in path order), so that runs without a
        // baseline list exactly what they did.
        report.suppressed.append(&mut self.suppressed);
        if self.report_unused {
            report.problems.append(&mut self.stale);
        }
        if let Some(lines) = &self.new_lines {
            report
                .skipped
                .retain(|s| lines.touches(&s.file, s.line, s.line));
        }
    }

    /// True when `f` counts for the exit status.
    pub fn fails(&self, f: &Finding) -> bool {
        match self.fail_on {
            FailOn::Any => true,
            FailOn::Leak => f.kind == Kind::Leak,
            FailOn::None => false,
        }
    }
}

/// The new lines of the patch file `path`; an unreadable or malformed one
/// is an error naming it (and the line).
fn read_patch(path: &Path) -> Result<ChangedLines> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow!("--new-from-patch {}: cannot read: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    newcode::parse_patch(&text)
        .map_err(|(line, why)| anyhow!("--new-from-patch {}:{line}: {why}", path.display()))
}
