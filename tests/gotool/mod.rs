//! The real Go toolchain for tests. CI (CI set in the environment) fails when
//! `go` is missing; elsewhere the tests that need it say they were skipped.

use std::path::Path;
use std::process::{Command, Output};

/// True when `go` runs. Panics under CI when it does not.
pub fn available(test: &str) -> bool {
    let ok = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: the Go toolchain (`go`) is required in CI but was not found");
        }
        eprintln!("SKIPPED {test}: the Go toolchain (`go`) was not found on PATH");
    }
    ok
}

pub fn go(dir: &Path, args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .output()
        .expect("go runs")
}

pub fn gofmt_l(dir: &Path) -> String {
    let out = Command::new("gofmt")
        .arg("-l")
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("gofmt runs");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// `go vet` in `dir`; Err holds its output.
pub fn vet(dir: &Path) -> Result<(), String> {
    let out = go(dir, &["vet", "."]);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Writes a go.mod for a throwaway module unless the directory has one.
pub fn ensure_module(dir: &Path, go_version: &str) {
    let gomod = dir.join("go.mod");
    if !gomod.exists() {
        std::fs::write(
            &gomod,
            format!("module example.com/fixture\n\ngo {go_version}\n"),
        )
        .unwrap();
    }
}

/// Extra command-line arguments a test case asks for (rule options), one a
/// line in its `args` file; none without one.
#[allow(dead_code)] // not every test crate that includes this module reads cases
pub fn case_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}
