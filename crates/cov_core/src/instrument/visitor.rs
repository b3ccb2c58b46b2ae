//! The coverage pass: walks the oxc AST in Babel's order, decides which
//! statements, functions and branches istanbul-lib-instrument's visitor would
//! count (the `CoverageBuilder` numbers them), and places the insertions of
//! `emit` that count them into the current test's table.

use std::collections::HashSet;

use oxc_ast::ast::*;
use oxc_ast::{AstKind, AstType};
use oxc_ast_visit::{walk, Visit};
use oxc_span::{GetSpan, Span};
use oxc_syntax::scope::ScopeFlags;

use super::edits::Edits;
use super::emit::{self, Entry, Form, Names, Site};
use super::hints::{Hint, Hints};
use crate::coverage::{BranchId, BranchKind, CoverageBuilder, Location};
use crate::lines::LineIndex;

#[derive(Clone, Copy)]
enum Scope {
    /// Counters use the body's table variable; `entry` says whether the body
    /// sets the entry cache (and so hands it back at its suspension points).
    Body { generator: bool, entry: Entry },
    /// No body to hold a variable: resolve at each counter.
    Inline,
}

/// A function's block body, for finding bundler module factories after the
/// input map is composed (`factories::mark`).
pub struct FnBody {
    /// Where the entry prologue goes (after the directives) and the body's `}`.
    pub open_at: u32,
    pub close_at: u32,
    /// The depth of the function node (the prologue's is one more).
    pub depth: u32,
    pub entry: Entry,
    pub directives: bool,
    /// A generator (sync or async): its body runs between the caller's `next()` calls.
    pub generator: bool,
    /// The function's own counter, when it has one.
    pub slot: Option<u32>,
    /// The statement counters directly in this body (not in nested functions).
    pub statements: Vec<u32>,
}

/// Where a function node starts and what Istanbul calls it.
struct FnSite<'s> {
    start: u32,
    /// Istanbul 6 has no function entry for private methods (`#m() {}`).
    counted: bool,
    id: Option<(&'s str, Span)>,
    /// Name checked against `ignoreClassMethods`.
    method_key: Option<&'s str>,
}

pub struct CoveragePass<'s, 'o> {
    source: &'s str,
    lines: LineIndex<'s>,
    hints: &'o Hints,
    names: &'o Names,
    ignore_class_methods: &'o [String],
    form: Form,
    pub edits: Edits,
    pub cov: CoverageBuilder,
    scopes: Vec<Scope>,
    /// Ignored subtrees being walked (only to re-resolve after yields).
    ignoring: u32,
    depth: u32,
    /// Types and spans of the nodes entered, innermost last.
    parents: Vec<(AstType, Span)>,
    /// Where a statement counter goes when the statement is a label's body.
    label_anchor: Option<u32>,
    /// Where function-valued declarator counters are hoisted to, so that the
    /// function keeps its inferred name (`var f = function () {}`).
    hoist_anchor: Option<u32>,
    next_hoist_anchor: Option<u32>,
    /// Logical expressions already counted as leaves of an outer one.
    nested_logicals: HashSet<(u32, u32)>,
    /// Starts of expressions Istanbul wrapped as `(counter, expr)` before
    /// visiting them: Babel moved their comments to the wrapper, so their
    /// hints no longer apply.
    unhinted: HashSet<u32>,
    /// Set for a private method's function value.
    pending_private: bool,
    /// Hinted `(` offsets where a node other than the parenthesis itself
    /// starts: the hint is that node's, not the parenthesized one's.
    claimed_parens: HashSet<u32>,
    /// The code declares something named `globalThis` (the header must not
    /// read it: a `let globalThis` is in its temporal dead zone there).
    pub declares_global_this: bool,
    /// Set by a method/property visitor for the function value it holds.
    pending_method: Option<(u32, Option<String>)>,
    /// Every non-empty block body of a function, and the index of the
    /// innermost one being walked (`None` inside an expression body).
    pub bodies: Vec<FnBody>,
    body_stack: Vec<Option<usize>>,
}

impl<'s, 'o> CoveragePass<'s, 'o> {
    pub fn new(
        source: &'s str,
        hints: &'o Hints,
        names: &'o Names,
        ignore_class_methods: &'o [String],
        report_logic: bool,
        form: Form,
        path: String,
    ) -> Self {
        Self {
            source,
            lines: LineIndex::new(source),
            hints,
            names,
            ignore_class_methods,
            form,
            edits: Edits::default(),
            cov: CoverageBuilder::new(path, report_logic),
            scopes: vec![Scope::Body { generator: false, entry: Entry::Lookup }],
            ignoring: 0,
            depth: 0,
            parents: Vec::new(),
            label_anchor: None,
            hoist_anchor: None,
            next_hoist_anchor: None,
            nested_logicals: HashSet::new(),
            pending_method: None,
            unhinted: HashSet::new(),
            pending_private: false,
            claimed_parens: HashSet::new(),
            declares_global_this: false,
            bodies: Vec::new(),
            body_stack: Vec::new(),
        }
    }

    // ---- counters and map entries -------------------------------------------------

    fn loc(&self, span: Span) -> Location {
        Location { start: self.lines.position(span.start), end: self.lines.position(span.end) }
    }

    /// Where counters emitted now run.
    fn site(&self) -> Site {
        match self.scopes.last() {
            Some(Scope::Body { .. }) => Site::Body,
            _ => Site::Inline,
        }
    }

    /// `C[k]++` or `R()[k]++`, depending on where the counter runs.
    fn inc(&self, slot: u32) -> String {
        emit::increment(self.names, self.site(), self.form, slot, self.cov.counter(slot))
    }

    fn new_statement(&mut self, span: Span) -> u32 {
        let loc = self.loc(span);
        self.cov.new_statement(loc)
    }

    /// A statement counter, noted as one of the enclosing function body's.
    fn new_body_statement(&mut self, span: Span) -> u32 {
        let slot = self.new_statement(span);
        if let Some(Some(i)) = self.body_stack.last() {
            self.bodies[*i].statements.push(slot);
        }
        slot
    }

    fn new_branch(&mut self, kind: BranchKind, span: Span) -> BranchId {
        let loc = self.loc(span);
        self.cov.new_branch(kind, loc)
    }

    fn add_path(&mut self, branch: BranchId, loc: Option<Location>) -> (u32, Option<u32>) {
        self.cov.add_path(branch, loc)
    }

    /// Wrap an expression as `(increment, expr)`.
    fn wrap(&mut self, outer: Span, depth: u32, increment: String) {
        self.edits.open(outer.start, depth, emit::wrap_open(&increment));
        self.edits.close(outer.end, depth, emit::WRAP_CLOSE);
    }

    fn hint(&self, start: u32) -> Option<Hint> {
        if self.unhinted.contains(&start) {
            return None;
        }
        if let Some(paren) = self.hints.through_paren.get(&start) {
            if self.claimed_parens.contains(paren) {
                return None;
            }
        }
        self.hints.at(start)
    }

    /// `wrap`, for an expression Istanbul replaces by the wrapper (its
    /// comments, and so its hints, go with the wrapper).
    fn wrap_replacing(&mut self, expr: &Expression<'_>, depth: u32, increment: String) {
        self.unhinted.insert(expr.span().start);
        self.unhinted.insert(expr.without_parentheses().span().start);
        self.wrap(expr.span(), depth, increment);
    }

    fn ignored_by_hint(&self, start: u32) -> bool {
        self.hint(start) == Some(Hint::Next)
    }

    /// The one ignore check: inside an ignored subtree, or (given the node's
    /// start) under an `ignore next` hint, walk the node with `walk` counting
    /// nothing and return true; otherwise return false and let the caller cover it.
    fn ignore(&mut self, hinted_at: Option<u32>, walk: impl FnOnce(&mut Self)) -> bool {
        if self.ignoring > 0 || hinted_at.is_some_and(|start| self.ignored_by_hint(start)) {
            self.walk_ignored(walk);
            return true;
        }
        false
    }

    fn parent(&self) -> Option<AstType> {
        self.parents.last().map(|p| p.0)
    }

    /// Offset just after the `{` that opens a block starting at or after `from`.
    fn after_brace(&self, from: u32) -> u32 {
        self.source[from as usize..].find('{').map_or(from, |i| from + i as u32 + 1)
    }

    /// Offset just after the `:` of a switch case (skipping comments).
    fn after_case_colon(&self, from: u32) -> u32 {
        let b = self.source.as_bytes();
        let mut i = from as usize;
        while i < b.len() {
            match b[i] {
                b':' => return i as u32 + 1,
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i += self.source[i..].find('\n').unwrap_or(b.len() - i);
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i += self.source[i..].find("*/").map_or(b.len() - i, |e| e + 2);
                }
                _ => i += 1,
            }
        }
        from
    }

    fn walk_ignored(&mut self, f: impl FnOnce(&mut Self)) {
        self.ignoring += 1;
        f(self);
        self.ignoring -= 1;
    }

    /// Run `f` as the children of a node this pass walks by hand.
    fn children<'a>(&mut self, kind: AstKind<'a>, f: impl FnOnce(&mut Self)) {
        self.enter(kind.ty(), kind.span());
        f(self);
        self.leave();
    }

    fn enter(&mut self, ty: AstType, span: Span) {
        self.depth += 1;
        self.parents.push((ty, span));
    }

    fn leave(&mut self) {
        self.depth -= 1;
        self.parents.pop();
    }

    // ---- functions ----------------------------------------------------------------

    /// Istanbul's `coverFunction` plus our per-invocation table resolution.
    fn cover_function<'a>(
        &mut self,
        site: FnSite<'_>,
        params: &FormalParameters<'a>,
        body: FunctionBodyRef<'_, 'a>,
        generator: bool,
        is_async: bool,
        kind: AstKind<'a>,
    ) {
        let node_depth = self.depth + 1;
        let ignored_method = site.method_key.is_some_and(|k| self.ignore_class_methods.iter().any(|m| m == k));
        if site.id.is_some_and(|(name, _)| name == "globalThis") {
            self.declares_global_this = true;
        }
        if self.ignoring > 0 || ignored_method || self.ignored_by_hint(site.start) {
            // Nothing inside an ignored function is counted, and it holds no
            // yields of an instrumented generator: skip it whole.
            return;
        }
        let decl = match site.id {
            Some((_, span)) => self.loc(span),
            None => {
                let start = self.lines.position(site.start);
                Location { start, end: crate::coverage::Position { line: start.line, column: start.column + 1 } }
            }
        };
        let body_span = match body {
            FunctionBodyRef::Block(b) => b.span,
            FunctionBodyRef::Expression(e) => e.without_parentheses().span(),
        };
        let loc = self.loc(body_span);
        let slot = site.counted.then(|| self.cov.new_function(site.id.map(|(name, _)| name), decl, loc));
        // Counted in the body, where the table variable is set.
        let inc = slot.map(|s| emit::increment(self.names, Site::Body, self.form, s, self.cov.counter(s)));
        let counter = emit::function_counter(inc.as_deref());
        let entry = self.entry_for(body, is_async, generator);

        self.children(kind, |this| {
            this.scopes.push(Scope::Inline);
            this.visit_formal_parameters(params);
            this.scopes.pop();

            this.scopes.push(Scope::Body { generator, entry });
            match body {
                FunctionBodyRef::Block(b) => {
                    let at = match b.directives.last() {
                        Some(d) => d.span.end,
                        None => b.span.start + 1,
                    };
                    let prologue = emit::body_prologue(this.names, entry, &counter, !b.directives.is_empty());
                    let epilogue = emit::body_epilogue(this.names, entry);
                    // An empty body: one insertion (a close would sort before the open).
                    if at >= b.span.end - 1 {
                        this.edits.open(at, node_depth + 1, prologue + &epilogue);
                        this.body_stack.push(None);
                    } else {
                        this.edits.open(at, node_depth + 1, prologue);
                        this.edits.close(b.span.end - 1, node_depth + 1, epilogue);
                        this.body_stack.push(Some(this.bodies.len()));
                        this.bodies.push(FnBody {
                            open_at: at,
                            close_at: b.span.end - 1,
                            depth: node_depth,
                            entry,
                            directives: !b.directives.is_empty(),
                            generator,
                            slot,
                            statements: Vec::new(),
                        });
                    }
                    // A hint before the body's `{` ignores the body, not the function.
                    if !this.ignore(Some(b.span.start), |t| t.visit_function_body(b)) {
                        this.visit_function_body(b);
                    }
                    this.body_stack.pop();
                }
                FunctionBodyRef::Expression(e) => {
                    // Istanbul turns `=> expr` into `=> { return expr }` and counts the return.
                    this.body_stack.push(None);
                    let s = this.new_statement(e.without_parentheses().span());
                    let span = e.span();
                    let open = emit::expression_body_open(this.names, entry, &counter, &this.inc(s));
                    this.edits.open(span.start, node_depth + 1, open);
                    this.edits.close(span.end, node_depth + 1, emit::expression_body_close(this.names, entry));
                    this.visit_expression(e);
                    this.body_stack.pop();
                }
            }
            this.scopes.pop();
        });
    }

    /// Whether a function body sets the entry cache (docs/function-entry.md).
    /// It does on the server, unless a `try` block around the body would
    /// change its meaning: a function declaration at the body's top level
    /// would become block-scoped (a `var` of the same name, or a duplicate
    /// declaration in strict code, would then be a SyntaxError); and an
    /// `await using` would await at the end of its block, a suspension point
    /// with no hand-back (looked for in the text: a false hit only costs speed).
    /// A leaf (a plain function that calls nothing) reads the cache and
    /// leaves it alone: it has no callee to hand a context to, so the `try`
    /// would only cost (a sort comparator runs thousands of times a request).
    fn entry_for(&self, body: FunctionBodyRef<'_, '_>, is_async: bool, generator: bool) -> Entry {
        if self.form != Form::Server {
            return Entry::Lookup;
        }
        if !is_async && !generator && Leaf::of(body) {
            return Entry::Lookup;
        }
        if let FunctionBodyRef::Block(b) = body {
            fn declares_function(s: &Statement<'_>) -> bool {
                match s {
                    Statement::FunctionDeclaration(_) => true,
                    Statement::LabeledStatement(l) => declares_function(&l.body),
                    _ => false,
                }
            }
            if b.statements.iter().any(declares_function) {
                return Entry::Lookup;
            }
            if is_async && self.source[b.span.start as usize..b.span.end as usize].contains("using") {
                return Entry::Lookup;
            }
        }
        Entry::Cached { is_async }
    }

    /// The cached body the code being visited runs in, if any.
    fn cached(&self) -> Option<(bool, bool)> {
        match self.scopes.last() {
            Some(Scope::Body { generator, entry: Entry::Cached { is_async } }) => Some((*generator, *is_async)),
            _ => None,
        }
    }

    /// Wrap a suspension point's operand: `E.s(operand, P, P = void 0)`.
    fn suspend(&mut self, operand: Span, depth: u32) {
        self.edits.open(operand.start, depth, emit::suspend_open());
        self.edits.close(operand.end, depth, emit::suspend_close(self.names));
    }

    // ---- branches -----------------------------------------------------------------

    /// Leaves of a chain of logical expressions (through parentheses).
    fn find_leaves<'a, 'e>(&mut self, e: &'e Expression<'a>, out: &mut Vec<&'e Expression<'a>>) {
        if let Expression::LogicalExpression(l) = e.without_parentheses() {
            self.nested_logicals.insert((l.span.start, l.span.end));
            if !self.ignored_by_hint(l.span.start) {
                self.find_leaves(&l.left, out);
                self.find_leaves(&l.right, out);
            }
        } else {
            out.push(e);
        }
    }

    /// Default values (`a = 1` in parameters and destructuring): branch
    /// `default-arg`. Returns false when a hint ignores the whole pattern.
    /// `takes_hint` is false where Babel gives the comment to an enclosing
    /// object property instead (`{ /* hint */ a = 1 }`).
    fn cover_default(&mut self, whole: Span, right: &Expression<'_>, right_depth: u32, takes_hint: bool) -> bool {
        if self.ignoring > 0 {
            return true;
        }
        if takes_hint && self.ignored_by_hint(whole.start) {
            return false;
        }
        let b = self.new_branch(BranchKind::DefaultArg, whole);
        let loc = self.loc(right.without_parentheses().span());
        let (slot, _) = self.add_path(b, Some(loc));
        let inc = self.inc(slot);
        self.wrap_replacing(right, right_depth, inc);
        true
    }

    /// Statement types Istanbul counts (`coverStatement`).
    fn is_counted_statement(s: &Statement<'_>) -> bool {
        matches!(
            s,
            Statement::ExpressionStatement(_)
                | Statement::BreakStatement(_)
                | Statement::ContinueStatement(_)
                | Statement::DebuggerStatement(_)
                | Statement::ReturnStatement(_)
                | Statement::ThrowStatement(_)
                | Statement::TryStatement(_)
                | Statement::IfStatement(_)
                | Statement::ForStatement(_)
                | Statement::ForInStatement(_)
                | Statement::ForOfStatement(_)
                | Statement::WhileStatement(_)
                | Statement::DoWhileStatement(_)
                | Statement::SwitchStatement(_)
                | Statement::WithStatement(_)
                | Statement::LabeledStatement(_)
        )
    }

    /// Node types whose leading `ignore next` hint Istanbul honours.
    fn statement_takes_hint(s: &Statement<'_>) -> bool {
        !matches!(
            s,
            Statement::EmptyStatement(_) | Statement::ImportDeclaration(_) | Statement::ExportAllDeclaration(_)
        )
    }

    /// Wrap a single-statement body in braces (Istanbul's `makeBlock`).
    fn make_block(&mut self, body: &Statement<'_>, depth: u32) {
        if !matches!(body, Statement::BlockStatement(_)) {
            let span = body.span();
            self.edits.open(span.start, depth, emit::BLOCK_OPEN);
            self.edits.close(span.end, depth, emit::BLOCK_CLOSE);
        }
    }

    /// A loop or `with` body becomes a block (when counted), then the node is walked.
    fn loop_body(&mut self, body: &Statement<'_>, walk: impl FnOnce(&mut Self)) {
        if self.ignoring == 0 {
            self.make_block(body, self.depth + 2);
        }
        walk(self);
    }

    /// Offset where a counter goes at the top of a (possibly made-up) block.
    fn block_top(body: &Statement<'_>) -> u32 {
        match body {
            Statement::BlockStatement(b) => b.span.start + 1,
            other => other.span().start,
        }
    }
}

#[derive(Clone, Copy)]
enum FunctionBodyRef<'b, 'a> {
    Block(&'b FunctionBody<'a>),
    Expression(&'b Expression<'a>),
}

impl<'a> Visit<'a> for CoveragePass<'_, '_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        let span = kind.span();
        if kind.ty() != AstType::ParenthesizedExpression && self.hints.is_hinted_paren(span.start) {
            self.claimed_parens.insert(span.start);
        }
        self.enter(kind.ty(), span);
    }

    fn leave_node(&mut self, _kind: AstKind<'a>) {
        self.leave();
    }

    fn visit_statement(&mut self, s: &Statement<'a>) {
        let anchor = self.label_anchor.take();
        let span = s.span();
        if self.ignore(Self::statement_takes_hint(s).then_some(span.start), |this| walk::walk_statement(this, s)) {
            return;
        }
        let at = anchor.unwrap_or(span.start);
        if Self::is_counted_statement(s) {
            let slot = self.new_body_statement(span);
            let inc = self.inc(slot);
            self.edits.open(at, self.depth + 1, emit::statement(&inc));
        }
        if matches!(s, Statement::VariableDeclaration(_)) && self.parent_holds_statements() {
            self.next_hoist_anchor = Some(span.start);
        }
        if matches!(s, Statement::LabeledStatement(_)) {
            // Babel inserts a labelled body's counter before the label.
            self.label_anchor = Some(at);
        }
        walk::walk_statement(self, s);
        self.label_anchor = None;
    }

    fn visit_block_statement(&mut self, it: &BlockStatement<'a>) {
        self.label_anchor = None;
        // try/catch/finally blocks come here, not through visit_statement.
        if !self.ignore(Some(it.span.start), |this| walk::walk_block_statement(this, it)) {
            walk::walk_block_statement(self, it);
        }
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        // Set by visit_statement / visit_export_named_declaration; a `for` head
        // never sets it, so its declarators are wrapped in place.
        let saved = std::mem::replace(&mut self.hoist_anchor, self.next_hoist_anchor.take());
        if !self.ignore(Some(it.span.start), |this| walk::walk_variable_declaration(this, it)) {
            walk::walk_variable_declaration(self, it);
        }
        self.hoist_anchor = saved;
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if self.ignore(Some(it.span.start), |this| walk::walk_variable_declarator(this, it)) {
            return;
        }
        if let Some(init) = &it.init {
            let inner = init.without_parentheses();
            let slot = self.new_body_statement(inner.span());
            let inc = self.inc(slot);
            let hoistable = matches!(
                inner,
                Expression::FunctionExpression(_)
                    | Expression::ArrowFunctionExpression(_)
                    | Expression::ClassExpression(_)
            );
            match (hoistable, self.hoist_anchor) {
                (true, Some(at)) => self.edits.open(at, self.depth, emit::statement(&inc)),
                _ => self.wrap_replacing(init, self.depth + 2, inc),
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        if self.ignore(None, |this| walk::walk_if_statement(this, it)) {
            return;
        }
        let d = self.depth + 1;
        let hint = self.hint(it.span.start);
        self.make_block(&it.consequent, d + 1);
        if let Some(alt) = &it.alternate {
            self.make_block(alt, d + 1);
        }
        let b = self.new_branch(BranchKind::If, it.span);
        if hint != Some(Hint::If) {
            let (slot, _) = self.add_path(b, Some(self.loc(it.span)));
            let inc = self.inc(slot);
            self.edits.open(Self::block_top(&it.consequent), d + 1, emit::statement(&inc));
        }
        if hint != Some(Hint::Else) {
            let loc = it.alternate.as_ref().map(|a| self.loc(a.span()));
            let (slot, _) = self.add_path(b, loc);
            let inc = self.inc(slot);
            match &it.alternate {
                Some(alt) => self.edits.open(Self::block_top(alt), d + 1, emit::statement(&inc)),
                None => self.edits.close(it.span.end, d, emit::else_counter(&inc)),
            }
        }
        self.children(AstKind::IfStatement(self.alloc(it)), |this| {
            this.visit_expression(&it.test);
            if hint == Some(Hint::If) {
                this.walk_ignored(|t| t.visit_statement(&it.consequent));
            } else {
                this.visit_statement(&it.consequent);
            }
            if let Some(alt) = &it.alternate {
                if hint == Some(Hint::Else) {
                    this.walk_ignored(|t| t.visit_statement(alt));
                } else {
                    this.visit_statement(alt);
                }
            }
        });
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        self.loop_body(&it.body, |this| walk::walk_for_statement(this, it));
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        self.loop_body(&it.body, |this| walk::walk_for_in_statement(this, it));
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        if it.r#await && self.cached().is_some_and(|(_, is_async)| is_async) {
            // Each iteration awaits the iterator (a suspension point) before
            // its body runs, and after it the next one: the body re-takes the
            // frame's context and empties the cache again at its end.
            let d = self.depth + 1;
            self.suspend(it.right.span(), d + 1);
            let (open, close) = (emit::for_await_body_open(self.names), emit::for_await_body_close());
            match &it.body {
                Statement::BlockStatement(b) if b.body.is_empty() => {
                    self.edits.open(b.span.start + 1, d + 2, open + &close)
                }
                Statement::BlockStatement(b) => {
                    self.edits.open(b.span.start + 1, d + 2, open);
                    self.edits.close(b.span.end - 1, d + 2, close);
                }
                // Around the body statement, at its depth: outside the block
                // `loop_body` makes of it, and closed after whatever the body
                // closes where it ends (an `if`'s implicit else).
                other => {
                    self.edits.open(other.span().start, d + 1, format!("{{{open}"));
                    self.edits.close(other.span().end, d + 1, format!("{close}}}"));
                }
            }
        }
        self.loop_body(&it.body, |this| walk::walk_for_of_statement(this, it));
    }

    fn visit_while_statement(&mut self, it: &WhileStatement<'a>) {
        self.loop_body(&it.body, |this| walk::walk_while_statement(this, it));
    }

    fn visit_do_while_statement(&mut self, it: &DoWhileStatement<'a>) {
        self.loop_body(&it.body, |this| walk::walk_do_while_statement(this, it));
    }

    fn visit_with_statement(&mut self, it: &WithStatement<'a>) {
        self.loop_body(&it.body, |this| walk::walk_with_statement(this, it));
    }

    fn visit_switch_statement(&mut self, it: &SwitchStatement<'a>) {
        if self.ignore(None, |this| walk::walk_switch_statement(this, it)) {
            return;
        }
        let d = self.depth + 1;
        let b = self.new_branch(BranchKind::Switch, it.span);
        self.children(AstKind::SwitchStatement(self.alloc(it)), |this| {
            this.visit_expression(&it.discriminant);
            for case in &it.cases {
                if this.ignore(Some(case.span.start), |t| t.visit_switch_case(case)) {
                    continue;
                }
                let (slot, _) = this.add_path(b, Some(this.loc(case.span)));
                let inc = this.inc(slot);
                let from = case.test.as_ref().map_or(case.span.start, |t| t.span().end);
                this.edits.open(this.after_case_colon(from), d + 1, emit::statement(&inc));
                this.visit_switch_case(case);
            }
        });
    }

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        if self.ignore(Some(it.span.start), |this| walk::walk_conditional_expression(this, it)) {
            return;
        }
        let d = self.depth + 1;
        let b = self.new_branch(BranchKind::CondExpr, it.span);
        for arm in [&it.consequent, &it.alternate] {
            let inner = arm.without_parentheses().span();
            if !self.ignored_by_hint(inner.start) {
                let (slot, _) = self.add_path(b, Some(self.loc(inner)));
                let inc = self.inc(slot);
                self.wrap_replacing(arm, d + 1, inc);
            }
        }
        walk::walk_conditional_expression(self, it);
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        if self.ignore(Some(it.span.start), |this| walk::walk_logical_expression(this, it)) {
            return;
        }
        if !self.nested_logicals.contains(&(it.span.start, it.span.end)) {
            let d = self.depth + 1;
            let mut leaves = Vec::new();
            self.find_leaves(&it.left, &mut leaves);
            self.find_leaves(&it.right, &mut leaves);
            let b = self.new_branch(BranchKind::BinaryExpr, it.span);
            for leaf in leaves {
                let inner = leaf.without_parentheses().span();
                if self.ignored_by_hint(inner.start) {
                    continue;
                }
                let (slot, true_slot) = self.add_path(b, Some(self.loc(inner)));
                let inc = self.inc(slot);
                match true_slot {
                    Some(t) => {
                        let open = emit::logic_open(self.names, self.site(), self.form, &inc, t, self.cov.counter(t));
                        self.edits.open(leaf.span().start, d + 1, open);
                        self.edits.close(leaf.span().end, d + 1, emit::LOGIC_CLOSE);
                    }
                    None => self.wrap(leaf.span(), d + 1, inc),
                }
            }
        }
        walk::walk_logical_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        // `a ||= b`, `a &&= b`, `a ??= b`: two paths, like `a || b` (not in
        // istanbul-lib-instrument 6, which leaves them uncounted).
        if self.ignore(None, |this| walk::walk_assignment_expression(this, it)) {
            return;
        }
        if it.operator.is_logical() {
            let d = self.depth + 1;
            let b = self.new_branch(BranchKind::BinaryExpr, it.span);
            let (left_slot, _) = self.add_path(b, Some(self.loc(it.left.span())));
            let right = it.right.without_parentheses().span();
            let (right_slot, _) = self.add_path(b, Some(self.loc(right)));
            let (li, ri) = (self.inc(left_slot), self.inc(right_slot));
            self.wrap(it.span, d, li);
            self.wrap(it.right.span(), d + 1, ri);
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_formal_parameter(&mut self, it: &FormalParameter<'a>) {
        if let Some(init) = &it.initializer {
            if !self.cover_default(it.span, init, self.depth + 2, true) {
                return self.walk_ignored(|this| walk::walk_formal_parameter(this, it));
            }
        }
        walk::walk_formal_parameter(self, it);
    }

    fn visit_assignment_pattern(&mut self, it: &AssignmentPattern<'a>) {
        let shorthand = matches!(self.parents.last(), Some((AstType::BindingProperty, s)) if s.start == it.span.start);
        if !self.cover_default(it.span, &it.right, self.depth + 2, !shorthand) {
            return self.walk_ignored(|this| walk::walk_assignment_pattern(this, it));
        }
        walk::walk_assignment_pattern(self, it);
    }

    fn visit_assignment_target_with_default(&mut self, it: &AssignmentTargetWithDefault<'a>) {
        let shorthand = matches!(self.parents.last(), Some((AstType::AssignmentTargetPropertyProperty, s)) if s.start == it.span.start);
        if !self.cover_default(it.span, &it.init, self.depth + 2, !shorthand) {
            return self.walk_ignored(|this| walk::walk_assignment_target_with_default(this, it));
        }
        walk::walk_assignment_target_with_default(self, it);
    }

    fn visit_assignment_target_property_identifier(&mut self, it: &AssignmentTargetPropertyIdentifier<'a>) {
        if let Some(init) = &it.init {
            // `({ a = 1 } = o)`: the comment would lead the property.
            self.cover_default(it.span, init, self.depth + 2, false);
        }
        walk::walk_assignment_target_property_identifier(self, it);
    }

    fn visit_yield_expression(&mut self, it: &YieldExpression<'a>) {
        // The body resumes in the context of whoever calls next(): resolve again.
        if let Some(Scope::Body { generator: true, entry }) = self.scopes.last() {
            let (d, entry) = (self.depth + 1, *entry);
            self.edits.open(it.span.start, d, emit::yield_open(self.names));
            self.edits.close(it.span.end, d, emit::yield_close(self.names, entry));
            if entry != Entry::Lookup {
                match &it.argument {
                    Some(arg) => self.suspend(arg.span(), d + 1),
                    None => self.edits.close(it.span.end, d + 1, emit::suspend_nothing(self.names)),
                }
            }
        }
        walk::walk_yield_expression(self, it);
    }

    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        // An async function resumes in its own context, which it re-takes.
        if self.cached().is_some_and(|(_, is_async)| is_async) {
            let d = self.depth + 1;
            self.edits.open(it.span.start, d, emit::await_open(self.names));
            self.edits.close(it.span.end, d, emit::await_close(self.names));
            self.suspend(it.argument.span(), d + 1);
        }
        walk::walk_await_expression(self, it);
    }

    fn visit_return_statement(&mut self, it: &ReturnStatement<'a>) {
        // An async generator awaits the value it returns.
        if let (Some((true, true)), Some(arg)) = (self.cached(), &it.argument) {
            self.suspend(arg.span(), self.depth + 2);
        }
        walk::walk_return_statement(self, it);
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        if it.name == "globalThis" {
            self.declares_global_this = true;
        }
    }

    fn visit_try_statement(&mut self, it: &TryStatement<'a>) {
        // generator.throw() and generator.return() resume the body in the
        // caller's context without passing a yield's wrapper; what runs then
        // is a catch or finally block, so those resolve again too.
        // A cached async body's catch and finally blocks can run right after
        // a rejected await: they re-take the frame's own context.
        if let Some(Scope::Body { generator, entry }) = self.scopes.last() {
            let again = emit::re_resolve(self.names, *generator, *entry);
            if !again.is_empty() {
                let d = self.depth + 1;
                let blocks = it.handler.iter().map(|h| h.body.span).chain(it.finalizer.iter().map(|f| f.span));
                for span in blocks {
                    self.edits.open(span.start + 1, d + 1, again.clone());
                }
            }
        }
        walk::walk_try_statement(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, _flags: ScopeFlags) {
        let (start, method_key) = match self.pending_method.take() {
            Some((start, key)) => (start, key),
            // ignoreClassMethods also names function expressions, not declarations.
            None => (
                it.span.start,
                it.id.as_ref().filter(|_| it.r#type == FunctionType::FunctionExpression).map(|id| id.name.to_string()),
            ),
        };
        let Some(body) = &it.body else { return };
        let site = FnSite {
            start,
            counted: !std::mem::take(&mut self.pending_private),
            id: it.id.as_ref().map(|id| (id.name.as_str(), id.span)),
            method_key: method_key.as_deref(),
        };
        let kind = AstKind::Function(self.alloc(it));
        self.cover_function(site, &it.params, FunctionBodyRef::Block(body), it.generator, it.r#async, kind);
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let site = FnSite { start: it.span.start, counted: true, id: None, method_key: None };
        let body = match &it.body {
            ArrowFunctionBody::FunctionBody(b) => FunctionBodyRef::Block(b),
            other => FunctionBodyRef::Expression(other.to_expression()),
        };
        let kind = AstKind::ArrowFunctionExpression(self.alloc(it));
        self.cover_function(site, &it.params, body, false, it.r#async, kind);
    }

    fn visit_method_definition(&mut self, it: &MethodDefinition<'a>) {
        // Istanbul compares `key.name`: a plain name, or an identifier in `[ ]`.
        let key = match &it.key {
            PropertyKey::StaticIdentifier(id) if !it.computed => Some(id.name.to_string()),
            PropertyKey::Identifier(id) if it.computed => Some(id.name.to_string()),
            _ => None,
        };
        let private = matches!(it.key, PropertyKey::PrivateIdentifier(_));
        self.children(AstKind::MethodDefinition(self.alloc(it)), |this| {
            this.visit_property_key(&it.key);
            this.pending_method = Some((it.span.start, key));
            this.pending_private = private;
            this.visit_function(&it.value, ScopeFlags::Function);
        });
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        let is_method = it.method || matches!(it.kind, PropertyKind::Get | PropertyKind::Set);
        match (&it.value, is_method) {
            (Expression::FunctionExpression(f), true) => {
                self.children(AstKind::ObjectProperty(self.alloc(it)), |this| {
                    this.visit_property_key(&it.key);
                    // Object methods are anonymous to Istanbul and not class methods.
                    this.pending_method = Some((it.span.start, None));
                    this.visit_function(f, ScopeFlags::Function);
                });
            }
            _ => walk::walk_object_property(self, it),
        }
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        if self.ignore(Some(it.span.start), |this| walk::walk_property_definition(this, it)) {
            return;
        }
        self.children(AstKind::PropertyDefinition(self.alloc(it)), |this| {
            this.visit_property_key(&it.key);
            if let Some(value) = &it.value {
                // A field initialiser runs in the constructor's (or the class
                // definition's) context, outside any body of ours.
                this.scopes.push(Scope::Inline);
                let slot = this.new_statement(value.without_parentheses().span());
                let inc = this.inc(slot);
                this.wrap_replacing(value, this.depth + 1, inc);
                this.visit_expression(value);
                this.scopes.pop();
            }
        });
    }

    fn visit_accessor_property(&mut self, it: &AccessorProperty<'a>) {
        self.scopes.push(Scope::Inline);
        walk::walk_accessor_property(self, it);
        self.scopes.pop();
    }

    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        if self.ignore(None, |this| walk::walk_static_block(this, it)) {
            return;
        }
        let at = self.after_brace(it.span.start);
        self.edits.open(at, self.depth + 1, emit::static_block_prologue(self.names));
        self.scopes.push(Scope::Body { generator: false, entry: Entry::Lookup });
        walk::walk_static_block(self, it);
        self.scopes.pop();
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        // Istanbul re-wraps a non-identifier superclass in parentheses, which
        // takes its comments (and hints) away.
        if let Some(heritage) = &it.heritage {
            if !matches!(heritage.expression.without_parentheses(), Expression::Identifier(_)) {
                self.unhinted.insert(heritage.expression.span().start);
                self.unhinted.insert(heritage.expression.without_parentheses().span().start);
            }
        }
        // Declarations take hints (`export default /* hint */ class {}` too);
        // class expressions do not: Istanbul does not visit them.
        let declaration = it.r#type == ClassType::ClassDeclaration;
        if !self.ignore(declaration.then_some(it.span.start), |this| walk::walk_class(this, it)) {
            walk::walk_class(self, it);
        }
    }

    fn visit_export_declaration(&mut self, it: &ExportDeclaration<'a>) {
        if matches!(it.declaration, Declaration::VariableDeclaration(_)) {
            self.next_hoist_anchor = Some(it.span.start);
        }
        walk::walk_export_declaration(self, it);
    }
}

impl CoveragePass<'_, '_> {
    /// Whether a declaration statement here sits in a statement list, where
    /// Babel can insert a statement before it (if/loop bodies become blocks).
    fn parent_holds_statements(&self) -> bool {
        matches!(
            self.parent(),
            Some(
                AstType::Program
                    | AstType::FunctionBody
                    | AstType::BlockStatement
                    | AstType::IfStatement
                    | AstType::ForStatement
                    | AstType::ForInStatement
                    | AstType::ForOfStatement
                    | AstType::WhileStatement
                    | AstType::DoWhileStatement
                    | AstType::WithStatement
            )
        )
    }
}

/// Whether a function body makes no explicit call in its own frame (nested
/// functions are not its frame; a class may run static initialisers at once).
/// Implicit calls (getters, `valueOf`, iterators, proxies) may still run
/// instrumented code: that code finds the cache as the caller left it, which
/// is the invariant's value, or empty (then it looks up). Only speed depends
/// on this answer, never which test a count goes to.
struct Leaf {
    calls: bool,
}

impl Leaf {
    fn of<'a>(body: FunctionBodyRef<'_, 'a>) -> bool {
        let mut leaf = Leaf { calls: false };
        match body {
            FunctionBodyRef::Block(b) => leaf.visit_function_body(b),
            FunctionBodyRef::Expression(e) => leaf.visit_expression(e),
        }
        !leaf.calls
    }
}

impl<'a> Visit<'a> for Leaf {
    fn visit_call_expression(&mut self, _: &CallExpression<'a>) {
        self.calls = true;
    }
    fn visit_new_expression(&mut self, _: &NewExpression<'a>) {
        self.calls = true;
    }
    fn visit_tagged_template_expression(&mut self, _: &TaggedTemplateExpression<'a>) {
        self.calls = true;
    }
    fn visit_import_expression(&mut self, _: &ImportExpression<'a>) {
        self.calls = true;
    }
    fn visit_class(&mut self, _: &Class<'a>) {
        self.calls = true;
    }
    fn visit_function(&mut self, _: &Function<'a>, _: ScopeFlags) {}
    fn visit_arrow_function_expression(&mut self, _: &ArrowFunctionExpression<'a>) {}
}
