//! The package a file belongs to: its sibling files in the same directory
//! with the same package clause, parsed on demand so that a predicate can
//! look at a function that the file calls but does not declare.

use crate::files::source::{FoundUp, Source};
use crate::go::fields::{self, FieldUses};
use crate::go::syntax;
use crate::go::syntax::{Chunk, NodeKind};
use crate::go::units;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tree_sitter::{Node, Tree};

/// One file of the package: read at once, parsed on first need.
pub struct PkgFile {
    pub path: PathBuf,
    pub src: Vec<u8>,
    /// OnceLock: the files of one directory are checked in parallel and
    /// share their siblings' trees.
    tree: OnceLock<Tree>,
    /// The file's top-level chunks (`syntax::top_level_chunks`), read once
    /// for the check's parse plan and the split below.
    chunks: OnceLock<Option<Vec<Chunk>>>,
    /// The file split into top-level declarations, each parsed alone (with
    /// the header) on the first lookup of a name it mentions; None inside
    /// when the file does not split (then lookups parse all of it).
    split: OnceLock<Option<Split>>,
    /// The package clause, read once: every lookup filters the directory's
    /// files by it.
    clause: OnceLock<Option<String>>,
    /// `mentions_hint`'s answers: a few words (`struct`, `WaitGroup`)
    /// asked of every file of the package on every lookup.
    hints: std::sync::Mutex<Vec<(String, bool)>>,
}

/// How many bytes of declarations a directory's field scans may keep
/// parsed: a method mentions many of its struct's fields, and each field's
/// scan parsed it again (a third of the sibling parsing on go-ethereum,
/// syncthing and sarama). Past the budget a scan parses and drops, so a
/// scan of a common name in a package of hundreds of files stays flat.
pub struct KeepBudget(std::sync::atomic::AtomicUsize);

impl KeepBudget {
    /// About 5 MB of trees at most (~35 bytes per byte of source), for
    /// each directory being checked.
    const BYTES: usize = 128 << 10;

    fn new() -> KeepBudget {
        KeepBudget(std::sync::atomic::AtomicUsize::new(Self::BYTES))
    }

    /// Takes `n` bytes from the budget; false (nothing taken) when fewer
    /// are left.
    fn take(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.0
            .fetch_update(Relaxed, Relaxed, |left| left.checked_sub(n))
            .is_ok()
    }
}

/// A sibling file's header (package clause, imports) and declarations.
struct Split {
    header: Vec<std::ops::Range<usize>>,
    /// The header parsed alone, once: each declaration's parse starts from
    /// it (`parse_decl`) and parses only the declaration, where parsing
    /// the imports again for each was 1-3% of a run on dense modules.
    head: OnceLock<Tree>,
    decls: Vec<(std::ops::Range<usize>, OnceLock<Tree>)>,
    /// Each declaration's first line of code (`lead`), for `starts_with_keyword`.
    leads: Vec<Option<String>>,
    /// The declarations that may be of a type (their lead starts with
    /// `type`), by the name their lead writes, and those whose lead names
    /// none that can be read (a group `type (`): a type lookup, made of
    /// every file of the package for each struct asked about, reads these
    /// instead of every declaration's lead.
    types: HashMap<String, Vec<usize>>,
    unnamed_types: Vec<usize>,
    /// The position of every offset where a header range or declaration
    /// starts or ends, sorted by offset, for `parse_decl`.
    points: syntax::Points,
}

impl PkgFile {
    fn new(path: PathBuf, src: Vec<u8>) -> PkgFile {
        PkgFile {
            path,
            src,
            tree: OnceLock::new(),
            chunks: OnceLock::new(),
            split: OnceLock::new(),
            clause: OnceLock::new(),
            hints: Default::default(),
        }
    }

    /// The file's package clause.
    pub fn package(&self) -> Option<&str> {
        self.clause
            .get_or_init(|| syntax::package_clause(&self.src).map(str::to_string))
            .as_deref()
    }

    pub fn tree(&self) -> &Tree {
        self.tree.get_or_init(|| syntax::parse(&self.src))
    }

    /// The file's top-level chunks; None when it does not split.
    pub fn chunks(&self) -> Option<&[Chunk]> {
        self.chunks
            .get_or_init(|| syntax::top_level_chunks(&self.src))
            .as_deref()
    }

    /// Trees that hold every top-level declaration of the file that
    /// mentions `name`: each such declaration parsed with the file's
    /// header, or the whole tree when the file does not split cleanly. A
    /// lookup in a big sibling (nats-server's server.go) then parses a
    /// struct, not the file: a tree costs ~35 bytes per byte of source,
    /// and a package's trees stay until its directory is done.
    fn trees_declaring(&self, name: &str) -> Vec<&Tree> {
        self.trees_of(name, None)
    }

    /// `trees_declaring`, keeping only declarations that start with
    /// `keyword` (`type`, `const`, `func`) when given: a lookup of a
    /// constant or a struct type then parses no function that mentions it.
    fn trees_of(&self, name: &str, keyword: Option<&str>) -> Vec<&Tree> {
        if keyword == Some("type")
            && let Some(split) = self.split()
        {
            // The declarations `lead_may_declare` accepts for a type, in
            // the file's order.
            let named = split.types.get(name).map_or(&[][..], Vec::as_slice);
            let mut picked = [named, &split.unnamed_types].concat();
            picked.sort_unstable();
            return self.trees_picked(split, picked.into_iter(), name);
        }
        self.trees_where(name, &|lead| lead_may_declare(lead, keyword, name))
    }

    /// `trees_declaring`, keeping only the declarations that may declare
    /// `name` at package level: no method, no function of another name.
    fn trees_naming(&self, name: &str) -> Vec<&Tree> {
        self.trees_where(name, &|lead| lead_may_name(lead, name))
    }

    /// The trees of the declarations whose first line of code `lead_may`
    /// accepts and that mention `name`.
    fn trees_where(&self, name: &str, lead_may: &dyn Fn(Option<&str>) -> bool) -> Vec<&Tree> {
        let Some(split) = self.split() else {
            return vec![self.tree()];
        };
        let picked = (0..split.decls.len()).filter(|&i| lead_may(split.leads[i].as_deref()));
        self.trees_picked(split, picked, name)
    }

    /// The trees of the declarations `picked` (indexes, in order) that
    /// mention `name`; the whole file's when one does not parse alone.
    fn trees_picked<'s>(
        &'s self,
        split: &'s Split,
        picked: impl Iterator<Item = usize>,
        name: &str,
    ) -> Vec<&'s Tree> {
        let mut out = Vec::new();
        for i in picked {
            let (range, tree) = &split.decls[i];
            if !mentions(&self.src[range.clone()], name) {
                continue;
            }
            let tree = tree.get_or_init(|| self.parse_decl(split, range));
            if tree.root_node().has_error() {
                return vec![self.tree()];
            }
            out.push(tree);
        }
        out
    }

    /// Whether the file splits into declarations (`split`): one that does
    /// not is parsed and read whole.
    fn splits(&self) -> bool {
        self.split().is_some()
    }

    fn split(&self) -> Option<&Split> {
        self.split
            .get_or_init(|| {
                let all = self.chunks()?;
                let header = syntax::header_ranges(all);
                let decls: Vec<_> = all
                    .iter()
                    .filter(|(_, k)| *k == syntax::ChunkKind::Code)
                    .map(|(r, _)| (r.clone(), OnceLock::new()))
                    .collect();
                let leads: Vec<Option<String>> = decls
                    .iter()
                    .map(|(r, _)| lead(&self.src[r.clone()]))
                    .collect();
                let mut types: HashMap<String, Vec<usize>> = HashMap::new();
                let mut unnamed_types = Vec::new();
                for (i, l) in leads.iter().enumerate() {
                    let l = l.as_deref();
                    if !starts_with_keyword(l, "type") {
                        continue;
                    }
                    match name_after(l, "type") {
                        Some(n) => types.entry(n.to_string()).or_default().push(i),
                        None => unnamed_types.push(i),
                    }
                }
                let ends = header
                    .iter()
                    .chain(decls.iter().map(|(r, _)| r))
                    .flat_map(|r| [r.start, r.end])
                    .collect();
                let points = syntax::Points::new(&self.src, ends);
                (!header.is_empty()).then_some(Split {
                    header,
                    head: OnceLock::new(),
                    decls,
                    leads,
                    types,
                    unnamed_types,
                    points,
                })
            })
            .as_ref()
    }

    /// Declaration `range` parsed with the file's header.
    fn parse_decl(&self, split: &Split, range: &std::ops::Range<usize>) -> Tree {
        let point = |o| split.points.at(o);
        let mut ranges = split.header.clone();
        ranges.push(range.clone());
        ranges.sort_by_key(|r| r.start);
        syntax::reparse_ranges_with(&self.src, &ranges, &point, Some(self.head(split)))
    }

    /// The file's header parsed alone (`Split::head`).
    fn head<'s>(&self, split: &'s Split) -> &'s Tree {
        split.head.get_or_init(|| {
            syntax::reparse_ranges_with(&self.src, &split.header, &|o| split.points.at(o), None)
        })
    }

    /// Declaration `range` parsed with the header, but of its blocks only
    /// the statements that write `name`, with every bracket around them
    /// (`units::trimmed`); None when that does not parse cleanly. A scan of
    /// a field's uses reads, of each use, its statement and the functions
    /// around it: a method of hundreds of lines that writes the field twice
    /// is parsed around those two lines. Such a tree is not kept: another
    /// name's scan wants other lines.
    fn parse_near(
        &self,
        split: &Split,
        range: &std::ops::Range<usize>,
        name: &str,
    ) -> Option<Tree> {
        let near: Vec<std::ops::Range<usize>> =
            memchr::memmem::find_iter(&self.src[range.clone()], name.as_bytes())
                .map(|at| range.start + at..range.start + at + name.len())
                .collect();
        let mut ranges = split.header.clone();
        ranges.extend(units::trimmed(&self.src, range.clone(), &near)?);
        ranges.sort_by_key(|r| r.start);
        let tree = syntax::reparse_ranges(&self.src, &ranges, Some(self.head(split)));
        (!tree.root_node().has_error()).then_some(tree)
    }

    /// What `f` finds in the trees `trees_of(name, None)` gives (each
    /// tree's root), for the declarations whose text also passes `wanted`,
    /// each parsed for this call alone (a tree already kept is used as is;
    /// a large declaration is parsed only around the places that write
    /// `name`, `parse_near`; one parsed whole here is kept while the
    /// directory's `keep` budget lasts) and dropped once `f` has read it.
    /// A scan of every use of a common name (a struct's `mu`) over a
    /// package of hundreds of files then keeps what it found, not the
    /// trees: they cost ~35 bytes per byte of source. None as soon as `f`
    /// answers None: the rest is not parsed.
    ///
    /// `checked`: when this is the file being checked, its tree's top-level
    /// nodes and the ranges that tree holds (None: all of it). A declaration
    /// it holds without a syntax error is read there (`f` gets its nodes),
    /// not parsed again: on sarama nine tenths of the field scans' parsing
    /// was of the file being checked, and the check had parsed some of
    /// those declarations already (those that make the channels).
    fn scan_declaring<'s, T>(
        &'s self,
        name: &str,
        wanted: &dyn Fn(&[u8]) -> bool,
        keep: &KeepBudget,
        checked: Option<CheckedTree<'_, 's>>,
        f: &mut dyn FnMut(Node<'_>) -> Option<Vec<T>>,
    ) -> Option<Vec<T>> {
        let Some(split) = self.split() else {
            return f(self.tree().root_node());
        };
        let mut out = Vec::new();
        for (range, kept) in &split.decls {
            let chunk = &self.src[range.clone()];
            if !mentions(chunk, name) || !wanted(chunk) {
                continue;
            }
            if let Some(nodes) = checked.and_then(|c| held(c, range)) {
                for n in nodes {
                    out.extend(f(n)?);
                }
                continue;
            }
            let made;
            let tree = match kept.get() {
                Some(t) => t,
                None if range.len() > units::WORTH_TRIMMING
                    && let Some(t) = self.parse_near(split, range, name) =>
                {
                    made = t;
                    &made
                }
                None if keep.take(range.len()) => {
                    kept.get_or_init(|| self.parse_decl(split, range))
                }
                None => {
                    made = self.parse_decl(split, range);
                    &made
                }
            };
            if tree.root_node().has_error() {
                return f(self.tree().root_node());
            }
            out.extend(f(tree.root_node())?);
        }
        Some(out)
    }

    /// The tree that holds the file's top-level declaration at `offset`,
    /// parsed with the header (the whole file when it does not split, or
    /// that declaration does not parse alone).
    fn tree_at(&self, offset: usize) -> &Tree {
        let Some(split) = self.split() else {
            return self.tree();
        };
        let i = split.decls.partition_point(|(r, _)| r.end <= offset);
        let Some((range, kept)) = split.decls.get(i).filter(|(r, _)| r.start <= offset) else {
            return self.tree();
        };
        let tree = kept.get_or_init(|| self.parse_decl(split, range));
        match tree.root_node().has_error() {
            true => self.tree(),
            false => tree,
        }
    }

    /// Whether the file's text mentions `needle` at all: files that do not
    /// are never parsed for a lookup of that name.
    pub fn mentions(&self, needle: &str) -> bool {
        mentions(&self.src, needle)
    }

    /// `mentions` of a word lookups ask of every file again and again,
    /// remembered.
    fn mentions_hint(&self, word: &str) -> bool {
        if let Some((_, m)) = lock(&self.hints).iter().find(|(w, _)| w == word) {
            return *m;
        }
        let m = self.mentions(word);
        lock(&self.hints).push((word.to_string(), m));
        m
    }

    /// Whether `trees_of(name, keyword)` may find anything here, asked
    /// before it: the file's text must mention `name`. For a `type` or a
    /// `const` in a file already split, `trees_of` itself reads only the
    /// declarations that start with the keyword, and searches those for
    /// the name: cheaper than a search of the whole text, which each type
    /// lookup made of every file of the package (nats-server's). A file
    /// not split yet is searched: splitting it costs more than one search.
    fn worth_looking(&self, name: &str, keyword: Option<&str>) -> bool {
        let split = self.split.get().is_some_and(Option::is_some);
        match keyword {
            Some("type" | "const") if split => true,
            _ => self.mentions(name),
        }
    }
}

/// The tree a check parsed of the file being checked: its top-level nodes,
/// in order, and the ranges it holds (None: all of the file).
type CheckedTree<'r, 't> = (&'r [Node<'t>], Option<&'r [std::ops::Range<usize>]>);

/// The top-level nodes of a checked tree (`nodes`, in order; `parsed`:
/// the ranges it holds, None for all of the file) that make up the
/// declaration chunk `range`; None when the tree does not hold all of it,
/// or holds it with a syntax error.
fn held<'t>(
    (nodes, parsed): CheckedTree<'_, 't>,
    range: &std::ops::Range<usize>,
) -> Option<Vec<Node<'t>>> {
    let whole = parsed.is_none_or(|p| {
        p.iter()
            .any(|r| r.start <= range.start && range.end <= r.end)
    });
    if !whole {
        return None;
    }
    let first = nodes.partition_point(|n| n.start_byte() < range.start);
    let inside: Vec<Node<'t>> = nodes[first..]
        .iter()
        .take_while(|n| n.start_byte() < range.end)
        .copied()
        .collect();
    let clean = !inside.is_empty()
        && inside
            .iter()
            .all(|n| !n.has_error() && n.end_byte() <= range.end);
    clean.then_some(inside)
}

/// The first line of code of top-level declaration `chunk` (leading
/// comment lines skipped, blank space trimmed), cut to its first 32 bytes;
/// None when that cannot be told (a block comment first).
fn lead(chunk: &[u8]) -> Option<String> {
    for line in chunk.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(start) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        // Blank space beyond ASCII, or a line that is not text: read as a
        // string, whose trimming knows every kind.
        let text = match line[start] {
            b if b >= 0x80 => String::from_utf8_lossy(line).trim_start().to_string(),
            _ => String::from_utf8_lossy(&line[start..line.len().min(start + 32)]).into_owned(),
        };
        if text.is_empty() || text.starts_with("//") {
            continue;
        }
        if text.starts_with("/*") {
            return None;
        }
        return Some(text);
    }
    None
}

/// Whether a top-level declaration whose first line of code is `lead`
/// starts with `keyword`; true when that cannot be told, so the caller
/// parses it.
fn starts_with_keyword(lead: Option<&str>, keyword: &str) -> bool {
    lead.is_none_or(|line| {
        line.strip_prefix(keyword)
            .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric() && c != '_'))
    })
}

/// Whether a declaration whose first line of code is `lead` is one
/// `type Name ...` of a name other than `name`: a type lookup then parses
/// it for nothing (net/http's `Header` is mentioned by dozens of struct
/// types). False when that cannot be told: a group `type (`, a comment
/// after the keyword, a line cut short before the name ends.
fn declares_another_type(lead: Option<&str>, name: &str) -> bool {
    name_after(lead, "type").is_some_and(|n| n != name)
}

/// The name a declaration whose first line of code is `lead` writes right
/// after `keyword` and blank space (`type Name`, `func Name`); None when
/// that cannot be told: another keyword, no blank after it (`type(`), a
/// comment, a line cut short before the name ends.
fn name_after<'l>(lead: Option<&'l str>, keyword: &str) -> Option<&'l str> {
    let rest = lead?.strip_prefix(keyword)?;
    let spec = rest.trim_start();
    if spec.len() == rest.len() {
        return None;
    }
    // The name ends at an ASCII byte: `lead` is cut at 32 bytes, maybe in
    // a character, whose replacement mark would end the name early.
    let end = spec.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0 && spec.as_bytes()[end].is_ascii()).then(|| &spec[..end])
}

/// Whether a declaration whose first line of code is `lead` may declare
/// `name` as a declaration starting with `keyword` (any declaration when
/// None); true when that cannot be told.
fn lead_may_declare(lead: Option<&str>, keyword: Option<&str>, name: &str) -> bool {
    keyword.is_none_or(|k| {
        starts_with_keyword(lead, k) && !(k == "type" && declares_another_type(lead, name))
    })
}

/// Whether a function (not a method) declaration whose first line of code
/// is `lead`, or a declaration starting with another keyword, may declare
/// `name` at package level; true when that cannot be told.
fn lead_may_name(lead: Option<&str>, name: &str) -> bool {
    if !starts_with_keyword(lead, "func") {
        return !starts_with_keyword(lead, "import") && !declares_another_type(lead, name);
    }
    // A method (`func (r T) M()`) declares no package-level name.
    if lead.is_some_and(|l| l["func".len()..].trim_start().starts_with('(')) {
        return false;
    }
    name_after(lead, "func").is_none_or(|n| n == name)
}

/// What a lookup wants of the current file's declarations that a partial
/// tree does not hold: those that mention `name`, or, for a lookup of a
/// declaration (`keyword`: `type`, `func`, `const`), only those of them
/// that may declare it. A struct type's methods mention its name but do not
/// declare it: the file need not be parsed again for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    pub keyword: Option<&'static str>,
}

impl Want {
    /// Whether top-level declaration `chunk` (its text) may answer it.
    pub fn wanted_in(&self, chunk: &[u8]) -> bool {
        mentions(chunk, &self.name)
            && (self.keyword.is_none()
                || lead_may_declare(lead(chunk).as_deref(), self.keyword, &self.name))
    }
}

/// Whether `hay` mentions `needle`. A needle that starts or ends with an
/// identifier character must do so at a word boundary, so short names
/// (`T`, `ch`) rule out most files.
pub fn mentions(hay: &[u8], needle: &str) -> bool {
    let ident = syntax::is_ident_byte;
    let n = needle.as_bytes();
    let (Some(&first), Some(&last)) = (n.first(), n.last()) else {
        return true;
    };
    memchr::memmem::find_iter(hay, n).any(|at| {
        let before = at.checked_sub(1).map(|i| hay[i]);
        let after = hay.get(at + n.len()).copied();
        let glued_before = ident(first) && before.is_some_and(ident);
        let glued_after = ident(last) && after.is_some_and(ident);
        !glued_before && !glued_after
    })
}

/// A declaration found in the package, with the file it is in (None: the
/// file being checked).
pub struct FuncDecl<'p> {
    pub node: Node<'p>,
    pub src: &'p [u8],
    pub path: Option<PathBuf>,
}

/// What the nearest go.mod says that changes the right fix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Module {
    /// False when no go.mod was found.
    pub found: bool,
    /// The `module` line's path (`std` for Go's own tree).
    pub path: Option<String>,
    /// The package's import path (the module path, then the directory below
    /// go.mod; for `std`, the directory alone).
    pub import_path: Option<String>,
    /// The `go` line's (major, minor).
    pub go_version: Option<(u32, u32)>,
    /// `godebug asynctimerchan=N` in go.mod, or `//go:debug asynctimerchan=N`
    /// in a main package's files (which wins).
    pub asynctimerchan: Option<bool>,
}

/// The `.go` files of one directory, read and parsed once, on first need,
/// and shared by every file of the directory that is checked: the run
/// works a directory at a time (its files in parallel), so a package is
/// parsed at most once.
pub struct Directory<'s> {
    source: &'s dyn Source,
    dir: PathBuf,
    listing: OnceLock<Vec<PathBuf>>,
    files: OnceLock<Vec<PkgFile>>,
    /// The uses of a field name, per package clause and name, found on
    /// first need.
    fields: std::sync::Mutex<HashMap<(String, String), std::sync::Arc<FieldUses>>>,
    /// The fields of a struct type, per package clause and type name: a
    /// lookup scans every file of the package, so it is made once.
    structs: std::sync::Mutex<StructCache>,
    /// The (package clause, name, question) of `field_uses_unless` scans
    /// that stopped.
    stopped: std::sync::Mutex<HashSet<(String, String, String)>>,
    /// Per package clause, the names written `.f <-` in its files.
    sent_fields: std::sync::Mutex<HashMap<String, std::sync::Arc<HashSet<String>>>>,
    /// What the field scans may keep parsed.
    keep: KeepBudget,
}

type StructCache = HashMap<(String, String), Option<Vec<fields::Field>>>;

impl<'s> Directory<'s> {
    pub fn new(source: &'s dyn Source, dir: &Path) -> Self {
        Directory {
            source,
            dir: dir.to_path_buf(),
            listing: OnceLock::new(),
            files: OnceLock::new(),
            fields: Default::default(),
            structs: Default::default(),
            sent_fields: Default::default(),
            stopped: Default::default(),
            keep: KeepBudget::new(),
        }
    }

    /// Whether `group` (the directory's files the run checks) is all of
    /// its `.go` files: then `bytes_of` takes them from the directory's
    /// copy, so that a file is read once, not once for its check and again
    /// when a lookup reads its siblings (sarama's 336 files took 700 opens).
    pub fn checks_all(&self, group: &[PathBuf]) -> bool {
        let mut sorted = group.to_vec();
        sorted.sort();
        self.listing() == sorted
    }

    /// The bytes of `path`, a file of the directory: from its copy of its
    /// files when `shared` (`checks_all`), else read alone.
    pub fn bytes_of(&self, path: &Path, shared: bool) -> std::io::Result<Cow<'_, [u8]>> {
        if shared {
            let files = self.files();
            if let Ok(i) = files.binary_search_by(|f| f.path.as_path().cmp(path)) {
                return Ok(Cow::Borrowed(&files[i].src));
            }
        }
        self.source.read(path).map(Cow::Owned)
    }

    /// The top-level chunks of `bytes` when they are the directory's copy
    /// of one of its files (`bytes_of` shared them), read once for the
    /// check and the lookups in it; None for bytes of its own.
    pub fn chunks_of(&self, bytes: &[u8]) -> Option<Option<&[Chunk]>> {
        self.files
            .get()?
            .iter()
            .find(|f| std::ptr::eq(f.src.as_slice(), bytes))
            .map(PkgFile::chunks)
    }

    /// The directory's `.go` files, sorted.
    fn listing(&self) -> &[PathBuf] {
        self.listing
            .get_or_init(|| self.source.go_files_in(&self.dir))
    }

    fn files(&self) -> &[PkgFile] {
        self.files.get_or_init(|| {
            self.listing()
                .iter()
                .filter_map(|p| {
                    let src = self.source.read(p).ok()?;
                    Some(PkgFile::new(p.clone(), src))
                })
                .collect()
        })
    }
}

pub struct PackageIndex<'a> {
    source: &'a dyn Source,
    directory: &'a Directory<'a>,
    path: &'a Path,
    pkg_name: String,
    /// The current file's bytes, for its own `//go:debug` lines.
    pub(super) src: &'a [u8],
    siblings: OnceCell<Vec<&'a PkgFile>>,
    own: OnceCell<Option<&'a PkgFile>>,
    module: OnceCell<Module>,
    /// The current file's tree, and its declarations by (kind, name), built
    /// on the first lookup: visiting every top-level declaration for each
    /// lookup made a file with thousands of functions quadratic.
    tree: &'a Tree,
    decls: OnceCell<HashMap<(&'static str, &'a str), Vec<Node<'a>>>>,
    top_level: OnceCell<Vec<Node<'a>>>,
    /// The current file's identifiers by name, for `lookup`'s `uses_of`.
    pub(super) idents: OnceCell<HashMap<&'a str, Vec<Node<'a>>>>,
    /// Set when a predicate looked at the current file beyond the
    /// declarations being checked (a lookup, a whole-file scan): when the
    /// tree holds only those declarations, the file is checked again with
    /// all of it.
    wants_whole: std::cell::Cell<bool>,
    /// Names a lookup wanted that the rest of the file mentions: a partial
    /// tree that also holds the declarations mentioning them answers it.
    wants_names: std::cell::RefCell<Vec<Want>>,
    /// The byte ranges `tree` holds when it is a parse of only part of the
    /// file (None: all of it).
    parsed: Option<&'a [std::ops::Range<usize>]>,
}

/// Parses go.mod text: the `go` line and `godebug asynctimerchan=`, in the
/// one-line or block form.
pub fn parse_go_mod(text: &str) -> Module {
    let mut m = Module {
        found: true,
        ..Module::default()
    };
    let mut in_godebug_block = false;
    for raw in text.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if in_godebug_block {
            if line == ")" {
                in_godebug_block = false;
            } else if let Some(v) = godebug_value(line, "asynctimerchan") {
                m.asynctimerchan = Some(v);
            }
            continue;
        }
        if let Some(v) = line.strip_prefix("module ") {
            m.path = Some(v.trim().trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("go ") {
            let mut parts = v.trim().split(|c: char| !c.is_ascii_digit());
            let major = parts.next().and_then(|p| p.parse().ok());
            let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            m.go_version = major.map(|mj| (mj, minor));
        } else if let Some(rest) = line.strip_prefix("godebug") {
            let rest = rest.trim();
            if rest == "(" {
                in_godebug_block = true;
            } else if let Some(v) = godebug_value(rest, "asynctimerchan") {
                m.asynctimerchan = Some(v);
            }
        }
    }
    m
}

/// `key=1` -> Some(true), `key=0` -> Some(false), in a godebug setting.
fn godebug_value(setting: &str, key: &str) -> Option<bool> {
    setting.split(',').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim() != "0")
    })
}

/// `//go:debug key=N` lines before the package clause.
fn go_debug_directive(src: &[u8], key: &str) -> Option<bool> {
    let text = std::str::from_utf8(src).ok()?;
    let mut found = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("package ") {
            break;
        }
        if let Some(v) = line
            .strip_prefix("//go:debug ")
            .and_then(|setting| godebug_value(setting, key))
        {
            found = Some(v);
        }
    }
    found
}

impl<'a> PackageIndex<'a> {
    pub fn new(
        directory: &'a Directory<'a>,
        path: &'a Path,
        tree: &'a Tree,
        src: &'a [u8],
    ) -> Self {
        PackageIndex {
            source: directory.source,
            directory,
            path,
            pkg_name: syntax::package_name(tree, src).unwrap_or("").to_string(),
            src,
            siblings: OnceCell::new(),
            own: OnceCell::new(),
            module: OnceCell::new(),
            tree,
            decls: OnceCell::new(),
            top_level: OnceCell::new(),
            idents: OnceCell::new(),
            wants_whole: std::cell::Cell::new(false),
            wants_names: Default::default(),
            parsed: None,
        }
    }

    /// Says that the current file's tree holds only `ranges` of it.
    pub fn parsed_only(mut self, ranges: &'a [std::ops::Range<usize>]) -> Self {
        self.parsed = Some(ranges);
        self
    }

    /// Whether the text of the current file that its tree does not hold
    /// may answer `want` (`Want::wanted_in` of its declarations; a mention
    /// of the name anywhere, comments included, for a want of any
    /// declaration): when it does not, a lookup in the tree finds all the
    /// file holds, and the file need not be checked again.
    fn unparsed_wants(&self, want: &Want) -> bool {
        let Some(ranges) = self.parsed else {
            return false;
        };
        let mut at = 0;
        for r in ranges
            .iter()
            .chain(std::iter::once(&(self.src.len()..self.src.len())))
        {
            let gap = &self.src[at..r.start.max(at)];
            at = at.max(r.end);
            if !mentions(gap, &want.name) {
                continue;
            }
            if want.keyword.is_none() {
                return true;
            }
            // The gap is whole top-level chunks (the tree holds whole ones).
            match syntax::top_level_chunks(gap) {
                Some(chunks) => {
                    let code = chunks.iter().filter(|(_, k)| *k == syntax::ChunkKind::Code);
                    if code
                        .into_iter()
                        .any(|(c, _)| want.wanted_in(&gap[c.clone()]))
                    {
                        return true;
                    }
                }
                None => return true,
            }
        }
        false
    }

    /// The current file's tree, for a question about the whole file (every
    /// call site, every package-level name). Asking marks the check as
    /// needing the whole file.
    pub fn whole_tree(&self) -> &'a Tree {
        self.wants_whole.set(true);
        self.tree
    }

    /// The current file's tree for a question about the name `name` alone
    /// (its package-level declarations, its uses): the tree being checked
    /// when the rest of the file does not mention it, else `whole_tree`.
    pub fn tree_for(&self, name: &str) -> &'a Tree {
        self.want(name, None);
        self.tree
    }

    /// Notes that a lookup of `name` (of a declaration starting with
    /// `keyword`, when given) wants the declarations of the current file
    /// that may answer it, when the tree does not hold them all.
    fn want(&self, name: &str, keyword: Option<&'static str>) {
        let want = Want {
            name: name.to_string(),
            keyword,
        };
        if self.unparsed_wants(&want) {
            self.wants_names.borrow_mut().push(want);
        }
    }

    /// What lookups wanted that the tree being checked does not hold (see
    /// `want`).
    pub fn wanted(&self) -> Vec<Want> {
        self.wants_names.borrow().clone()
    }

    /// Whether a predicate looked beyond the declarations being checked.
    pub fn wants_whole(&self) -> bool {
        self.wants_whole.get()
    }

    /// The top-level nodes of the current file that hold one of `offsets`
    /// (sorted), in order; None when `tree` is not the current file's. The
    /// list of top-level nodes is made once, so a lookup per finding does
    /// not walk every declaration of a big file again.
    pub fn top_level_at(&self, tree: &Tree, offsets: &[usize]) -> Option<Vec<Node<'a>>> {
        if !std::ptr::eq(tree, self.tree) {
            return None;
        }
        self.wants_whole.set(true);
        let all = self.checked_nodes();
        let mut out: Vec<Node<'a>> = Vec::new();
        for &at in offsets {
            let i = all.partition_point(|n| n.end_byte() <= at);
            if let Some(&n) = all.get(i).filter(|n| n.start_byte() <= at)
                && out.last() != Some(&n)
            {
                out.push(n);
            }
        }
        Some(out)
    }

    /// The top-level nodes of the current file's tree, in order.
    fn checked_nodes(&self) -> &[Node<'a>] {
        self.top_level.get_or_init(|| {
            let root = self.tree.root_node();
            let mut cursor = root.walk();
            root.children(&mut cursor).collect()
        })
    }

    /// The directory's read of the current file, when it holds the bytes
    /// being checked: its declarations that a partial tree does not hold
    /// are parsed one at a time from it, as a sibling's are.
    fn own_file(&self) -> Option<&'a PkgFile> {
        *self.own.get_or_init(|| {
            self.directory
                .files()
                .iter()
                .find(|f| f.path.file_name() == self.path.file_name() && f.src == self.src)
        })
    }

    /// The nearest go.mod's settings, with a main package's own
    /// `//go:debug asynctimerchan=` applied on top.
    pub fn module(&self) -> &Module {
        self.module.get_or_init(|| {
            let dir = self.path.parent().unwrap_or(Path::new(""));
            let mut m = Module::default();
            if let Some(FoundUp { bytes, below, .. }) = self.source.find_up(dir, "go.mod") {
                m = parse_go_mod(&String::from_utf8_lossy(&bytes));
                let below = below.to_string_lossy().replace('\\', "/");
                m.import_path = m
                    .path
                    .as_ref()
                    .map(|p| match (p.as_str(), below.is_empty()) {
                        (_, true) => p.clone(),
                        ("std", false) => below.clone(),
                        (_, false) => format!("{p}/{below}"),
                    });
            }
            if self.pkg_name == "main" {
                let directive = go_debug_directive(self.src, "asynctimerchan").or_else(|| {
                    self.visible_siblings()
                        .find_map(|f| go_debug_directive(&f.src, "asynctimerchan"))
                });
                if directive.is_some() {
                    m.asynctimerchan = directive;
                }
            }
            m
        })
    }

    /// Files of the same package other than the current one, `_test.go`
    /// files of the same package clause included.
    fn siblings(&self) -> &[&'a PkgFile] {
        self.siblings.get_or_init(|| {
            self.directory
                .files()
                .iter()
                .filter(|f| f.path.file_name() != self.path.file_name())
                .filter(|f| f.package() == Some(self.pkg_name.as_str()))
                .collect()
        })
    }

    /// The sibling files a declaration can come from: a non-test file cannot
    /// see declarations from `_test.go` files.
    fn visible_siblings(&self) -> impl Iterator<Item = &'a PkgFile> + '_ {
        let this_is_test = self.path.to_string_lossy().ends_with("_test.go");
        self.siblings()
            .iter()
            .copied()
            .filter(move |f| this_is_test || !f.path.to_string_lossy().ends_with("_test.go"))
    }

    /// Every other file of the package (tests included) that mentions
    /// `needle`, for finding all uses of a name.
    pub fn others_mentioning(&self, needle: &str) -> Vec<&'a PkgFile> {
        self.siblings()
            .iter()
            .copied()
            .filter(|f| f.mentions(needle))
            .collect()
    }

    /// Whether a file of the package declares `name` at package level: a
    /// type, a variable, a constant or a function (a method does not). A
    /// sibling's declarations are parsed only where their first line may
    /// declare it: `context` is mentioned by most functions of a package
    /// that uses it (all of docker's daemon parsed for one finding).
    pub fn declares_package_name(&self, name: &str) -> bool {
        declares_at_top(self.tree_for(name), self.src, name)
            || self.others_mentioning(name).into_iter().any(|f| {
                f.trees_naming(name)
                    .into_iter()
                    .any(|t| declares_at_top(t, &f.src, name))
            })
    }

    /// Every file of the package, the current one included (as read from
    /// the directory), tests included.
    pub fn package_files(&self) -> Vec<&'a PkgFile> {
        self.directory
            .files()
            .iter()
            .filter(|f| f.package() == Some(self.pkg_name.as_str()))
            .collect()
    }

    /// Whether some file of the package has the text `.name <-` (a send on
    /// a field of that name, or a comment that looks like one): one scan
    /// of the package answers every field name.
    pub fn mentions_field_send(&self, name: &str) -> bool {
        let sent = lock(&self.directory.sent_fields)
            .entry(self.pkg_name.clone())
            .or_insert_with(|| {
                let mut names = HashSet::new();
                for f in self.package_files() {
                    fields::sent_field_names(&f.src, &mut names);
                }
                std::sync::Arc::new(names)
            })
            .clone();
        sent.contains(name)
    }

    /// Every use of the field name `name` in the package (go/fields.rs),
    /// found once per package and name for every file of the directory, in
    /// the declarations that mention it (the current file's too, read from
    /// the directory: the check's own tree may hold only some of them).
    pub fn field_uses(&self, name: &str) -> std::sync::Arc<FieldUses> {
        self.field_uses_unless(name, "", &|_| false)
            .expect("a scan that never stops finds every use")
    }

    /// `field_uses(name)`, or None when one of the uses passes `stop`. A
    /// caller that gives up on such a use (one it cannot tie to a type)
    /// is answered at the first, without parsing the rest of the package.
    /// `question` names what `stop` asks (two different `stop`s, two
    /// different questions): a stopped scan is remembered under it, a
    /// finished one under the name alone.
    pub fn field_uses_unless(
        &self,
        name: &str,
        question: &str,
        stop: &dyn Fn(&fields::FieldUse) -> bool,
    ) -> Option<std::sync::Arc<FieldUses>> {
        let key = (self.pkg_name.clone(), name.to_string());
        if let Some(u) = lock(&self.directory.fields).get(&key) {
            return (!u.uses.iter().any(stop)).then(|| u.clone());
        }
        let asked = (
            self.pkg_name.clone(),
            name.to_string(),
            question.to_string(),
        );
        if lock(&self.directory.stopped).contains(&asked) {
            return None;
        }
        let found = self.scan_field_uses(name, stop);
        if found.is_none() {
            lock(&self.directory.stopped).insert(asked);
        }
        found
    }

    fn scan_field_uses(
        &self,
        name: &str,
        stop: &dyn Fn(&fields::FieldUse) -> bool,
    ) -> Option<std::sync::Arc<FieldUses>> {
        let key = (self.pkg_name.clone(), name.to_string());
        let mut uses = Vec::new();
        let files = self.package_files();
        // The current file first: the uses that make a caller stop are
        // mostly near the code it asks about, and the order found is not
        // the order kept (sorted below).
        let mut order: Vec<usize> = (0..files.len())
            .filter(|&i| files[i].mentions(name))
            .collect();
        order.sort_by_key(|&i| !self.is_current(&files[i].path));
        // In two rounds: first the declarations whose text writes the field
        // on an operand that is not their receiver (the use a caller stops
        // at most often), then the rest. On nats-server a scan of `done`
        // that stops had parsed 91 declarations (250 KB) in file order
        // before the first such use.
        for off_receiver in [true, false] {
            let wanted = |chunk: &[u8]| {
                fields::may_use(chunk, name)
                    && fields::may_use_off_receiver(chunk, name) == off_receiver
            };
            for &i in &order {
                let f = files[i];
                // A file that does not split is read whole, once.
                if off_receiver && !f.splits() {
                    continue;
                }
                let checked = (self.own_file().is_some_and(|own| std::ptr::eq(own, f)))
                    .then(|| (self.checked_nodes(), self.parsed));
                uses.extend(f.scan_declaring(
                    name,
                    &wanted,
                    &self.directory.keep,
                    checked,
                    &mut |scope| {
                        let found = fields::uses_in(i, scope, &f.src, name);
                        (!found.iter().any(stop)).then_some(found)
                    },
                )?);
            }
        }
        // Two top-level declarations parsed in one tree (a file that does
        // not split), or a file read whole in both rounds (a declaration
        // that does not parse alone), are seen once each.
        uses.sort_by_key(|u| (u.file, u.start, u.end));
        uses.dedup_by_key(|u| (u.file, u.start, u.end));
        let made = std::sync::Arc::new(FieldUses { uses });
        lock(&self.directory.fields).insert(key, made.clone());
        Some(made)
    }

    /// The trees of `file` (a file of the package) that hold its top-level
    /// declarations mentioning `name`.
    pub fn trees_mentioning(&self, file: &'a PkgFile, name: &str) -> Vec<&'a Tree> {
        file.trees_declaring(name)
    }

    /// The tree of `file` (a file of the package) that holds its top-level
    /// declaration at `offset`: one declaration parsed, where
    /// `trees_mentioning` parses (and keeps) every one that names a field.
    pub fn tree_holding(&self, file: &'a PkgFile, offset: usize) -> &'a Tree {
        file.tree_at(offset)
    }

    /// The fields of the struct type `ty` declared in the package; None
    /// when it is not one struct type of the package.
    /// Looked up in the directory's copy of every file, the current one
    /// included, parsing only the declarations that mention `ty`.
    pub fn struct_fields(&self, ty: &str) -> Option<Vec<fields::Field>> {
        let key = (self.pkg_name.clone(), ty.to_string());
        if let Some(f) = lock(&self.directory.structs).get(&key) {
            return f.clone();
        }
        let found = self.find_struct_fields(ty);
        lock(&self.directory.structs).insert(key, found.clone());
        found
    }

    fn find_struct_fields(&self, ty: &str) -> Option<Vec<fields::Field>> {
        let mut found = Vec::new();
        for f in self.package_files() {
            if !f.mentions_hint("struct") || !f.worth_looking(ty, Some("type")) {
                continue;
            }
            for tree in f.trees_of(ty, Some("type")) {
                top_level_decls(tree, &mut |n| {
                    if n.kind_str() == "type_spec" && syntax::decl_name(n, &f.src) == Some(ty) {
                        found.push((n, f.src.as_slice()));
                    }
                });
            }
        }
        found.dedup_by_key(|(n, src)| (src.as_ptr(), n.start_byte(), n.end_byte()));
        match found.as_slice() {
            [(one, src)] => fields::struct_fields(*one, src),
            _ => None,
        }
    }

    /// Whether `path` (a file of the package) is the file being checked.
    pub fn is_current(&self, path: &Path) -> bool {
        path.file_name() == self.path.file_name()
    }

    /// The package's file at `path`, the current one included.
    pub fn package_file(&self, path: &Path) -> Option<&'a PkgFile> {
        self.directory.files().iter().find(|f| f.path == path)
    }

    /// The package clause's name (`main` for a command).
    pub fn package_name(&self) -> &str {
        &self.pkg_name
    }

    /// Whether the file being checked is a `_test.go` file.
    pub fn is_test_file(&self) -> bool {
        self.path.to_string_lossy().ends_with("_test.go")
    }

    /// Another file of the package, by path.
    pub fn file(&self, path: &Path) -> Option<&'a PkgFile> {
        self.siblings().iter().copied().find(|f| f.path == path)
    }

    /// Top-level declarations of `kind` (`function_declaration`,
    /// `method_declaration`, `type_spec`) named `name`, in the current file
    /// (`tree`, `src`) and then in the sibling files.
    pub fn find<'s>(
        &'s self,
        current: (&'s Tree, &'s [u8]),
        kind: &str,
        name: &str,
    ) -> Vec<FuncDecl<'s>> {
        self.find_hinted(current, kind, name, None)
    }

    /// `find`, parsing only the sibling files whose text also holds `hint`
    /// (say `chan` when only a channel type will do): most files that
    /// mention a type's name do not declare it.
    pub fn find_hinted<'s>(
        &'s self,
        current: (&'s Tree, &'s [u8]),
        kind: &str,
        name: &str,
        hint: Option<&str>,
    ) -> Vec<FuncDecl<'s>> {
        let keyword = match kind {
            "const_spec" => Some("const"),
            "type_spec" | "type_alias" => Some("type"),
            "function_declaration" | "method_declaration" => Some("func"),
            _ => None,
        };
        let mut out = Vec::new();
        if std::ptr::eq(current.0, self.tree) && std::ptr::eq(current.1, self.src) {
            // A type or a constant is read, not analysed: its declaration
            // parsed alone answers as the whole file would, and the file
            // need not be checked again with it (a struct's methods mention
            // its name, and a partial tree seldom holds its declaration).
            let read_only = matches!(kind, "type_spec" | "type_alias" | "const_spec");
            match (self.parsed, read_only.then(|| self.own_file()).flatten()) {
                (Some(parsed), Some(own)) => {
                    let unparsed = |n: Node| !parsed.iter().any(|r| r.contains(&n.start_byte()));
                    for tree in own.trees_of(name, keyword) {
                        push_declared(&mut out, (tree, &own.src, None), kind, name, &unparsed);
                    }
                }
                _ => self.want(name, keyword),
            }
            let decls = self.decls.get_or_init(|| {
                let mut index: HashMap<(&'static str, &'a str), Vec<Node<'a>>> = HashMap::new();
                top_level_decls(self.tree, &mut |n| {
                    if let Some(name) = syntax::decl_name(n, self.src) {
                        index.entry((n.kind_str(), name)).or_default().push(n);
                    }
                });
                index
            });
            // A declaration the check trimmed is read whole by its
            // asker (a producer's statements after its sends).
            out.extend(
                decls
                    .get(&(kind, name))
                    .into_iter()
                    .flatten()
                    .inspect(|&&n| crate::go::hidden::reads(n))
                    .map(|&n| FuncDecl {
                        node: n,
                        src: self.src,
                        path: None,
                    }),
            );
            out.sort_by_key(|d| d.node.start_byte());
        } else {
            push_declared(&mut out, (current.0, current.1, None), kind, name, &|_| {
                true
            });
        }
        let files = self
            .visible_siblings()
            .filter(|f| f.worth_looking(name, keyword) && hint.is_none_or(|h| f.mentions_hint(h)))
            .flat_map(|f| {
                f.trees_of(name, keyword)
                    .into_iter()
                    .map(|t| (t, f.src.as_slice(), Some(f.path.clone())))
            });
        for (tree, src, path) in files {
            push_declared(&mut out, (tree, src, path), kind, name, &|_| true);
        }
        out
    }
}

/// Pushes onto `out` the declarations of `kind` named `name` that `tree`
/// (of the file `src`, at `path`: None for the file being checked) holds
/// at top level, and that `keep` accepts.
fn push_declared<'s>(
    out: &mut Vec<FuncDecl<'s>>,
    (tree, src, path): (&'s Tree, &'s [u8], Option<PathBuf>),
    kind: &str,
    name: &str,
    keep: &dyn Fn(Node) -> bool,
) {
    top_level_decls(tree, &mut |n| {
        if n.kind_str() == kind && syntax::decl_name(n, src) == Some(name) && keep(n) {
            out.push(FuncDecl {
                node: n,
                src,
                path: path.clone(),
            });
        }
    });
}

/// Whether `tree` (of `src`) declares `name` at top level: a type, a
/// variable, a constant or a function.
fn declares_at_top(tree: &Tree, src: &[u8], name: &str) -> bool {
    let mut found = false;
    syntax::visit(
        tree.root_node(),
        &|n| {
            matches!(
                n.kind_str(),
                "source_file"
                    | "type_declaration"
                    | "var_declaration"
                    | "const_declaration"
                    | "var_spec_list"
                    | "const_spec_list"
            )
        },
        &mut |n| {
            if matches!(
                n.kind_str(),
                "type_spec" | "type_alias" | "var_spec" | "const_spec" | "function_declaration"
            ) {
                let mut c = n.walk();
                found |= n
                    .children_by_field_name("name", &mut c)
                    .any(|m| syntax::text(m, src) == name);
            }
        },
    );
    found
}

/// A lock that a panicking holder did not poison for good.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Calls `f` on each top-level node of `tree` and each spec of a top-level
/// `type` or `const` declaration, in document order.
fn top_level_decls<'t>(tree: &'t Tree, f: &mut dyn FnMut(Node<'t>)) {
    syntax::visit(
        tree.root_node(),
        &|n| {
            matches!(
                n.kind_str(),
                "source_file" | "type_declaration" | "const_declaration" | "const_spec_list"
            )
        },
        f,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field scan from a file whose check parsed some of its declarations
    /// (none, every other one, all) finds the same uses: those it reads in
    /// the checked tree are the ones a parse of the declaration finds.
    #[test]
    fn a_field_scan_reads_the_checked_tree_as_a_parse() {
        use crate::files::source::WorkTree;
        let dir = crate::go::goroot_src().join("net/http");
        let names = [
            "mu", "conn", "closech", "done", "t", "req", "cc", "ctx", "br",
        ];
        let mut compared = 0;
        for file in ["transport.go", "server.go", "h2_bundle.go", "client.go"] {
            let path = dir.join(file);
            let src = std::fs::read(&path).unwrap();
            let chunks = syntax::top_level_chunks(&src).unwrap();
            let code: Vec<usize> = (0..chunks.len())
                .filter(|&k| chunks[k].1 == syntax::ChunkKind::Code)
                .collect();
            let scan = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
                let marks = (0..chunks.len())
                    .map(|k| {
                        chunks[k].1 == syntax::ChunkKind::Header || (code.contains(&k) && keep(k))
                    })
                    .collect();
                let ranges = syntax::kept_ranges(&chunks, marks);
                let tree = syntax::parse_ranges(&src, &ranges);
                let directory = Directory::new(&WorkTree, &dir);
                let index = PackageIndex::new(&directory, &path, &tree, &src).parsed_only(&ranges);
                names
                    .iter()
                    .map(|n| format!("{:?}", index.scan_field_uses(n, &|_| false)))
                    .collect()
            };
            let none = scan(&|_| false);
            assert_eq!(scan(&|k| k % 2 == 0), none, "{file}");
            assert_eq!(scan(&|_| true), none, "{file}");
            compared += none
                .iter()
                .map(|u| u.matches("FieldUse {").count())
                .sum::<usize>();
        }
        assert!(compared > 1_000, "{compared}");
    }

    /// A large declaration parsed only around the places that write a name
    /// (`parse_near`) gives a field scan the uses a parse of all of it
    /// gives: the same selectors, kinds, operands, enclosing methods and
    /// functions. On Go's own declarations, for every third name they
    /// write after a `.` or before a `:` (a composite literal's key).
    #[test]
    fn a_declaration_parsed_near_a_name_gives_the_uses_a_whole_parse_gives() {
        let (mut asked, mut clean, mut uses) = (0usize, 0usize, 0usize);
        for dir in [
            "net/http",
            "go/types",
            "runtime",
            "os/exec",
            "database/sql",
            "crypto/tls",
            "cmd/compile/internal/ssagen",
        ] {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let file = PkgFile::new(path.clone(), src.clone());
                let Some(split) = file.split() else {
                    continue;
                };
                for (range, _) in &split.decls {
                    if range.len() <= units::WORTH_TRIMMING {
                        continue;
                    }
                    let whole = file.parse_decl(split, range);
                    if whole.root_node().has_error() {
                        continue;
                    }
                    let chunk = &src[range.clone()];
                    let mut names = std::collections::BTreeSet::new();
                    for (at, _) in chunk.iter().enumerate().filter(|(_, b)| **b == b'.') {
                        let n = chunk[at + 1..]
                            .iter()
                            .take_while(|b| syntax::is_ident_byte(**b))
                            .count();
                        if n > 0 && !chunk[at + 1].is_ascii_digit() {
                            names.insert(
                                String::from_utf8_lossy(&chunk[at + 1..at + 1 + n]).into_owned(),
                            );
                        }
                    }
                    for (at, _) in chunk.iter().enumerate().filter(|(_, b)| **b == b':') {
                        let n = chunk[..at]
                            .iter()
                            .rev()
                            .take_while(|b| syntax::is_ident_byte(**b))
                            .count();
                        if n > 0 && chunk.get(at + 1) != Some(&b'=') {
                            names.insert(String::from_utf8_lossy(&chunk[at - n..at]).into_owned());
                        }
                    }
                    for name in names.iter().step_by(3) {
                        asked += 1;
                        let Some(near) = file.parse_near(split, range, name) else {
                            continue;
                        };
                        clean += 1;
                        let a = fields::uses_in(0, whole.root_node(), &src, name);
                        let b = fields::uses_in(0, near.root_node(), &src, name);
                        assert_eq!(
                            format!("{b:?}"),
                            format!("{a:?}"),
                            "{}: {name} in {range:?}",
                            path.display()
                        );
                        uses += a.len();
                    }
                }
            }
        }
        assert!(asked > 5_000 && uses > 5_000, "{asked} names, {uses} uses");
        assert!(
            clean * 100 >= asked * 95,
            "{clean} of {asked} parsed cleanly"
        );
        eprintln!("{clean} of {asked} parsed cleanly, {uses} uses");
    }

    /// A scan asked to stop answers None exactly when a use the full scan
    /// finds passes `stop`, whichever round of declarations holds it: the
    /// order it parses in is only an order.
    #[test]
    fn a_scan_stops_exactly_when_one_of_its_uses_would() {
        use crate::files::source::WorkTree;
        let dir = crate::go::goroot_src().join("net/http");
        let path = dir.join("transport.go");
        let src = std::fs::read(&path).unwrap();
        let tree = syntax::parse(&src);
        let directory = Directory::new(&WorkTree, &dir);
        let index = PackageIndex::new(&directory, &path, &tree, &src);
        let stops: [&dyn Fn(&fields::FieldUse) -> bool; 4] = [
            &|u| !u.operand.is_empty() && !u.on_receiver,
            &|u| u.on_receiver,
            &|u| matches!(u.kind, fields::FieldUseKind::Send { .. }),
            &|u| u.file > 0 && matches!(u.kind, fields::FieldUseKind::Close),
        ];
        let (mut stopped, mut ran) = (0, 0);
        let files = index.package_files();
        for name in [
            "mu", "conn", "closech", "done", "t", "req", "cc", "ctx", "br", "ch",
        ] {
            let full = index.scan_field_uses(name, &|_| false).unwrap();
            // The uses a parse of every file, whole, finds.
            let mut whole = Vec::new();
            for (i, f) in files.iter().enumerate() {
                let t = syntax::parse(&f.src);
                whole.extend(fields::uses_in(i, t.root_node(), &f.src, name));
            }
            whole.sort_by_key(|u| (u.file, u.start, u.end));
            assert_eq!(format!("{whole:?}"), format!("{:?}", full.uses), "{name}");
            for stop in stops {
                let expected = full.uses.iter().any(stop);
                let got = index.scan_field_uses(name, stop);
                assert_eq!(got.is_none(), expected, "{name}");
                if let Some(got) = got {
                    assert_eq!(
                        format!("{:?}", got.uses),
                        format!("{:?}", full.uses),
                        "{name}"
                    );
                    ran += 1;
                } else {
                    stopped += 1;
                }
            }
        }
        assert!(stopped > 5 && ran > 5, "{stopped} {ran}");
    }

    /// A directory whose files the run checks all gives each its bytes
    /// from the one read that lookups in siblings share; one checked in
    /// part reads a file alone and loads nothing else.
    #[test]
    fn a_whole_directory_is_read_once() {
        use crate::files::source::WorkTree;
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        struct Counted(AtomicUsize);
        impl Source for Counted {
            fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
                self.0.fetch_add(1, Relaxed);
                WorkTree.read(path)
            }
            fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
                WorkTree.go_files_in(dir)
            }
            fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
                WorkTree.find_up(dir, name)
            }
        }
        let dir = crate::go::goroot_src().join("sync");
        let all = WorkTree.go_files_in(&dir);
        assert!(all.len() > 10);
        let mut reversed = all.clone();
        reversed.reverse();
        let counted = Counted(AtomicUsize::new(0));
        let directory = Directory::new(&counted, &dir);
        assert!(directory.checks_all(&reversed));
        for p in &reversed {
            let bytes = directory.bytes_of(p, true).unwrap();
            assert_eq!(*bytes, std::fs::read(p).unwrap()[..]);
            // The check's parse plan and the lookups share the chunks of
            // the directory's copy; a copy of the bytes has its own.
            let shared = directory.chunks_of(&bytes).expect("the directory's copy");
            assert_eq!(shared, syntax::top_level_chunks(&bytes).as_deref());
            let copy: Vec<u8> = bytes.to_vec();
            assert!(directory.chunks_of(&copy).is_none());
        }
        assert_eq!(directory.files().len(), all.len());
        assert_eq!(counted.0.load(Relaxed), all.len());
        assert!(directory.bytes_of(&dir.join("missing.go"), true).is_err());

        let counted = Counted(AtomicUsize::new(0));
        let directory = Directory::new(&counted, &dir);
        let some = &all[..3];
        assert!(!directory.checks_all(some));
        for p in some {
            assert_eq!(
                *directory.bytes_of(p, false).unwrap(),
                std::fs::read(p).unwrap()[..]
            );
        }
        assert_eq!(counted.0.load(Relaxed), 3);
        assert!(directory.files.get().is_none());
        let missing = dir.join("missing.go");
        assert!(directory.bytes_of(&missing, false).is_err());
    }

    /// The budget gives while it lasts, and a request it cannot meet takes
    /// nothing: a smaller one after it still gets its bytes.
    #[test]
    fn keep_budget_gives_what_is_left() {
        let keep = KeepBudget::new();
        assert!(keep.take(KeepBudget::BYTES - 10));
        assert!(!keep.take(11));
        assert!(keep.take(10));
        assert!(!keep.take(1));
        assert!(keep.take(0));
    }

    #[test]
    fn a_type_declaration_of_another_name_is_told_by_its_first_line() {
        let other = |lead: &str, name| declares_another_type(Some(lead), name);
        assert!(other("type Request struct {", "Header"));
        assert!(other("type List[T any] []T", "L"));
        assert!(other("type Alias = Header", "Header"));
        assert!(!other("type Header map[string][]string", "Header"));
        assert!(!other("type Header[K comparable] map[K]V", "Header"));
        assert!(!other("type (", "Header"));
        assert!(!other("type(", "Header"));
        assert!(!other("type /* c */ X int", "Header"));
        assert!(!other(
            "type VeryLongNameCutShortByTheL",
            "VeryLongNameCutShortByTheLead"
        ));
        assert!(!other("typeX int", "Header"));
        // A lead cut inside a character ends in a replacement mark.
        assert!(!other(
            "type VeryLongTypeNameWith\u{FFFD}",
            "VeryLongTypeNameWithÜber"
        ));
        assert!(!declares_another_type(None, "Header"));
    }

    #[test]
    fn a_function_of_another_name_or_a_method_does_not_name_a_package_name() {
        let may = |lead: &str| lead_may_name(Some(lead), "context");
        assert!(!may("func (s *Server) Serve(ctx context.Context) {"));
        assert!(!may("func (s *Server) context() {"));
        assert!(!may("func serve(ctx context.Context) {"));
        assert!(!may("func contexts() {"));
        assert!(!may("type Server struct { ctx context.Context }"));
        assert!(!may("import \"context\""));
        assert!(may("func context() {"));
        assert!(may("func context[T any]() {"));
        assert!(may("func\tcontext() {"));
        assert!(may("func"));
        assert!(may("func /* c */ serve() {"));
        assert!(may("var context = 1"));
        assert!(may("var ctx = context.Background()"));
        assert!(may("const ("));
        assert!(may("type context int"));
        assert!(may("type ("));
        assert!(may("x := 1"));
        assert!(lead_may_name(None, "context"));
    }

    /// Two declarations on one line are two chunks: the second's first
    /// line tells what it declares.
    #[test]
    fn a_declaration_after_a_semicolon_is_a_chunk_of_its_own() {
        let chunks = |s: &'static str| -> Vec<&str> {
            syntax::top_level_chunks(s.as_bytes())
                .unwrap()
                .into_iter()
                .map(|(r, _)| &s[r])
                .collect()
        };
        assert_eq!(
            chunks("package p; import \"os\"\nfunc f() {}; type Server int\n"),
            [
                "package p;",
                " import \"os\"\n",
                "func f() {};",
                " type Server int\n"
            ]
        );
        assert_eq!(
            chunks("func f() { for i := 0; i < 3; i++ {} }\nvar s = \"a; b\" + `;` // c; d\n"),
            [
                "func f() { for i := 0; i < 3; i++ {} }\n",
                "var s = \"a; b\" + `;` // c; d\n"
            ]
        );
        let want = Want {
            name: "Server".to_string(),
            keyword: Some("type"),
        };
        assert!(want.wanted_in(b" type Server int\n"));
        assert!(!want.wanted_in(b"func f() { var s Server; _ = s }\n"));
    }

    /// Every `.go` file of `dir` whose package clause is `pkg`, parsed
    /// whole: what the lookups are compared with.
    fn parsed_whole(dir: &Path, pkg: &str) -> Vec<(Vec<u8>, Tree)> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "go"))
            .map(|p| std::fs::read(p).unwrap())
            .filter(|src| syntax::package_clause(src) == Some(pkg))
            .map(|src| {
                let tree = syntax::parse(&src);
                (src, tree)
            })
            .collect()
    }

    /// `f` on the package index of `file` in `dir` (parsed whole), with
    /// its package's files parsed whole ([`parsed_whole`]).
    fn with_index<R>(
        dir: &Path,
        file: &str,
        f: impl FnOnce(&PackageIndex, &[(Vec<u8>, Tree)]) -> R,
    ) -> R {
        let path = dir.join(file);
        let src = std::fs::read(&path).unwrap();
        let tree = syntax::parse(&src);
        let directory = Directory::new(&crate::files::source::WorkTree, dir);
        let index = PackageIndex::new(&directory, &path, &tree, &src);
        let parsed = parsed_whole(dir, index.package_name());
        f(&index, &parsed)
    }

    /// The first `limit` distinct words of at least `min` bytes that the
    /// files of `dir` write, in the order met.
    fn words_in(dir: &Path, min: usize, limit: usize) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
            for w in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if w.len() >= min && !names.iter().any(|n| n == w) {
                    names.push(w.to_string());
                }
            }
        }
        names.truncate(limit);
        names
    }

    /// `declares_package_name` answers as a walk of every file of the
    /// package parsed whole: on Go's own packages, for the names each file
    /// declares, names only used, and `context`; and on files that hide a
    /// declaration behind another on the same line or declare the name as
    /// a method only.
    #[test]
    fn a_package_name_is_found_as_a_walk_of_whole_files_finds_it() {
        let check = |dir: &Path, file: &str, names: &[&str]| -> usize {
            with_index(dir, file, |index, parsed| {
                let mut found = 0;
                for name in names {
                    let want = parsed.iter().any(|(s, t)| declares_at_top(t, s, name));
                    assert_eq!(index.declares_package_name(name), want, "{file}: {name}");
                    found += usize::from(want);
                }
                found
            })
        };
        let go = crate::go::goroot_src();
        let mut found = 0;
        for (dir, file) in [
            ("net/http", "server.go"),
            ("go/types", "api.go"),
            ("os", "file.go"),
            ("context", "context.go"),
        ] {
            let dir = go.join(dir);
            // Every name some file of the directory writes after `func`,
            // `type`, `var` or `const`, methods and locals included.
            let mut names = words_in(&dir, 3, 600);
            names.push("context".to_string());
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            found += check(&dir, file, &names);
        }
        assert!(found > 100, "{found}");

        let tmp = tempfile::tempdir().unwrap();
        let write = |f: &str, text: &str| std::fs::write(tmp.path().join(f), text).unwrap();
        write("a.go", "package p\n\nfunc a() {}\n");
        write(
            "b.go",
            "package p\n\nfunc (t T) context() {}\n\ntype T int\n",
        );
        write(
            "c.go",
            "package p\n\nfunc c(ctx context.Context) {}; var context = 1\n",
        );
        write("d.go", "package q\n\nvar Other = 1\n");
        assert_eq!(check(tmp.path(), "a.go", &["context", "T", "Other"]), 2);
        write("c.go", "package p\n\nfunc c(ctx context.Context) {}\n");
        assert_eq!(check(tmp.path(), "a.go", &["context"]), 0);
    }

    /// `struct_fields` answers as a walk of every file of the package
    /// parsed whole: on Go's own packages, for every name some file writes
    /// (the struct types, other types, and names of no type), and on files
    /// that declare types in a group, two to a line, or twice.
    #[test]
    fn struct_fields_are_found_as_a_walk_of_whole_files_finds_them() {
        let check = |dir: &Path, file: &str, names: &[&str]| -> usize {
            with_index(dir, file, |index, parsed| {
                let mut found = 0;
                for name in names {
                    let mut specs = Vec::new();
                    for (s, t) in parsed {
                        top_level_decls(t, &mut |n| {
                            if n.kind_str() == "type_spec" && syntax::decl_name(n, s) == Some(name)
                            {
                                specs.push((n, s.as_slice()));
                            }
                        });
                    }
                    let want = match specs.as_slice() {
                        [(one, s)] => fields::struct_fields(*one, s),
                        _ => None,
                    };
                    let got = index.struct_fields(name);
                    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{file}: {name}");
                    found += usize::from(want.is_some());
                }
                found
            })
        };
        let go = crate::go::goroot_src();
        let mut found = 0;
        for (dir, file) in [
            ("net/http", "server.go"),
            ("go/types", "api.go"),
            ("os", "file.go"),
        ] {
            let dir = go.join(dir);
            let names = words_in(&dir, 2, 1500);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            found += check(&dir, file, &names);
        }
        assert!(found > 40, "{found}");

        let tmp = tempfile::tempdir().unwrap();
        let write = |f: &str, text: &str| std::fs::write(tmp.path().join(f), text).unwrap();
        write("a.go", "package p\n\ntype A struct{ a int }\n");
        write(
            "b.go",
            "package p\n\ntype (\n\tB struct{ b int }\n\tC int\n)\n\ntype D int; type E struct{ e chan int }\n",
        );
        write(
            "c.go",
            "package p\n\ntype /* c */ F struct{ f int }\n\nfunc (F) A() {}\n",
        );
        assert_eq!(
            check(tmp.path(), "a.go", &["A", "B", "C", "D", "E", "F", "G"]),
            4
        );
        write("d.go", "package p\n\ntype A struct{ b int }\n");
        assert_eq!(check(tmp.path(), "a.go", &["A", "B"]), 1);
    }

    /// A lookup of a declaration wants only the declarations that may make
    /// it; a lookup of a name's uses wants every one that mentions it.
    #[test]
    fn a_want_of_a_declaration_skips_its_uses() {
        let want = |name: &str, keyword| Want {
            name: name.to_string(),
            keyword,
        };
        let method = b"// Serve serves.\nfunc (s *Server) Serve() { s.mu.Lock() }\n";
        let typ = b"// Server is.\ntype Server struct{ mu sync.Mutex }\n";
        let group = b"type (\n\tServer struct{}\n)\n";
        let blocked = b"/* why */ type Server struct{}\n";
        assert!(!want("Server", Some("type")).wanted_in(method));
        assert!(want("Server", Some("type")).wanted_in(typ));
        assert!(want("Server", Some("type")).wanted_in(group));
        assert!(want("Server", Some("type")).wanted_in(blocked));
        assert!(!want("Server", Some("type")).wanted_in(b"type Client struct{ s *Server }\n"));
        assert!(want("Serve", Some("func")).wanted_in(method));
        assert!(!want("Serve", Some("func")).wanted_in(b"var Serve = 1\n"));
        assert!(want("Server", None).wanted_in(method));
        assert!(!want("Serv", None).wanted_in(method));
    }

    #[test]
    fn go_mod_versions_and_godebug() {
        let m = parse_go_mod("module x\n\ngo 1.22.3\n");
        assert_eq!(m.go_version, Some((1, 22)));
        assert_eq!(m.asynctimerchan, None);
        let m = parse_go_mod("module x\ngo 1.24\ngodebug asynctimerchan=1\n");
        assert_eq!(
            (m.go_version, m.asynctimerchan),
            (Some((1, 24)), Some(true))
        );
        let m = parse_go_mod(
            "module x\ngo 1.23rc1\ngodebug (\n\tdefault=go1.21\n\tasynctimerchan=0 // keep\n)\n",
        );
        assert_eq!(
            (m.go_version, m.asynctimerchan),
            (Some((1, 23)), Some(false))
        );
        let m = parse_go_mod("module x\ngodebug panicnil=1,asynctimerchan=1\n");
        assert_eq!((m.go_version, m.asynctimerchan), (None, Some(true)));
    }

    #[test]
    fn go_debug_directive_before_package_clause() {
        let src = b"//go:debug asynctimerchan=1\n\n// Package main.\npackage main\n//go:debug asynctimerchan=0\n";
        assert_eq!(go_debug_directive(src, "asynctimerchan"), Some(true));
        assert_eq!(
            go_debug_directive(b"package main\n", "asynctimerchan"),
            None
        );
    }
}
