//! Channel fields of a package's struct types, and every use of them in the
//! package's files: derived once per package (on first need) and shared by
//! every file of the directory that asks. A field's channel is made in one
//! method or constructor, sent on in another, received in a third, maybe
//! in three files: a question about it needs the whole package.
//!
//! Uses are found by name (`X.f`), without types: a use on an operand this
//! cannot tie to the struct (not the receiver of one of its methods) is
//! recorded as such, so a caller can refuse to reason about the field.

use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::{Node, Tree};

/// A field of a struct type declared in the package.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// The field's type as written (`chan Event`, `context.Context`).
    pub ty: String,
    /// Written `chan T` (either direction).
    pub is_chan: bool,
}

/// What one use of `X.f` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldUseKind {
    /// `X.f <- v`; `guarded` when it is a select case's communication.
    Send { guarded: bool },
    /// `<-X.f`; `case_of_select` when it is a select case's communication.
    Recv { case_of_select: bool },
    /// `for ... range X.f`.
    Range,
    /// `close(X.f)`.
    Close,
    /// `X.f = make(...)` or the key `f: make(...)` of a composite literal of
    /// type `literal_type` (None for an assignment).
    Made { literal_type: Option<String> },
    /// `X.f = v` (v not a `make`), or the key `f: v` of a composite literal.
    Assigned { literal_type: Option<String> },
    /// `X.f.Done()` and other method calls, `len(X.f)`, `X.f == nil`: reads
    /// that neither hand the value on nor use the channel.
    Called(String),
    /// Anything else: the value is passed, returned, stored or aliased.
    Other,
}

/// One use of a field name in the package.
#[derive(Debug, Clone)]
pub struct FieldUse {
    /// Index into the package's files (`PackageIndex::package_files`).
    pub file: usize,
    /// The selector expression `X.f` (the keyed element for a literal key).
    pub start: usize,
    pub end: usize,
    pub kind: FieldUseKind,
    /// The operand `X` as written (empty for a literal key).
    pub operand: String,
    /// The innermost enclosing method declaration's byte range, its
    /// receiver's name and base type.
    pub method: Option<(usize, usize)>,
    pub receiver: Option<(String, String)>,
    /// `X` is the enclosing method's receiver.
    pub on_receiver: bool,
    /// The innermost enclosing function (declaration, method or literal).
    pub func: Option<(usize, usize)>,
}

impl FieldUse {
    /// The type, as written, whose field this use names: a composite
    /// literal's for its key, the enclosing method's receiver's for `R.f`.
    /// None when nothing here ties the operand to a type (a parameter, a
    /// local, another value's field): such a use may be of any struct.
    pub fn tied_type(&self) -> Option<&str> {
        match (&self.kind, &self.receiver) {
            (
                FieldUseKind::Made {
                    literal_type: Some(t),
                }
                | FieldUseKind::Assigned {
                    literal_type: Some(t),
                },
                _,
            ) => Some(t),
            (_, Some((_, rt))) if self.on_receiver => Some(rt),
            _ => None,
        }
    }
}

/// Every use of one field name in the package's files, found in the
/// declarations that mention it (go/package.rs parses only those).
#[derive(Debug, Default)]
pub struct FieldUses {
    pub uses: Vec<FieldUse>,
}

/// The uses of the field name `name` under `root` (a tree of file number
/// `file` of the package).
pub fn uses_in(file: usize, root: Node, src: &[u8], name: &str) -> Vec<FieldUse> {
    // The selectors and keyed elements that spell `name`, found from where
    // the text writes it (a package-wide scan asks this of every
    // declaration that may use the field), in the order a walk from the
    // top meets them.
    let mut holders: Vec<Node> = Vec::new();
    for (n, ups) in syntax::written(root, name, "field_identifier", src) {
        if let Some(&sel) = ups.first()
            && sel.kind_str() == "selector_expression"
            && sel.child_field("field") == Some(n)
        {
            holders.push(sel);
        }
    }
    for (n, ups) in syntax::written(root, name, "identifier", src) {
        if let [key, element, ..] = ups.as_slice()
            && element.kind_str() == "keyed_element"
            && element.child_field("key") == Some(*key)
            && key.named_child(0) == Some(n)
        {
            holders.push(*element);
        }
    }
    holders.sort_by_key(|h| (h.start_byte(), std::cmp::Reverse(h.end_byte())));
    holders
        .into_iter()
        .filter_map(|h| field_use(file, h, src, name))
        .collect()
}

/// Adds to `out` every name `f` that `src` writes as `.f <-` (one space):
/// the text a send on a field of that name is written as, gofmt'd.
pub fn sent_field_names(src: &[u8], out: &mut std::collections::HashSet<String>) {
    for at in memchr::memmem::find_iter(src, b" <-") {
        let name_start = src[..at]
            .iter()
            .rposition(|&b| !syntax::is_ident_byte(b))
            .map_or(0, |i| i + 1);
        if name_start < at && name_start > 0 && src[name_start - 1] == b'.' {
            out.insert(String::from_utf8_lossy(&src[name_start..at]).into_owned());
        }
    }
}

/// Whether the text `chunk` (a top-level declaration) writes `X.name` with
/// an operand `X` other than the receiver its first line names (a function
/// has none), or `range R.name`, and not as a call or the start of a longer
/// selector: the uses a scan's caller most often stops at, since nothing
/// ties such an operand to a struct type. Text only, an order to parse in
/// and never an answer: a comment or a string can write the same bytes.
pub fn may_use_off_receiver(chunk: &[u8], name: &str) -> bool {
    let n = name.as_bytes();
    if n.is_empty() {
        return false;
    }
    let receiver = chunk
        .trim_ascii_start()
        .strip_prefix(b"func")
        .map(|r| r.trim_ascii_start())
        .and_then(|r| r.strip_prefix(b"("))
        .map(|r| {
            let r = r.trim_ascii_start();
            &r[..r.iter().take_while(|&&b| syntax::is_ident_byte(b)).count()]
        })
        .filter(|r| !r.is_empty());
    memchr::memmem::find_iter(chunk, n).any(|at| {
        let end = at + n.len();
        // The `.` before, blank space (a line break) allowed between.
        let dot = chunk[..at].trim_ascii_end().len().wrapping_sub(1);
        if chunk.get(dot) != Some(&b'.')
            || chunk.get(end).is_some_and(|&b| syntax::is_ident_byte(b))
        {
            return false;
        }
        let next = chunk[end..].iter().find(|b| !b.is_ascii_whitespace());
        if matches!(next, Some(b'(' | b'.')) {
            return false;
        }
        let from = chunk[..dot]
            .iter()
            .rposition(|&b| !syntax::is_ident_byte(b))
            .map_or(0, |i| i + 1);
        let operand = &chunk[from..dot];
        operand.is_empty()
            || Some(operand) != receiver
            || chunk[..from].trim_ascii_end().ends_with(b"range")
    })
}

/// Whether the text `chunk` may hold a use of the field name `name`: the
/// word with `.` before it or `:` after it (blank space between, a
/// comment's end, or a line break before it counted as may). A declaration without one holds no use
/// and is not parsed for the package-wide scan.
pub fn may_use(chunk: &[u8], name: &str) -> bool {
    let n = name.as_bytes();
    if n.is_empty() {
        return true;
    }
    let glued = |b: Option<&u8>| b.is_some_and(|&b| syntax::is_ident_byte(b));
    memchr::memmem::find_iter(chunk, n).any(|at| {
        let end = at + n.len();
        if glued(at.checked_sub(1).and_then(|i| chunk.get(i))) || glued(chunk.get(end)) {
            return false;
        }
        let gap = chunk[..at]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace());
        let newline_before = gap.clone().any(|&b| b == b'\n');
        let before = chunk[..at].iter().rev().find(|b| !b.is_ascii_whitespace());
        let after = chunk[end..].iter().find(|b| !b.is_ascii_whitespace());
        // A line break before the name may follow a `//` comment after the
        // selector's `.`: counted as may.
        newline_before || matches!(before, Some(b'.' | b'/')) || matches!(after, Some(b':' | b'/'))
    })
}

/// The named fields of a `type_spec` declaring a struct; None for any
/// other type.
pub fn struct_fields(spec: Node, src: &[u8]) -> Option<Vec<Field>> {
    let ty = spec.child_field("type")?;
    if ty.kind_str() != "struct_type" {
        return None;
    }
    let mut fields = Vec::new();
    syntax::visit(
        ty,
        &|m| matches!(m.kind_str(), "struct_type" | "field_declaration_list"),
        &mut |d| {
            if d.kind_str() != "field_declaration" {
                return;
            }
            let Some(fty) = d.child_field("type") else {
                return;
            };
            let mut c = d.walk();
            for f in d.children_by_field_name("name", &mut c) {
                fields.push(Field {
                    name: text(f, src).to_string(),
                    ty: text(fty, src).to_string(),
                    is_chan: fty.kind_str() == "channel_type",
                });
            }
        },
    );
    Some(fields)
}

fn field_name<'s>(n: Node, src: &'s [u8]) -> &'s str {
    match n.kind_str() {
        "selector_expression" => n.child_field("field").map_or("", |f| text(f, src)),
        _ => n
            .child_field("key")
            .and_then(|k| k.named_child(0))
            .map_or("", |k| text(k, src)),
    }
}

/// The use `n` makes of a field name, when `n` is `X.f` (not a method
/// call's selector) or a literal's `f: v`, for the field `name`.
fn field_use(file: usize, n: Node, src: &[u8], name: &str) -> Option<FieldUse> {
    let (kind, operand) = match n.kind_str() {
        "selector_expression" => {
            let parent = n.parent()?;
            if parent.kind_str() == "call_expression" && parent.child_field("function") == Some(n) {
                return None;
            }
            if field_name(n, src) != name {
                return None;
            }
            let operand = n.child_field("operand")?;
            (selector_kind(n, src), text(operand, src).to_string())
        }
        "keyed_element" => {
            let key = n.child_field("key")?.named_child(0)?;
            if key.kind_str() != "identifier" || text(key, src) != name {
                return None;
            }
            let value = n.child_field("value")?.named_child(0)?;
            let literal = n.parent().and_then(|l| l.parent())?;
            let ty = literal
                .child_field("type")
                .map(|t| text(t, src).to_string());
            let kind = match is_make(value, src) {
                true => FieldUseKind::Made { literal_type: ty },
                false => FieldUseKind::Assigned { literal_type: ty },
            };
            (kind, String::new())
        }
        _ => return None,
    };
    let method = enclosing_kind(n, &["method_declaration"]);
    let receiver = method.and_then(|m| receiver(m, src));
    let on_receiver = receiver
        .as_ref()
        .is_some_and(|(name, _)| !operand.is_empty() && *name == operand);
    Some(FieldUse {
        file,
        start: n.start_byte(),
        end: n.end_byte(),
        kind,
        operand,
        method: method.map(|m| (m.start_byte(), m.end_byte())),
        receiver,
        on_receiver,
        func: syntax::enclosing_function(n).map(|f| (f.start_byte(), f.end_byte())),
    })
}

/// What the expression `X.f` is used for.
fn selector_kind(sel: Node, src: &[u8]) -> FieldUseKind {
    let Some(parent) = sel.parent() else {
        return FieldUseKind::Other;
    };
    let in_case = |stmt: Node| {
        stmt.parent()
            .is_some_and(|c| c.kind_str() == "communication_case")
    };
    match parent.kind_str() {
        "send_statement" if parent.child_field("channel") == Some(sel) => FieldUseKind::Send {
            guarded: in_case(parent),
        },
        "unary_expression"
            if parent
                .child_field("operator")
                .is_some_and(|o| o.kind_str() == "<-") =>
        {
            let stmt = parent
                .parent()
                .filter(|p| matches!(p.kind_str(), "receive_statement" | "expression_list"))
                .map(|p| match p.kind_str() {
                    "expression_list" => p.parent().unwrap_or(p),
                    _ => p,
                });
            let case_of_select = match stmt {
                Some(s) if s.kind_str() == "receive_statement" => in_case(s),
                Some(s) => in_case(s) && s.kind_str() != "short_var_declaration",
                None => parent
                    .parent()
                    .is_some_and(|p| p.kind_str() == "expression_statement" && in_case(p)),
            };
            FieldUseKind::Recv { case_of_select }
        }
        "range_clause" if parent.child_field("right") == Some(sel) => FieldUseKind::Range,
        "argument_list" => {
            let call = parent.parent();
            let f = call
                .and_then(|c| c.child_field("function"))
                .map_or("", |f| text(f, src));
            match (f, parent.named_child_count()) {
                ("close", 1) => FieldUseKind::Close,
                ("len" | "cap", 1) => FieldUseKind::Called(f.to_string()),
                _ => FieldUseKind::Other,
            }
        }
        "selector_expression" => match parent.parent() {
            Some(call) if call.kind_str() == "call_expression" => {
                let m = parent.child_field("field").map_or("", |f| text(f, src));
                FieldUseKind::Called(m.to_string())
            }
            _ => FieldUseKind::Other,
        },
        "binary_expression" => {
            let other = (0..parent.named_child_count())
                .filter_map(|i| parent.named_child(i))
                .find(|c| *c != sel);
            match other.map(|o| o.kind_str()) {
                Some("nil") => FieldUseKind::Called("==nil".to_string()),
                _ => FieldUseKind::Other,
            }
        }
        "expression_list" => assigned(sel, parent, src),
        _ => FieldUseKind::Other,
    }
}

/// `X.f` on the left of an assignment (made or assigned), else Other.
fn assigned(sel: Node, list: Node, src: &[u8]) -> FieldUseKind {
    let Some(stmt) = list.parent() else {
        return FieldUseKind::Other;
    };
    if stmt.kind_str() != "assignment_statement" || stmt.child_field("left") != Some(list) {
        return FieldUseKind::Other;
    }
    let right = stmt.child_field("right");
    let index = (0..list.named_child_count()).find(|&i| list.named_child(i) == Some(sel));
    let value = right
        .filter(|r| r.named_child_count() == list.named_child_count())
        .and_then(|r| r.named_child(index?));
    match value {
        Some(v) if is_make(v, src) => FieldUseKind::Made { literal_type: None },
        _ => FieldUseKind::Assigned { literal_type: None },
    }
}

/// `make(...)`.
pub fn is_make(n: Node, src: &[u8]) -> bool {
    n.kind_str() == "call_expression"
        && n.child_field("function")
            .is_some_and(|f| text(f, src) == "make")
}

fn enclosing_kind<'t>(n: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if kinds.contains(&p.kind_str()) {
            return Some(p);
        }
        cur = p.parent();
    }
    None
}

/// A method's receiver name and base type name.
pub fn receiver(method: Node, src: &[u8]) -> Option<(String, String)> {
    let recv = method.child_field("receiver")?;
    let decl = recv.named_child(0)?;
    let name = decl
        .child_field("name")
        .map(|n| text(n, src).to_string())
        .unwrap_or_default();
    let mut ty = None;
    syntax::visit(decl.child_field("type")?, &|_| true, &mut |n| {
        if n.kind_str() == "type_identifier" && ty.is_none() {
            ty = Some(text(n, src).to_string());
        }
    });
    Some((name, ty?))
}

/// The node of `kind` spanning exactly `start..end` in `tree`.
pub fn node_at<'t>(tree: &'t Tree, start: usize, end: usize, kind: &str) -> Option<Node<'t>> {
    let mut n = tree.root_node().descendant_for_byte_range(start, end)?;
    loop {
        if n.kind_str() == kind && n.start_byte() == start && n.end_byte() == end {
            return Some(n);
        }
        n = n.parent()?;
        if n.start_byte() < start || n.end_byte() > end {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uses on another operand, a non-identifier operand or `range` of the
    /// receiver's field are told; the receiver's own uses, calls, longer
    /// selectors, other words and literal keys are not.
    #[test]
    fn an_operand_other_than_the_receiver_is_told_from_the_text() {
        let yes = [
            "func f(s *T) { <-s.done }",
            "func (t *T) f(s *T) { s.done <- 1 }",
            "func (t *T) f() { for x := range t.done {} }",
            "func (t *T) f() { x := a[0].done }",
            "func (t *T) f() { x := g().done }",
            "func (t *T) f() {\n\tt.x.\n\t\tdone = nil }",
        ];
        let no = [
            "func (t *T) f() { <-t.done }",
            "func (t T) f() { t.done <- 1; close(t.done) }",
            "func f(s *T) { s.done() }",
            "func f(s *T) { s.done.Stop() }",
            "func f(s *T) { s.undone = nil; s.doneness = nil }",
            "func f(s *T) { x := T{done: nil} }",
            "func (t *T) f() {}",
        ];
        for c in yes {
            assert!(may_use_off_receiver(c.as_bytes(), "done"), "{c}");
        }
        for c in no {
            assert!(!may_use_off_receiver(c.as_bytes(), "done"), "{c}");
        }
    }

    /// For every name written after a `.` or before a `:` in three of Go's
    /// files, and one no file has: the uses found from where the name is
    /// written are the ones a walk of every node found, in its order.
    #[test]
    fn uses_in_finds_what_the_walk_found() {
        let mut asked = 0;
        let mut found = 0;
        for f in [
            "net/http/transport.go",
            "net/http/server.go",
            "go/types/check.go",
        ] {
            let src = crate::go::goroot_file(f, 1.0);
            let tree = syntax::parse(&src);
            let mut names = std::collections::BTreeSet::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if matches!(n.kind_str(), "field_identifier" | "identifier") {
                    names.insert(text(n, &src).to_string());
                }
            });
            names.insert("nosuchfield".to_string());
            for name in &names {
                let mut walked = Vec::new();
                syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                    walked.extend(field_use(0, n, &src, name));
                });
                let new = uses_in(0, tree.root_node(), &src, name);
                let key =
                    |u: &FieldUse| (u.start, u.end, format!("{:?}", u.kind), u.operand.clone());
                assert_eq!(
                    new.iter().map(key).collect::<Vec<_>>(),
                    walked.iter().map(key).collect::<Vec<_>>(),
                    "{f}: {name}"
                );
                asked += 1;
                found += walked.len();
            }
        }
        assert!(asked > 1_000 && found > 1_000, "{asked} {found}");
    }
}
