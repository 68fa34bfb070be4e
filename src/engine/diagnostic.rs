//! Findings, shaped like go/analysis diagnostics: a position and an end, a
//! message, and suggested fixes made of text edits. This is also the JSON
//! shape a bot reads.

use crate::engine::edit::TextEdit;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in bytes (as Go tools count).
    pub column: usize,
    /// 0-based byte offset.
    pub offset: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuggestedFix {
    pub message: String,
    pub edits: Vec<FileEdit>,
}

/// A text edit with its file, as go/analysis's JSON prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEdit {
    pub filename: String,
    #[serde(flatten)]
    pub edit: TextEdit,
}

pub use crate::rules::kind::Kind;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    /// `leak` or `allocation`.
    pub kind: Kind,
    /// Path relative to the repository root (or the current directory).
    pub file: String,
    /// `file:line:column`, as go vet prints it.
    pub posn: String,
    pub start: Position,
    pub end: Position,
    pub message: String,
    pub suggested_fixes: Vec<SuggestedFix>,
    /// Why there is no fix, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_fix_reason: Option<String>,
}

impl Finding {
    pub fn has_fix(&self) -> bool {
        !self.suggested_fixes.is_empty()
    }
}

/// A region that was not analysed, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub posn: String,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}
