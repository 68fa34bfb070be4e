//! What a run shows: unified diffs, SARIF, GitHub workflow commands, the
//! PR body, and `--explain`; finding fingerprints and the baselines keyed
//! by them.

pub mod baseline;
pub mod diff;
pub mod explain;
pub mod fingerprint;
pub mod github;
pub mod prbody;
pub mod ruletest;
pub mod sarif;
