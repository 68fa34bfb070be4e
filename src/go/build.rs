//! Build constraints of a Go file, as the go command reads them: the
//! `//go:build` line (or, in older files, `// +build` lines) above the
//! package clause, and the `_GOOS`, `_GOARCH` and `_GOOS_GOARCH` name
//! suffixes. The one place that reads them; the PR body's "how to verify"
//! uses [`Config::of`] to name a configuration under which `go vet` sees a
//! changed file (a plain `go vet` skips a `_windows.go` file on Linux).

use std::collections::BTreeSet;

/// The GOOS values the go command knows (go/build's syslist.go): a file
/// name suffix counts only when it names one of these.
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The platforms `go tool dist list` gives (Go 1.26), in the order a
/// configuration is chosen: common ones first, so the suggested command is
/// the one a reviewer most likely can run.
const PLATFORMS: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "arm64"),
    ("darwin", "amd64"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("windows", "386"),
    ("freebsd", "amd64"),
    ("openbsd", "amd64"),
    ("netbsd", "amd64"),
    ("dragonfly", "amd64"),
    ("illumos", "amd64"),
    ("solaris", "amd64"),
    ("android", "arm64"),
    ("ios", "arm64"),
    ("aix", "ppc64"),
    ("js", "wasm"),
    ("wasip1", "wasm"),
    ("plan9", "amd64"),
    ("linux", "386"),
    ("linux", "arm"),
    ("linux", "loong64"),
    ("linux", "mips"),
    ("linux", "mipsle"),
    ("linux", "mips64"),
    ("linux", "mips64le"),
    ("linux", "ppc64"),
    ("linux", "ppc64le"),
    ("linux", "riscv64"),
    ("linux", "s390x"),
    ("freebsd", "386"),
    ("freebsd", "arm"),
    ("freebsd", "arm64"),
    ("netbsd", "386"),
    ("netbsd", "arm"),
    ("netbsd", "arm64"),
    ("openbsd", "386"),
    ("openbsd", "arm"),
    ("openbsd", "arm64"),
    ("openbsd", "ppc64"),
    ("openbsd", "riscv64"),
    ("plan9", "386"),
    ("plan9", "arm"),
    ("android", "386"),
    ("android", "amd64"),
    ("android", "arm"),
    ("ios", "amd64"),
];

/// A `//go:build` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// What `go vet` needs to see a file: GOOS and GOARCH (both or neither:
/// a GOOS alone would pair with the reader's GOARCH, which may not exist
/// for it), `-tags`, and CGO_ENABLED when the constraint names `cgo`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Config {
    pub platform: Option<(&'static str, &'static str)>,
    pub tags: Vec<String>,
    pub cgo: Option<bool>,
}

impl Config {
    /// A configuration that builds the file `name` with contents `src`,
    /// preferring none at all, then linux/amd64 and the fewest tags. Err
    /// when no configuration builds it (`//go:build ignore`, a constraint
    /// that cannot hold), saying why.
    pub fn of(name: &str, src: &str) -> Result<Config, String> {
        let (os, arch) = name_platform(name);
        let expr = match constraint(src) {
            Some(Ok(e)) => Some(e),
            Some(Err(e)) => return Err(e),
            None => None,
        };
        let words: BTreeSet<String> = expr.iter().flat_map(|e| e.tags()).collect();
        if words.contains("ignore") {
            return Err("`//go:build ignore`: no build includes it".into());
        }
        let platform_words = words.iter().any(|w| {
            KNOWN_OS.contains(&w.as_str()) || KNOWN_ARCH.contains(&w.as_str()) || w == "unix"
        });
        let custom: Vec<&String> = words
            .iter()
            .filter(|w| !is_platform_or_toolchain(w) && *w != "cgo")
            .collect();
        let platforms: Vec<Option<(&'static str, &'static str)>> =
            if os.is_none() && arch.is_none() && !platform_words {
                vec![None]
            } else {
                PLATFORMS
                    .iter()
                    .filter(|(o, a)| os.is_none_or(|x| x == *o) && arch.is_none_or(|x| x == *a))
                    .map(|p| Some(*p))
                    .collect()
            };
        let Some(expr) = expr else {
            return platforms
                .first()
                .map(|p| Config {
                    platform: *p,
                    ..Config::default()
                })
                .ok_or_else(|| format!("{name}: no platform `go tool dist list` knows"));
        };
        // Few files name more than a handful of tags; past 10 only the
        // empty and full sets are tried, not 2^n subsets.
        let subsets: Vec<u32> = if custom.len() <= 10 {
            let mut s: Vec<u32> = (0..1u32 << custom.len()).collect();
            s.sort_by_key(|m| (m.count_ones(), *m));
            s
        } else {
            vec![0, u32::MAX]
        };
        let cgo_named = words.contains("cgo");
        for mask in subsets {
            let tags: Vec<String> = custom
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| (*t).clone())
                .collect();
            for platform in &platforms {
                for cgo in [false, true] {
                    if cgo && !cgo_named {
                        continue;
                    }
                    if expr.eval(&|w| holds(w, *platform, &tags, cgo)) {
                        return Ok(Config {
                            platform: *platform,
                            tags,
                            cgo: cgo_named.then_some(cgo),
                        });
                    }
                }
            }
        }
        Err("no GOOS, GOARCH and tags satisfy its build constraint".into())
    }

    /// The environment assignments and flags, as a shell command line
    /// shows them: `GOOS=windows GOARCH=amd64 go vet -tags foo`.
    pub fn go_vet(&self) -> String {
        let mut cmd = String::new();
        if let Some((os, arch)) = self.platform {
            cmd.push_str(&format!("GOOS={os} GOARCH={arch} "));
        }
        if let Some(cgo) = self.cgo {
            cmd.push_str(&format!("CGO_ENABLED={} ", u8::from(cgo)));
        }
        cmd.push_str("go vet");
        if !self.tags.is_empty() {
            cmd.push_str(&format!(" -tags {}", self.tags.join(",")));
        }
        cmd
    }
}

/// go/build's unixOS: every known GOOS but these.
fn is_unix(os: &str) -> bool {
    !matches!(os, "js" | "nacl" | "plan9" | "wasip1" | "windows" | "zos")
}

fn is_platform_or_toolchain(w: &str) -> bool {
    KNOWN_OS.contains(&w)
        || KNOWN_ARCH.contains(&w)
        || w == "unix"
        || w == "gc"
        || w == "gccgo"
        || go_release(w)
}

/// `go1.21` and the like: true for any release tag, as a current
/// toolchain sets them all.
fn go_release(w: &str) -> bool {
    w.strip_prefix("go1.")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether tag `w` is set under a configuration; with no platform, only
/// tags that hold everywhere (no OS or architecture word appears then).
fn holds(w: &str, platform: Option<(&str, &str)>, tags: &[String], cgo: bool) -> bool {
    if let Some((os, arch)) = platform {
        // As go/build: android also builds linux files, ios darwin's,
        // illumos solaris'.
        let implied = matches!(
            (os, w),
            ("android", "linux") | ("ios", "darwin") | ("illumos", "solaris")
        );
        if w == os || w == arch || implied || (w == "unix" && is_unix(os)) {
            return true;
        }
    }
    match w {
        "gc" => true,
        "cgo" => cgo,
        _ if go_release(w) => true,
        _ => tags.iter().any(|t| t == w),
    }
}

/// The GOOS and GOARCH a file name's suffix asks for, as go/build's
/// `goodOSArchFile`: `x_linux.go`, `x_arm64.go`, `x_windows_arm64_test.go`;
/// a name with no `_` before them (`linux.go`) asks for nothing.
pub fn name_platform(name: &str) -> (Option<&'static str>, Option<&'static str>) {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.split('.').next().unwrap_or(base);
    let Some(i) = stem.find('_') else {
        return (None, None);
    };
    let mut parts: Vec<&str> = stem[i..].split('_').collect();
    if parts.last() == Some(&"test") {
        parts.pop();
    }
    let known = |list: &[&'static str], w: &str| list.iter().copied().find(|k| *k == w);
    let n = parts.len();
    if n >= 2
        && let (Some(os), Some(arch)) = (
            known(KNOWN_OS, parts[n - 2]),
            known(KNOWN_ARCH, parts[n - 1]),
        )
    {
        return (Some(os), Some(arch));
    }
    match parts.last() {
        Some(w) if n >= 1 => match (known(KNOWN_OS, w), known(KNOWN_ARCH, w)) {
            (Some(os), _) => (Some(os), None),
            (_, Some(arch)) => (None, Some(arch)),
            _ => (None, None),
        },
        _ => (None, None),
    }
}

/// The constraint of a file: its `//go:build` line, or its `// +build`
/// lines (all must hold) when it has none; only comments before the
/// package clause count. None when it has neither.
pub fn constraint(src: &str) -> Option<Result<Expr, String>> {
    let mut plus: Vec<Expr> = Vec::new();
    let mut in_block = false;
    for line in src.lines() {
        let t = line.trim();
        if in_block {
            in_block = !t.contains("*/");
            continue;
        }
        if t.starts_with("/*") {
            in_block = !t.contains("*/");
            continue;
        }
        if let Some(rest) = t.strip_prefix("//go:build") {
            if rest.starts_with([' ', '\t']) {
                return Some(parse(rest.trim()));
            }
        } else if let Some(rest) = t.strip_prefix("// +build")
            && rest.starts_with([' ', '\t'])
        {
            plus.push(plus_build(rest));
        } else if !(t.is_empty() || t.starts_with("//")) {
            break;
        }
    }
    plus.into_iter()
        .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
        .map(Ok)
}

/// One `// +build` line: space-separated options, any of which may hold;
/// in each, comma-separated terms that all must; `!` negates a term.
fn plus_build(line: &str) -> Expr {
    let term = |t: &str| match t.strip_prefix('!') {
        Some(n) => Expr::Not(Box::new(Expr::Tag(n.to_string()))),
        None => Expr::Tag(t.to_string()),
    };
    line.split_whitespace()
        .filter_map(|opt| {
            opt.split(',')
                .map(term)
                .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
        })
        .reduce(|a, b| Expr::Or(Box::new(a), Box::new(b)))
        .unwrap_or(Expr::Tag(String::new()))
}

/// Parses a `//go:build` expression: `||`, `&&`, `!`, parentheses.
pub fn parse(s: &str) -> Result<Expr, String> {
    let tokens = tokenize(s)?;
    let mut p = Parser { tokens, pos: 0 };
    let e = p.or()?;
    if p.pos != p.tokens.len() {
        return Err(format!(
            "`//go:build {s}`: unexpected `{}`",
            p.tokens[p.pos]
        ));
    }
    Ok(e)
}

fn tokenize(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if s[i..].starts_with("&&") || s[i..].starts_with("||") {
            out.push(s[i..i + 2].to_string());
            i += 2;
        } else if matches!(c, b'!' | b'(' | b')') {
            out.push((c as char).to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(s[start..i].to_string());
        } else {
            return Err(format!("`//go:build {s}`: unexpected `{}`", c as char));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.binary("||", Parser::and, Expr::Or)
    }

    fn and(&mut self) -> Result<Expr, String> {
        self.binary("&&", Parser::not, Expr::And)
    }

    /// Operands read by `operand`, joined left to right by `op`.
    fn binary(
        &mut self,
        op: &str,
        operand: fn(&mut Parser) -> Result<Expr, String>,
        join: fn(Box<Expr>, Box<Expr>) -> Expr,
    ) -> Result<Expr, String> {
        let mut e = operand(self)?;
        while self.peek() == Some(op) {
            self.pos += 1;
            e = join(Box::new(e), Box::new(operand(self)?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, String> {
        let tok = self.peek().map(str::to_string);
        self.pos += 1;
        match tok.as_deref() {
            Some("!") => Ok(Expr::Not(Box::new(self.not()?))),
            Some("(") => {
                let e = self.or()?;
                if self.peek() != Some(")") {
                    return Err("`//go:build`: missing `)`".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(t) if !matches!(t, "&&" | "||" | ")") => Ok(Expr::Tag(t.to_string())),
            Some(t) => Err(format!("`//go:build`: unexpected `{t}`")),
            None => Err("`//go:build`: unexpected end of expression".into()),
        }
    }
}

impl Expr {
    pub fn eval(&self, tag: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::Tag(t) => tag(t),
            Expr::Not(e) => !e.eval(tag),
            Expr::And(a, b) => a.eval(tag) && b.eval(tag),
            Expr::Or(a, b) => a.eval(tag) || b.eval(tag),
        }
    }

    /// Every tag the expression names.
    pub fn tags(&self) -> Vec<String> {
        match self {
            Expr::Tag(t) => vec![t.clone()],
            Expr::Not(e) => e.tags(),
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.tags();
                v.extend(b.tags());
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str, src: &str) -> String {
        match Config::of(name, src) {
            Ok(c) => c.go_vet(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn name_suffixes_as_go_build_reads_them() {
        assert_eq!(name_platform("x_linux.go"), (Some("linux"), None));
        assert_eq!(name_platform("x_arm64.go"), (None, Some("arm64")));
        assert_eq!(
            name_platform("dir/x_windows_arm64_test.go"),
            (Some("windows"), Some("arm64"))
        );
        assert_eq!(name_platform("linux.go"), (None, None));
        assert_eq!(name_platform("x_test.go"), (None, None));
        assert_eq!(name_platform("x_foo.go"), (None, None));
    }

    #[test]
    fn configurations_that_build_the_file() {
        assert_eq!(cfg("a.go", "package a\n"), "go vet");
        assert_eq!(
            cfg("x_windows.go", "//go:build windows && foo\n\npackage a\n"),
            "GOOS=windows GOARCH=amd64 go vet -tags foo"
        );
        assert_eq!(
            cfg(
                "a.go",
                "// Copyright\n\n//go:build foo || bar\n\npackage a\n"
            ),
            "go vet -tags bar"
        );
        assert_eq!(
            cfg("a.go", "//go:build !linux && unix\npackage a\n"),
            "GOOS=darwin GOARCH=arm64 go vet"
        );
        assert_eq!(
            cfg("a_linux.go", "//go:build !cgo\npackage a\n"),
            "GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go vet"
        );
        assert_eq!(
            cfg("a.go", "// +build linux,386 darwin\n\npackage a\n"),
            "GOOS=darwin GOARCH=arm64 go vet"
        );
        assert_eq!(
            cfg("a.go", "//go:build go1.21 && !gccgo\npackage a\n"),
            "go vet"
        );
        assert!(cfg("a.go", "//go:build ignore\npackage main\n").starts_with("error: "));
        assert!(cfg("a_linux.go", "//go:build windows\npackage a\n").starts_with("error: "));
        assert!(cfg("a.go", "//go:build (a\npackage a\n").starts_with("error: "));
        // After the package clause, a comment is no constraint.
        assert_eq!(cfg("a.go", "package a\n//go:build foo\n"), "go vet");
    }
}
