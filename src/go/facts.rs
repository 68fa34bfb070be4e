//! Facts about the functions of one file, in the spirit of go/analysis
//! `ResultOf`: which declaration each identifier names (Go's block scoping:
//! parameters, `:=`, `var`, range and case variables, shadowing, closures
//! capturing outer locals), what every use of a local does with it, whether
//! a local's value leaves its function, and the function, loop, select,
//! goroutine and defer around a node, and the labels of a function.
//!
//! Facts are computed lazily, once per top-level declaration (the unit that
//! holds a function and every func literal nested in it), the first time a
//! condition or predicate asks about a node inside it, and cached for the
//! rest of the file's check: `Facts` lives as long as one file's check and is
//! shared through the predicates' `Ctx`. The package's other declarations
//! are `PackageIndex`'s (go/package.rs).

use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::{Node, Tree};

/// How a local is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Receiver,
    Param,
    /// A named result.
    Result,
    /// `x := v` (also `if x := v; ...`, `switch x := v.(type)`).
    Short,
    /// `var x = v` / `var x T`.
    Var,
    Const,
    /// `for k, v := range ...`.
    Range,
    /// `case v, ok := <-ch:`.
    Receive,
    /// `switch x := y.(type)`.
    TypeSwitch,
}

/// What one use of a local does with its value. The value is followed
/// through `&x`, `*x`, `(x)`, `x.f` (a field, not a method call), `x[i]`,
/// `x[i:j]` and `x.(T)` to the expression that consumes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseKind {
    /// `x.M(...)`: a method called on it (the method's name).
    CalledOn(String),
    /// `x(...)`: the local is a function value and is called.
    Called,
    /// An argument of a call (or conversion): `f(x)`, `f(&x)`, `f(x.C)`.
    Passed,
    /// `return x`.
    Returned,
    /// Put where it outlives the statement beyond this function's locals:
    /// assigned to a field, a map or slice element, a package-level variable
    /// or anything not a plain local, or written into a composite literal.
    Stored,
    /// Assigned to another local (`y := x`, `y = x`): an alias this
    /// analysis does not follow.
    Aliased,
    /// The value sent on a channel: `ch <- x`.
    Sent,
    /// Assigned to the blank identifier (`_ = x`): the value is dropped,
    /// which Go programs write to mark a variable used.
    Discarded,
    /// The local itself is assigned (`x = v`, `x++`, redeclared by `:=`,
    /// a `range` or receive with `=`).
    Assigned,
    /// Anything else: read in an expression, a condition, ranged over, a
    /// channel received from or sent on, a field written (`x.f = v`).
    Read,
}

impl UseKind {
    /// The name rules use for this kind.
    pub fn name(&self) -> &'static str {
        match self {
            UseKind::CalledOn(_) => "called-on",
            UseKind::Called => "called",
            UseKind::Passed => "passed",
            UseKind::Returned => "returned",
            UseKind::Stored => "stored",
            UseKind::Aliased => "aliased",
            UseKind::Sent => "sent",
            UseKind::Discarded => "discarded",
            UseKind::Assigned => "assigned",
            UseKind::Read => "read",
        }
    }
}

/// Every name a use can be matched by: the kinds, and the flags that say
/// where the use is (`captured`, `deferred`, `go`).
pub const USE_KINDS: &[&str] = &[
    "called-on",
    "called",
    "passed",
    "returned",
    "stored",
    "aliased",
    "sent",
    "discarded",
    "assigned",
    "read",
    "captured",
    "deferred",
    "go",
];

/// One use of a local (its declaring identifier is not a use).
#[derive(Debug, Clone)]
pub struct Use<'t> {
    pub node: Node<'t>,
    pub kind: UseKind,
    /// Inside a func literal other than the function that declares the
    /// local (a closure or goroutine body).
    pub captured: bool,
    /// Inside a `defer` statement of the declaring function, directly
    /// (`defer x.Stop()`) or in a deferred func literal.
    pub deferred: bool,
    /// Inside a `go` statement of the declaring function: its call
    /// (`go f(x)`) or the goroutine's func literal.
    pub in_go: bool,
}

impl Use<'_> {
    /// Whether this use is of kind or carries flag `name` (see `USE_KINDS`).
    pub fn is(&self, name: &str) -> bool {
        match name {
            "captured" => self.captured,
            "deferred" => self.deferred,
            "go" => self.in_go,
            k => self.kind.name() == k,
        }
    }

    /// The method called on the local, for `called-on` uses.
    pub fn method(&self) -> Option<&str> {
        match &self.kind {
            UseKind::CalledOn(m) => Some(m),
            _ => None,
        }
    }
}

/// A local variable or constant of a function.
#[derive(Debug, Clone)]
pub struct Local<'t> {
    pub name: String,
    /// The identifier that declares it.
    pub ident: Node<'t>,
    pub kind: DeclKind,
    /// The function (declaration, method or literal) whose scope holds it.
    pub func: Node<'t>,
    /// The uses, in source order.
    pub uses: Vec<Use<'t>>,
}

impl Local<'_> {
    /// Whether the value can leave the function: a use that passes,
    /// returns, stores, aliases or sends it, or any use inside a func
    /// literal (a closure may outlive the call and a goroutine does).
    /// Method calls on it (`x.Stop()`), reads, assignments to it and calls
    /// of it do not count.
    pub fn escapes(&self) -> bool {
        self.uses.iter().any(|u| {
            u.captured
                || matches!(
                    u.kind,
                    UseKind::Passed
                        | UseKind::Returned
                        | UseKind::Stored
                        | UseKind::Aliased
                        | UseKind::Sent
                )
        })
    }
}

/// Index of a local in its `FuncFacts`.
pub type LocalId = usize;

/// The facts of one top-level declaration.
#[derive(Debug)]
pub struct FuncFacts<'t> {
    /// The top-level declaration.
    pub root: Node<'t>,
    pub locals: Vec<Local<'t>>,
    /// Declaring identifiers and uses, by node id.
    by_node: HashMap<usize, LocalId>,
    /// Labelled statements, with their label's name.
    pub labels: Vec<(String, Node<'t>)>,
}

impl<'t> FuncFacts<'t> {
    /// The local an identifier declares or uses.
    pub fn local_of(&self, ident: Node) -> Option<LocalId> {
        self.by_node.get(&ident.id()).copied()
    }

    pub fn local(&self, id: LocalId) -> &Local<'t> {
        &self.locals[id]
    }

    /// Whether `ident` is the identifier that declares its local (not a use,
    /// not a reassignment by `:=`).
    pub fn declares(&self, ident: Node) -> bool {
        self.local_of(ident)
            .is_some_and(|id| self.locals[id].ident.id() == ident.id())
    }

    /// The labelled statement a `goto`, `break L` or `continue L` names:
    /// the label of that name in the jump's own function.
    pub fn target_of(&self, jump: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
        let name = jump
            .named_child(0)
            .filter(|l| l.kind_str() == "label_name")
            .map(|l| text(l, src))?;
        let func = syntax::enclosing_function(jump);
        self.labels
            .iter()
            .find(|(n, l)| n == name && syntax::enclosing_function(*l) == func)
            .map(|(_, l)| *l)
    }

    /// The `goto`, `break` and `continue` statements that name the label of
    /// `labelled` (a labeled_statement).
    pub fn jumps_to(&self, labelled: Node<'t>, src: &[u8]) -> Vec<Node<'t>> {
        let Some(name) = labelled.child_field("label").map(|l| text(l, src)) else {
            return vec![];
        };
        let func = syntax::enclosing_function(labelled);
        let mut out = Vec::new();
        let scope = func
            .and_then(|f| f.child_field("body"))
            .unwrap_or(self.root);
        syntax::visit(scope, &|n| n.kind_str() != "func_literal", &mut |n| {
            if matches!(
                n.kind_str(),
                "goto_statement" | "break_statement" | "continue_statement"
            ) && n
                .named_child(0)
                .is_some_and(|l| l.kind_str() == "label_name" && text(l, src) == name)
            {
                out.push(n);
            }
        });
        out
    }
}

/// The facts of one file, computed per top-level declaration on first need.
/// Ask only about nodes of that file's tree: text is read from its bytes.
pub struct Facts<'t> {
    src: &'t [u8],
    cache: RefCell<HashMap<usize, Rc<FuncFacts<'t>>>>,
    /// The file's imports, read from the first tree asked about (by its
    /// root's id): a file with fifty imports was read a thousand times.
    imports: std::cell::OnceCell<(usize, Vec<(String, String)>)>,
}

impl<'t> Facts<'t> {
    pub fn new(src: &'t [u8]) -> Facts<'t> {
        Facts {
            src,
            cache: RefCell::new(HashMap::new()),
            imports: std::cell::OnceCell::new(),
        }
    }

    /// `syntax::import_names` of `tree`, a tree of this file, read once.
    pub fn imports(&self, tree: &Tree) -> std::borrow::Cow<'_, [(String, String)]> {
        let root = tree.root_node();
        let (id, names) = self
            .imports
            .get_or_init(|| (root.id(), syntax::import_names_at(root, self.src)));
        match *id == root.id() {
            true => std::borrow::Cow::Borrowed(names),
            false => std::borrow::Cow::Owned(syntax::import_names_at(root, self.src)),
        }
    }

    /// The facts of the top-level declaration holding `node`.
    pub fn of(&self, node: Node<'t>) -> Rc<FuncFacts<'t>> {
        let root = top_level(node);
        if let Some(f) = self.cache.borrow().get(&root.id()) {
            return f.clone();
        }
        let facts = Rc::new(compute(root, self.src));
        self.cache.borrow_mut().insert(root.id(), facts.clone());
        facts
    }

    /// The local an identifier names, with the facts that hold it. None: not
    /// an identifier of a local (a package-level name, an import, a field).
    pub fn local(&self, ident: Node<'t>) -> Option<(Rc<FuncFacts<'t>>, LocalId)> {
        if ident.kind_str() != "identifier" {
            return None;
        }
        crate::go::hidden::resolves(ident, &self.src[ident.byte_range()]);
        let f = self.of(ident);
        let id = f.local_of(ident)?;
        Some((f, id))
    }

    /// Whether `ident` is the identifier that declares its local
    /// (`FuncFacts::declares`).
    pub fn declares(&self, ident: Node<'t>) -> bool {
        crate::go::hidden::resolves(ident, &self.src[ident.byte_range()]);
        self.of(ident).declares(ident)
    }

    /// Whether `ident` names the package this file imports from `path`
    /// (under its own name or an alias), not a local that hides it.
    pub fn names_import(&self, ident: Node<'t>, path: &str, tree: &Tree) -> bool {
        let name = syntax::text(ident, self.src);
        // The imports first: a name no import gives needs no facts about
        // its function (a walk of all of it).
        let imported = self
            .imports(tree)
            .iter()
            .any(|(n, p)| n == name && p == path);
        if !imported {
            return false;
        }
        // A declaration whose text never names it but as `name.` declares
        // no local of that name: its facts need not be computed for this.
        let root = top_level(ident);
        if !self.cache.borrow().contains_key(&root.id())
            && !may_declare(&self.src[root.byte_range()], name)
        {
            return true;
        }
        self.local(ident).is_none()
    }

    /// Whether two identifiers name the same local.
    pub fn same_local(&self, a: Node<'t>, b: Node<'t>) -> bool {
        match (self.local(a), self.local(b)) {
            (Some((fa, ia)), Some((fb, ib))) => Rc::ptr_eq(&fa, &fb) && ia == ib,
            _ => false,
        }
    }

    /// How many top-level declarations have been analysed (for tests: facts
    /// are computed once per declaration).
    pub fn computed(&self) -> usize {
        self.cache.borrow().len()
    }
}

/// Whether the text of a declaration may declare a local `name`: the word
/// appears other than as the operand of a selector (`name.X`, blank space
/// allowed before the dot; `name...`, a variadic parameter, counts).
fn may_declare(text: &[u8], name: &str) -> bool {
    let n = name.as_bytes();
    let glued = |b: Option<&u8>| b.is_some_and(|&b| syntax::is_ident_byte(b));
    memchr::memmem::find_iter(text, n).any(|at| {
        let end = at + n.len();
        if glued(at.checked_sub(1).and_then(|i| text.get(i))) || glued(text.get(end)) {
            return false;
        }
        let rest = &text[end..];
        let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &rest[skip..];
        !(rest.first() == Some(&b'.') && rest.get(1) != Some(&b'.'))
    })
}

/// The top-level node (child of the source file) around `node`.
///
/// One step down from the root: a walk up asks tree-sitter for each parent,
/// and it descends from the root for each.
pub fn top_level(node: Node) -> Node {
    let root = syntax::root_of(node);
    if root.id() == node.id() {
        return node;
    }
    root.child_with_descendant(node).unwrap_or(node)
}

/// The nearest ancestor of `node` whose kind is one of `kinds`; with
/// `stop_at_function`, the search ends at the nearest function (which is
/// itself tested).
pub fn enclosing<'t>(node: Node<'t>, kinds: &[&str], stop_at_function: bool) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if kinds.contains(&n.kind_str()) {
            return Some(n);
        }
        if stop_at_function && syntax::is_function(n) {
            return None;
        }
        cur = n.parent();
    }
    None
}

/// The innermost `for` loop around `node` in its own function.
pub fn enclosing_loop(node: Node) -> Option<Node> {
    enclosing(node, &["for_statement"], true)
}

/// The innermost `select` around `node` in its own function.
pub fn enclosing_select(node: Node) -> Option<Node> {
    enclosing(node, &["select_statement"], true)
}

/// The `defer` statement whose deferred call runs `node`: one of its own
/// function, or the one that defers the func literal `node` is in.
pub fn enclosing_defer(node: Node) -> Option<Node> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind_str() == "defer_statement" {
            return Some(n);
        }
        if syntax::is_function(n) {
            return called_by(n, "defer_statement");
        }
        cur = n.parent();
    }
    None
}

/// The `go` statement whose goroutine runs `node`: the nearest func literal
/// around it that a `go` statement calls directly. A `go f(x)` call's
/// arguments are evaluated by the caller, so they are not in a goroutine.
pub fn enclosing_goroutine(node: Node) -> Option<Node> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind_str() == "func_literal"
            && let Some(g) = called_by(n, "go_statement")
        {
            return Some(g);
        }
        cur = n.parent();
    }
    None
}

/// The statement of `kind` (`go_statement`, `defer_statement`) that calls
/// func literal `lit` directly: `go func() {...}()`.
fn called_by<'t>(lit: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let call = lit
        .parent()
        .filter(|c| c.kind_str() == "call_expression" && c.child_field("function") == Some(lit))?;
    call.parent().filter(|g| g.kind_str() == kind)
}

/// A lexical scope while walking: the names it declares and the function
/// it belongs to.
struct Scope<'t> {
    names: HashMap<String, LocalId>,
    func: Node<'t>,
}

/// What the walk does next.
enum Step<'t> {
    Visit(Node<'t>),
    /// Enter a scope of the function given (None: the current one).
    Push(Option<Node<'t>>),
    Pop,
    /// Declare identifiers (after the value they are given has been walked,
    /// so `x := x` reads the outer `x`). `short`: a name already declared in
    /// the same scope is reassigned, not declared.
    Declare(Vec<Node<'t>>, DeclKind, bool),
}

struct Walk<'t, 's> {
    src: &'s [u8],
    scopes: Vec<Scope<'t>>,
    locals: Vec<Local<'t>>,
    by_node: HashMap<usize, LocalId>,
    /// Identifiers that use a local, in walk order.
    uses: Vec<(Node<'t>, LocalId)>,
    labels: Vec<(String, Node<'t>)>,
    steps: Vec<Step<'t>>,
}

fn compute<'t>(root: Node<'t>, src: &[u8]) -> FuncFacts<'t> {
    let mut w = Walk {
        src,
        scopes: Vec::new(),
        locals: Vec::new(),
        by_node: HashMap::new(),
        uses: Vec::new(),
        labels: Vec::new(),
        steps: vec![Step::Visit(root)],
    };
    // The walk keeps its own stack: expressions of generated code nest
    // deeper than the thread's stack would allow recursion to follow.
    while let Some(step) = w.steps.pop() {
        match step {
            Step::Visit(n) => w.visit(n),
            Step::Push(f) => {
                let func = f
                    .or_else(|| w.scopes.last().map(|s| s.func))
                    .unwrap_or(root);
                w.scopes.push(Scope {
                    names: HashMap::new(),
                    func,
                });
            }
            Step::Pop => {
                w.scopes.pop();
            }
            Step::Declare(idents, kind, short) => w.declare(&idents, kind, short),
        }
    }
    let uses = std::mem::take(&mut w.uses);
    for (node, id) in uses {
        let func = w.locals[id].func;
        let u = classify(node, func, src, &|n| w.by_node.contains_key(&n.id()));
        w.locals[id].uses.push(u);
    }
    for l in &mut w.locals {
        l.uses.sort_by_key(|u| u.node.start_byte());
    }
    FuncFacts {
        root,
        locals: w.locals,
        by_node: w.by_node,
        labels: w.labels,
    }
}

impl<'t> Walk<'t, '_> {
    /// Schedules `nodes` to be visited in order, before what is already
    /// scheduled.
    fn then_visit(&mut self, nodes: Vec<Node<'t>>) {
        self.steps.extend(nodes.into_iter().rev().map(Step::Visit));
    }

    fn children(n: Node<'t>) -> Vec<Node<'t>> {
        let mut c = n.walk();
        n.children(&mut c).collect()
    }

    fn visit(&mut self, n: Node<'t>) {
        match n.kind_str() {
            "function_declaration" | "method_declaration" | "func_literal" => self.function(n),
            "block"
            | "if_statement"
            | "for_statement"
            | "expression_switch_statement"
            | "select_statement"
            | "expression_case"
            | "default_case"
            | "type_case"
            | "communication_case" => {
                self.steps.push(Step::Pop);
                self.then_visit(Self::children(n));
                self.steps.push(Step::Push(None));
            }
            "type_switch_statement" => self.type_switch(n),
            "short_var_declaration" => self.declaring(n, "left", "right", DeclKind::Short, true),
            "var_spec" | "const_spec" if !self.scopes.is_empty() => {
                let kind = if n.kind_str() == "var_spec" {
                    DeclKind::Var
                } else {
                    DeclKind::Const
                };
                let mut c = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                self.steps.push(Step::Declare(names, kind, false));
                if let Some(v) = n.child_field("value") {
                    self.steps.push(Step::Visit(v));
                }
            }
            "range_clause" | "receive_statement" if has_token(n, ":=") => {
                let kind = if n.kind_str() == "range_clause" {
                    DeclKind::Range
                } else {
                    DeclKind::Receive
                };
                self.declaring(n, "left", "right", kind, false);
            }
            "labeled_statement" => {
                if let Some(l) = n.child_field("label") {
                    self.labels.push((text(l, self.src).to_string(), n));
                }
                self.then_visit(Self::children(n));
            }
            "identifier" => self.resolve(n),
            // A field name is not a use of a local of the same name.
            "field_identifier" | "type_identifier" | "package_identifier" => {}
            _ => self.then_visit(Self::children(n)),
        }
    }

    /// A function: its receiver, parameters and results are declared in the
    /// scope its body's statements share (Go's function block).
    fn function(&mut self, n: Node<'t>) {
        self.steps.push(Step::Pop);
        if let Some(body) = n.child_field("body") {
            self.then_visit(Self::children(body));
        }
        let mut decls = Vec::new();
        for (field, kind) in [
            ("receiver", DeclKind::Receiver),
            ("parameters", DeclKind::Param),
            ("result", DeclKind::Result),
        ] {
            let Some(list) = n.child_field(field) else {
                continue;
            };
            let mut c = list.walk();
            for d in list.named_children(&mut c) {
                let mut c2 = d.walk();
                let names: Vec<Node> = d.children_by_field_name("name", &mut c2).collect();
                if !names.is_empty() {
                    decls.push(Step::Declare(names, kind, false));
                }
            }
        }
        self.steps.extend(decls);
        self.steps.push(Step::Push(Some(n)));
    }

    /// `switch [init;] x := y.(type) { cases }`: one scope for the header,
    /// `x` declared after `y` is read.
    fn type_switch(&mut self, n: Node<'t>) {
        self.steps.push(Step::Pop);
        let alias = n.child_field("alias");
        let value = n.child_field("value");
        let init = n.child_field("initializer");
        let rest: Vec<Node> = Self::children(n)
            .into_iter()
            .filter(|c| Some(*c) != alias && Some(*c) != value && Some(*c) != init)
            .collect();
        self.then_visit(rest);
        if let Some(a) = alias {
            self.steps
                .push(Step::Declare(identifiers(a), DeclKind::TypeSwitch, false));
        }
        self.then_visit(init.into_iter().chain(value).collect());
        self.steps.push(Step::Push(None));
    }

    /// A statement that declares its `left` identifiers from its `right`.
    fn declaring(&mut self, n: Node<'t>, left: &str, right: &str, kind: DeclKind, short: bool) {
        let names = n.child_field(left).map(identifiers).unwrap_or_default();
        self.steps.push(Step::Declare(names, kind, short));
        if let Some(r) = n.child_field(right) {
            self.steps.push(Step::Visit(r));
        }
    }

    fn declare(&mut self, idents: &[Node<'t>], kind: DeclKind, short: bool) {
        let Some(scope) = self.scopes.last() else {
            return;
        };
        let func = scope.func;
        for &ident in idents {
            let name = text(ident, self.src);
            if name == "_" {
                continue;
            }
            if short && let Some(&id) = self.scopes.last().unwrap().names.get(name) {
                self.by_node.insert(ident.id(), id);
                self.uses.push((ident, id));
                continue;
            }
            let id = self.locals.len();
            self.locals.push(Local {
                name: name.to_string(),
                ident,
                kind,
                func,
                uses: Vec::new(),
            });
            self.by_node.insert(ident.id(), id);
            self.scopes
                .last_mut()
                .unwrap()
                .names
                .insert(name.to_string(), id);
        }
    }

    fn resolve(&mut self, ident: Node<'t>) {
        let name = text(ident, self.src);
        if let Some(id) = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s.names.get(name).copied())
        {
            self.by_node.insert(ident.id(), id);
            self.uses.push((ident, id));
        }
    }
}

/// The identifiers of an expression list or a spec (its identifier
/// children), or a lone identifier.
pub fn identifiers(list: Node) -> Vec<Node> {
    if list.kind_str() == "identifier" {
        return vec![list];
    }
    let mut c = list.walk();
    list.named_children(&mut c)
        .filter(|x| x.kind_str() == "identifier")
        .collect()
}

fn has_token(n: Node, token: &str) -> bool {
    let mut c = n.walk();
    n.children(&mut c)
        .any(|x| !x.is_named() && x.kind_str() == token)
}

/// What the use at `ident` does with its local (declared in `func`), and
/// where it is. `is_local` says whether an identifier names a local.
fn classify<'t>(
    ident: Node<'t>,
    func: Node<'t>,
    src: &[u8],
    is_local: &dyn Fn(Node) -> bool,
) -> Use<'t> {
    let between = syntax::ancestors_until(ident, func);
    let captured = between.iter().any(|n| syntax::is_function(*n));
    Use {
        node: ident,
        kind: use_kind(ident, src, is_local, &between),
        captured,
        deferred: between.iter().any(|n| n.kind_str() == "defer_statement"),
        in_go: between.iter().any(|n| n.kind_str() == "go_statement"),
    }
}

/// Ancestor `k` (0: the parent) of a node whose ancestor `k - 1` is `of`:
/// from `ups` (the node's ancestors, innermost first, found in one descent)
/// while it has them, else by tree-sitter's walk up, which descends from the
/// root for each step.
fn ancestor<'t>(ups: &[Node<'t>], k: usize, of: Node<'t>) -> Option<Node<'t>> {
    ups.get(k).copied().or_else(|| of.parent())
}

/// How `ident` is used; `ups` holds its first ancestors (`ancestor`).
fn use_kind<'t>(
    ident: Node<'t>,
    src: &[u8],
    is_local: &dyn Fn(Node) -> bool,
    ups: &[Node<'t>],
) -> UseKind {
    let mut e = ident;
    let mut level = 0;
    while let Some(p) = ancestor(ups, level, e) {
        let is = |field: &str| p.child_field(field) == Some(e);
        match p.kind_str() {
            "selector_expression" if is("operand") => {
                let called = ancestor(ups, level + 1, p).is_some_and(|c| {
                    c.kind_str() == "call_expression" && c.child_field("function") == Some(p)
                });
                if called && e == ident {
                    let m = p.child_field("field").map_or("", |f| text(f, src));
                    return UseKind::CalledOn(m.to_string());
                }
                // A method of one of its fields: `x.f.M()`.
                if called {
                    return UseKind::Read;
                }
            }
            "parenthesized_expression" | "type_assertion_expression" | "slice_expression" => {}
            "index_expression" if is("operand") => {}
            "unary_expression"
                if p.child_field("operator")
                    .is_some_and(|o| matches!(o.kind_str(), "&" | "*")) => {}
            "call_expression" if is("function") => return UseKind::Called,
            "argument_list" => return UseKind::Passed,
            "literal_element" => return UseKind::Stored,
            "send_statement" if is("value") => return UseKind::Sent,
            "inc_statement" | "dec_statement" => return UseKind::Assigned,
            "range_clause" | "receive_statement" if is("left") => return UseKind::Assigned,
            "expression_list" => {
                return in_list(e, ident, p, ancestor(ups, level + 1, p), src, is_local);
            }
            "return_statement" => return UseKind::Returned,
            _ => return UseKind::Read,
        }
        e = p;
        level += 1;
    }
    UseKind::Read
}

/// The kind of a use whose value `e` is an element of `list`.
fn in_list(
    e: Node,
    ident: Node,
    list: Node,
    stmt: Option<Node>,
    src: &[u8],
    is_local: &dyn Fn(Node) -> bool,
) -> UseKind {
    let Some(stmt) = stmt else {
        return UseKind::Read;
    };
    let left = stmt.child_field("left");
    let right = stmt
        .child_field("right")
        .or_else(|| stmt.child_field("value"));
    match stmt.kind_str() {
        "return_statement" => UseKind::Returned,
        "assignment_statement" | "short_var_declaration" if left == Some(list) => {
            // `x = v` reassigns x; `x.f = v`, `x[i] = v` only write into it.
            if e == ident {
                UseKind::Assigned
            } else {
                UseKind::Read
            }
        }
        "assignment_statement" | "short_var_declaration" | "var_spec" if right == Some(list) => {
            let pos = index_in(list, e);
            let targets: Vec<Node> = match stmt.kind_str() {
                "var_spec" => {
                    let mut c = stmt.walk();
                    stmt.children_by_field_name("name", &mut c).collect()
                }
                _ => left.map(named_children).unwrap_or_default(),
            };
            let op_assign = stmt
                .child_field("operator")
                .is_some_and(|o| o.kind_str() != "=");
            match pos.and_then(|i| targets.get(i)) {
                _ if op_assign => UseKind::Read,
                // `_ = x` discards the value.
                Some(t) if t.kind_str() == "identifier" && text(*t, src) == "_" => {
                    UseKind::Discarded
                }
                Some(t) if t.kind_str() == "identifier" && is_local(*t) => UseKind::Aliased,
                // A package-level variable, a field, an element, or a tuple
                // assignment from a call (`a, b = f(x)`) this analysis
                // cannot place: the value is kept somewhere.
                _ => UseKind::Stored,
            }
        }
        _ => UseKind::Read,
    }
}

fn named_children(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c).collect()
}

fn index_in(list: Node, e: Node) -> Option<usize> {
    named_children(list).iter().position(|x| *x == e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `top_level` is the root's child the walk up ends at, on every node
    /// of a Go file and of one cut short (with errors).
    #[test]
    fn top_level_is_the_walk_up() {
        fn walk_up(node: Node) -> Node {
            let mut cur = node;
            while let Some(p) = cur.parent() {
                if p.parent().is_none() {
                    return cur;
                }
                cur = p;
            }
            cur
        }
        let mut checked = 0;
        for (f, keep) in [("net/http/transport.go", 1.0), ("runtime/proc.go", 0.37)] {
            let src = crate::go::goroot_file(f, keep);
            let tree = syntax::parse(&src);
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                assert_eq!(
                    top_level(n).id(),
                    walk_up(n).id(),
                    "{f}: {} at {}",
                    n.kind_str(),
                    n.start_byte()
                );
                checked += 1;
            });
        }
        assert!(checked > 30_000, "{checked}");
    }

    /// The uses of the local declared at the `n`th (0-based) declaring
    /// identifier named `name`, as "kind[+flags]" strings.
    fn uses_of(src: &str, name: &str, n: usize) -> Vec<String> {
        let tree = syntax::parse(src.as_bytes());
        let facts = Facts::new(src.as_bytes());
        let mut decls = Vec::new();
        syntax::visit(tree.root_node(), &|_| true, &mut |x| {
            if x.kind_str() == "identifier"
                && text(x, src.as_bytes()) == name
                && facts.of(x).declares(x)
            {
                decls.push(x);
            }
        });
        let (f, id) = facts.local(decls[n]).expect("a local");
        f.local(id)
            .uses
            .iter()
            .map(|u| {
                let mut s = u.kind.name().to_string();
                if let Some(m) = u.method() {
                    s = format!("{s}:{m}");
                }
                for flag in ["captured", "deferred", "go"] {
                    if u.is(flag) {
                        s.push('+');
                        s.push_str(flag);
                    }
                }
                s
            })
            .collect()
    }

    #[test]
    fn use_kinds() {
        let src = "package p
var g *T
func f(ch chan *T) (*T, error) {
	t := New()
	t.Stop()
	defer t.Stop()
	go t.Reset()
	go func() { t.Stop() }()
	use(t)
	use(t.C)
	<-t.C
	ch <- t
	g = t
	s := S{T: t}
	m[1] = t
	u := t
	_ = t
	t = New()
	t.n = 1
	return t, nil
}";
        assert_eq!(
            uses_of(src, "t", 0),
            vec![
                "called-on:Stop",
                "called-on:Stop+deferred",
                "called-on:Reset+go",
                "called-on:Stop+captured+go",
                "passed",
                "passed",
                "read",
                "sent",
                "stored",
                "stored",
                "stored",
                "aliased",
                "discarded",
                "assigned",
                "read",
                "returned",
            ]
        );
    }

    #[test]
    fn scoping_and_shadowing() {
        let src = "package p
func f(x int) {
	t := 1
	if t := 2; t > 0 {
		t++
	}
	{
		t := 3
		_ = t
	}
	for t := range xs {
		_ = t
	}
	switch t := v.(type) {
	case int:
		_ = t
	}
	select {
	case t := <-c:
		_ = t
	}
	x := x + t
	t, y := 2, 3
	func(t int) { _ = t }(0)
	func() { _ = t }()
	_ = y
}";
        // The outer t: read in `x := x + t`, reassigned by `t, y := ...`,
        // captured by the literal that declares no t of its own.
        assert_eq!(
            uses_of(src, "t", 0),
            vec!["read", "assigned", "discarded+captured"]
        );
        // if-init t: the condition, t++.
        assert_eq!(uses_of(src, "t", 1), vec!["read", "assigned"]);
        for n in 2..=5 {
            assert_eq!(uses_of(src, "t", n), vec!["discarded"], "t #{n}");
        }
        // The literal's own parameter.
        assert_eq!(uses_of(src, "t", 6), vec!["discarded"]);
        // `x := x + t` declares a new x in the body? No: the parameter and
        // the body share Go's function block, so x is reassigned.
        assert_eq!(uses_of(src, "x", 0), vec!["assigned", "read"]);
    }

    #[test]
    fn escapes_and_caching() {
        let src = "package p
func f() int {
	a := 1
	b := 2
	c := 3
	d := 4
	go func() { _ = c }()
	use(b)
	a++
	d.Stop()
	return a
}
func g() { x := 1; _ = x }";
        let tree = syntax::parse(src.as_bytes());
        let facts = Facts::new(src.as_bytes());
        let f = tree.root_node().named_child(1).unwrap();
        let ff = facts.of(f);
        let esc: Vec<(&str, bool)> = ff
            .locals
            .iter()
            .map(|l| (l.name.as_str(), l.escapes()))
            .collect();
        assert_eq!(
            esc,
            vec![("a", true), ("b", true), ("c", true), ("d", false)]
        );
        let again = facts.of(f.child_field("body").unwrap());
        assert!(Rc::ptr_eq(&ff, &again));
        assert_eq!(facts.computed(), 1);
    }

    #[test]
    fn enclosing_nodes_and_labels() {
        let src = "package p
func f() {
L:
	for {
		select {
		case <-c:
			go func() {
				defer func() { x() }()
			}()
			break L
		}
	}
	goto L
}";
        let tree = syntax::parse(src.as_bytes());
        let b = src.as_bytes();
        let mut call = None;
        syntax::visit(tree.root_node(), &|_| true, &mut |n| {
            if n.kind_str() == "call_expression" && text(n, b) == "x()" {
                call = Some(n);
            }
        });
        let call = call.unwrap();
        assert_eq!(enclosing_defer(call).unwrap().kind_str(), "defer_statement");
        assert!(enclosing_goroutine(call).is_some());
        // A loop or select of the outer function is not the literal's.
        assert!(enclosing_loop(call).is_none());
        let go = enclosing_goroutine(call).unwrap();
        assert_eq!(enclosing_select(go).unwrap().kind_str(), "select_statement");
        assert_eq!(enclosing_loop(go).unwrap().kind_str(), "for_statement");
        let facts = Facts::new(b);
        let ff = facts.of(call);
        assert_eq!(ff.labels.len(), 1);
        let jumps = ff.jumps_to(ff.labels[0].1, b);
        let kinds: Vec<&str> = jumps.iter().map(|j| j.kind_str()).collect();
        assert_eq!(kinds, vec!["break_statement", "goto_statement"]);
        for j in jumps {
            assert_eq!(ff.target_of(j, b), Some(ff.labels[0].1));
        }
    }
}
