//! Merging the fixes of a whole run into new file contents. Findings come in
//! path and position order; each fix is accepted whole (in every file it
//! touches) or not at all: a fix that overlaps one already accepted is
//! dropped and its finding says to run again. Files that only other files'
//! fixes touch are read from the source here. A file whose fixed text would
//! no longer parse is left alone, and so is every file that shares a fix
//! with it, so a fix is never half-applied.

use crate::diagnostic::{Finding, Skipped};
use crate::edit::{self, Fix, Merger};
use crate::engine::FileOutcome;
use crate::source::Source;
use crate::syntax;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A file to rewrite.
pub struct Change {
    pub path: PathBuf,
    pub display: String,
    pub old: String,
    pub new: String,
}

/// A file that could not be checked or fixed.
pub struct FileError {
    pub file: String,
    pub message: String,
}

#[derive(Default)]
pub struct Merged {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Findings dropped by `//gofix-leaks:ignore` comments, and the comments.
    pub suppressed: Vec<crate::suppress::Suppressed>,
    pub directives: Vec<crate::suppress::Directive>,
    pub errors: Vec<FileError>,
    pub changes: Vec<Change>,
}

/// One checked file, in path order.
pub struct Checked {
    pub path: PathBuf,
    pub display: String,
    pub outcome: Result<FileOutcome, String>,
}

/// Splits a run's checked files by a key of each finding (`--split`): each
/// group holds the findings and fixes whose key it is, so that merging a
/// group gives the changes of that group alone. The first part keeps what
/// belongs to no finding: unreadable files and skipped regions.
pub fn split_by(
    checked: Vec<Checked>,
    key: impl Fn(&std::path::Path, &Finding) -> String,
) -> (Vec<Checked>, BTreeMap<String, Vec<Checked>>) {
    let mut rest = Vec::new();
    let mut groups: BTreeMap<String, Vec<Checked>> = BTreeMap::new();
    for c in checked {
        let o = match c.outcome {
            Ok(o) => o,
            Err(e) => {
                rest.push(Checked {
                    outcome: Err(e),
                    ..c
                });
                continue;
            }
        };
        let mut parts: BTreeMap<String, FileOutcome> = BTreeMap::new();
        for (finding, fix) in o.findings.into_iter().zip(o.fixes) {
            let part = parts
                .entry(key(&c.path, &finding))
                .or_insert_with(|| FileOutcome {
                    text: o.text.clone(),
                    ..FileOutcome::default()
                });
            part.findings.push(finding);
            part.fixes.push(fix);
        }
        for (k, part) in parts {
            groups.entry(k).or_default().push(Checked {
                path: c.path.clone(),
                display: c.display.clone(),
                outcome: Ok(part),
            });
        }
        rest.push(Checked {
            outcome: Ok(FileOutcome {
                skipped: o.skipped,
                suppressed: o.suppressed,
                directives: o.directives,
                ..FileOutcome::default()
            }),
            ..c
        });
    }
    (rest, groups)
}

struct FileState {
    display: String,
    text: String,
    merger: Merger,
}

pub fn merge(checked: Vec<Checked>, source: &dyn Source) -> Merged {
    let mut out = Merged::default();
    let mut files: BTreeMap<PathBuf, FileState> = BTreeMap::new();
    // Accepted fixes, by the files they touch, and which findings they fix.
    let mut accepted: Vec<(BTreeSet<PathBuf>, usize)> = Vec::new();
    for c in checked {
        let o = match c.outcome {
            Ok(o) => o,
            Err(message) => {
                out.errors.push(FileError {
                    file: c.display,
                    message,
                });
                continue;
            }
        };
        if let Some(text) = o.text {
            files.entry(c.path.clone()).or_insert(FileState {
                display: c.display.clone(),
                text,
                merger: Merger::default(),
            });
        }
        out.skipped.extend(o.skipped);
        out.suppressed.extend(o.suppressed);
        out.directives.extend(o.directives);
        for (mut finding, fix) in o.findings.into_iter().zip(o.fixes) {
            if let Some(fix) = fix {
                match try_accept(&fix, &mut files, source) {
                    Ok(()) => accepted.push((
                        fix.parts.iter().map(|p| p.path.clone()).collect(),
                        out.findings.len(),
                    )),
                    Err(why) => {
                        finding.suggested_fixes.clear();
                        finding.no_fix_reason = Some(why);
                    }
                }
            }
            out.findings.push(finding);
        }
    }

    let mut results: BTreeMap<PathBuf, Result<String, String>> = BTreeMap::new();
    for (path, st) in &mut files {
        let merger = std::mem::take(&mut st.merger);
        if merger.is_empty() {
            continue;
        }
        let tree = syntax::parse(st.text.as_bytes());
        let (new, touched) = edit::apply_tracked(&st.text, &merger.into_edits(&st.text, &tree));
        // Trailing comments next to edited lines line up again, as gofmt wants.
        let new_tree = syntax::parse(new.as_bytes());
        // A fix must never turn parseable code into unparseable code. (The
        // re-alignment below only changes spaces before comments.)
        let before = syntax::error_regions(&tree).len();
        let after = syntax::error_regions(&new_tree).len();
        let new = edit::realign_comments(&new, &new_tree, &touched);
        let result = if after > before {
            Err(format!(
                "{}: internal error: the fixes would make the file unparseable; left unchanged",
                st.display
            ))
        } else {
            Ok(new)
        };
        results.insert(path.clone(), result);
    }
    // Leave alone every file that shares a fix with a failed one.
    let mut bad: BTreeSet<PathBuf> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(p, _)| p.clone())
        .collect();
    loop {
        let grown: BTreeSet<PathBuf> = accepted
            .iter()
            .filter(|(touched, _)| touched.iter().any(|p| bad.contains(p)))
            .flat_map(|(touched, _)| touched.iter().cloned())
            .collect();
        if grown.is_subset(&bad) {
            break;
        }
        bad.extend(grown);
    }
    for (touched, finding) in &accepted {
        if touched.iter().any(|p| bad.contains(p)) {
            let f = &mut out.findings[*finding];
            f.suggested_fixes.clear();
            f.no_fix_reason =
                Some("internal error while applying the fix; nothing was changed".to_string());
        }
    }
    for (path, result) in results {
        let st = files
            .remove(&path)
            .expect("a result comes from a loaded file");
        match result {
            Err(message) => out.errors.push(FileError {
                file: st.display,
                message,
            }),
            Ok(_) if bad.contains(&path) => {}
            Ok(new) => out.changes.push(Change {
                path,
                display: st.display,
                old: st.text,
                new,
            }),
        }
    }
    out
}

/// Accepts `fix` in every file it touches, loading files as needed, or
/// says why it cannot.
fn try_accept(
    fix: &Fix,
    files: &mut BTreeMap<PathBuf, FileState>,
    source: &dyn Source,
) -> Result<(), String> {
    // A fix whose own edits overlap cannot be applied (the edits would be
    // spliced out of order and the run would panic). No rule should make
    // one; two did (found by tests/proptest_engine.rs), so it is refused.
    if fix.parts.iter().any(|p| p.self_overlaps()) {
        return Err(
            "internal: the fix's own edits overlap, so it cannot be applied; please report this"
                .to_string(),
        );
    }
    for part in &fix.parts {
        if files.contains_key(&part.path) {
            continue;
        }
        let bytes = source
            .read(&part.path)
            .map_err(|e| format!("cannot read {} to fix it: {e}", part.display))?;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", part.display))?;
        files.insert(
            part.path.clone(),
            FileState {
                display: part.display.clone(),
                text,
                merger: Merger::default(),
            },
        );
    }
    if !fix.parts.iter().all(|p| files[&p.path].merger.fits(p)) {
        return Err("its fix overlaps another fix; run again to apply it".to_string());
    }
    for p in &fix.parts {
        files.get_mut(&p.path).expect("loaded above").merger.add(p);
    }
    Ok(())
}
