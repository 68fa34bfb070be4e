//! `go::build::Config` against the go command itself: for every file with a
//! build constraint or a platform name in a few of Go's own packages (where
//! constraints are densest), the configuration the PR body's `go vet` line
//! would use must make `go list` include the file. Needs `go` (fails, not
//! skips, without it).

use gofix_leaks::go::build::Config;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PACKAGES: &[&str] = &[
    "os",
    "os/signal",
    "os/user",
    "net",
    "syscall",
    "internal/poll",
    "time",
    "path/filepath",
];

fn goroot() -> String {
    let out = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("the go command is needed for this test");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The files `go list` puts in the package (with its tests) under `config`.
fn listed(src: &Path, pkg: &str, config: &Config) -> Vec<String> {
    let mut cmd = Command::new("go");
    cmd.current_dir(src).env("GOTOOLCHAIN", "local").args([
        "list",
        "-e",
        "-f",
        "{{join .GoFiles \"\\n\"}}\n{{join .CgoFiles \"\\n\"}}\n{{join .TestGoFiles \"\\n\"}}\n{{join .XTestGoFiles \"\\n\"}}",
    ]);
    if let Some((os, arch)) = config.platform {
        cmd.env("GOOS", os).env("GOARCH", arch);
    }
    if let Some(cgo) = config.cgo {
        cmd.env("CGO_ENABLED", if cgo { "1" } else { "0" });
    }
    if !config.tags.is_empty() {
        cmd.args(["-tags", &config.tags.join(",")]);
    }
    let out = cmd.arg(format!("./{pkg}")).output().unwrap();
    assert!(
        out.status.success(),
        "go list {pkg} {config:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whether the file is only for a GOOS/GOARCH pair the toolchain does not
/// list (a port dropped or marked broken, such as openbsd/mips64): by its
/// name, or by a `//go:build GOOS && GOARCH` line.
fn dropped_port(name: &str, text: &str, ports: &[String]) -> bool {
    let pair = match gofix_leaks::go::build::name_platform(name) {
        (Some(os), Some(arch)) => Some(format!("{os}/{arch}")),
        _ => text.lines().find_map(|l| {
            let (os, arch) = l.strip_prefix("//go:build ")?.split_once(" && ")?;
            Some(format!("{os}/{arch}"))
        }),
    };
    pair.is_some_and(|p| !ports.contains(&p))
}

#[test]
fn the_chosen_configuration_makes_go_list_include_each_constrained_file() {
    let src = Path::new(&goroot()).join("src");
    let mut checked = 0;
    let out = Command::new("go")
        .args(["tool", "dist", "list"])
        .output()
        .unwrap();
    let ports: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(ports.contains(&"linux/amd64".to_string()), "{ports:?}");
    for pkg in PACKAGES {
        let mut by_config: BTreeMap<Config, Vec<String>> = BTreeMap::new();
        for entry in std::fs::read_dir(src.join(pkg)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".go") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let constrained = text.contains("//go:build")
                || gofix_leaks::go::build::name_platform(&name) != (None, None);
            if !constrained {
                continue;
            }
            // Only a file no build includes (`ignore`, or named for a port
            // Go dropped, such as openbsd/mips64) has no configuration.
            match Config::of(&name, &text) {
                Ok(config) => by_config.entry(config).or_default().push(name),
                Err(why) => assert!(
                    text.contains("//go:build ignore") || dropped_port(&name, &text, &ports),
                    "{pkg}/{name}: {why}"
                ),
            }
        }
        for (config, files) in &by_config {
            let got = listed(&src, pkg, config);
            for f in files {
                assert!(
                    got.contains(f),
                    "{pkg}/{f}: `{}` leaves it out",
                    config.go_vet()
                );
                checked += 1;
            }
        }
    }
    // The packages are full of platform files: a reading that found none
    // would check nothing.
    assert!(checked > 100, "only {checked} files checked");
}
