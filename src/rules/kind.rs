//! What a rule says its findings are: leaks, or allocations made on every
//! pass of a loop.

use serde::{Deserialize, Serialize};

/// What a finding is: a goroutine or timer that can stay blocked or alive
/// forever, or an allocation made on every pass of a loop (collected, but
/// wasted). A rule declares it (`kind` in its file), maybe per finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Leak,
    Allocation,
}

impl Kind {
    /// Every kind, in the order output lists them.
    pub const ALL: [Kind; 2] = [Kind::Leak, Kind::Allocation];

    /// The name rule files, config files and output use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Leak => "leak",
            Kind::Allocation => "allocation",
        }
    }

    /// The kind a name spells, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The known names, for error messages: `leak, allocation`.
    pub fn names() -> String {
        Kind::ALL.map(Kind::as_str).join(", ")
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
