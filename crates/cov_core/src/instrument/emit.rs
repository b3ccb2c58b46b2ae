//! Every piece of code the instrumenter inserts, as named functions (istanbul
//! keeps them as named templates). The visitor decides where they go.
//!
//! Emitted shape (names per file, see `Names`):
//! - file header:      `function R() {..} var C = R();` (`header`)
//! - function entry:   `var C = R(); C[f]++;` (resolved once per invocation)
//! - counters:         `C[k]++` in bodies; `R()[k]++` where no body exists yet
//!   (parameter defaults, class field initializers)
//! - after each yield: `R.y(yield x, C = R())`, and at the top of catch and
//!   finally blocks of generators (generators resume in the caller's context,
//!   also through throw() and return())

use crate::coverage::fnv1a;

/// The global through which instrumented code reaches the runtime. It works in
/// CommonJS, ESM, bundler chunks and `new Function` bodies alike.
pub const RUNTIME_GLOBAL: &str = "__cov_als_native__";

/// Starts every instrumented file's header: how code already instrumented
/// by us is recognised (and not instrumented twice).
pub const HEADER_MARKER: &str = "/*cov-als-native*/";

/// The identifiers one file's instrumentation uses.
pub struct Names {
    /// The file's resolver: `R()` returns the current test's table.
    pub resolver: String,
    /// The per-invocation table variable.
    pub table: String,
}

/// Identifier prefix for a file: `__cov_` + base-36 hash of its name.
pub fn names_for(filename: &str) -> Names {
    let mut digits = Vec::new();
    let mut n = fnv1a(filename) >> 8;
    while n > 0 {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    let base: String = digits.into_iter().rev().collect();
    Names { resolver: format!("__cov_{base}"), table: format!("__cov_{base}_c") }
}

/// Where a counter runs: in a body of ours (its table variable is set) or
/// where no body exists yet, resolving at each count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    Body,
    Inline,
}

/// The expression for the current test's table: `C` or `R()`.
pub fn table(names: &Names, site: Site) -> String {
    match site {
        Site::Body => names.table.clone(),
        Site::Inline => format!("{}()", names.resolver),
    }
}

/// `C[k]++` or `R()[k]++`.
pub fn increment(names: &Names, site: Site, slot: u32) -> String {
    format!("{}[{slot}]++", table(names, site))
}

/// A counter as a statement of its own.
pub fn statement(increment: &str) -> String {
    format!("{increment};")
}

/// Opens `(increment, expr)`; `WRAP_CLOSE` closes it.
pub fn wrap_open(increment: &str) -> String {
    format!("({increment}, ")
}
pub const WRAP_CLOSE: &str = ")";

/// Opens `(increment, R.t(table, slot, leaf))`: counts a logical leaf and,
/// through the runtime, its truthiness (reportLogic). `LOGIC_CLOSE` closes it.
pub fn logic_open(names: &Names, site: Site, increment: &str, true_slot: u32) -> String {
    format!("({increment}, {}.t({}, {true_slot}, ", names.resolver, table(names, site))
}
pub const LOGIC_CLOSE: &str = "))";

/// The implicit `else` of an `if`, counted.
pub fn else_counter(increment: &str) -> String {
    format!(" else {{ {increment}; }}")
}

/// Braces around a single-statement body (Istanbul's `makeBlock`).
pub const BLOCK_OPEN: &str = "{";
pub const BLOCK_CLOSE: &str = "}";

/// The function-entry counter that follows a prologue (empty when the
/// function is not counted).
pub fn function_counter(names: &Names, slot: Option<u32>) -> String {
    slot.map(|s| format!(" {}[{s}]++;", names.table)).unwrap_or_default()
}

/// Top of a block body: resolve the table once per invocation, then count
/// the function. `after_directives`: the body has a directive prologue, which
/// must stay first (the `;` ends its last directive).
pub fn body_prologue(names: &Names, function_counter: &str, after_directives: bool) -> String {
    let lead = if after_directives { ";" } else { "" };
    format!("{lead}var {} = {}();{function_counter}", names.table, names.resolver)
}

/// Opens an arrow's expression body as a block (`=> expr` becomes
/// `=> {..; return expr}`, as Istanbul does), counting the return statement.
/// `EXPRESSION_BODY_CLOSE` closes it.
pub fn expression_body_open(names: &Names, function_counter: &str, return_slot: u32) -> String {
    let (r, c) = (&names.resolver, &names.table);
    format!("{{var {c} = {r}();{function_counter} {c}[{return_slot}]++; return ")
}
pub const EXPRESSION_BODY_CLOSE: &str = "}";

/// Top of a class static block: it runs once, in its own context.
pub fn static_block_prologue(names: &Names) -> String {
    format!("var {} = {}();", names.table, names.resolver)
}

/// Re-resolution where a generator resumes: opens `R.y(yield x`, which
/// `yield_close` ends with `, C = R())`.
pub fn yield_open(names: &Names) -> String {
    format!("{}.y(", names.resolver)
}
pub fn yield_close(names: &Names) -> String {
    format!(", {} = {}())", names.table, names.resolver)
}

/// Re-resolution at the top of a generator's catch and finally blocks.
pub fn re_resolve(names: &Names) -> String {
    format!("{} = {}();", names.table, names.resolver)
}

/// What the header reads the runtime from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    /// `globalThis`.
    GlobalThis,
    /// A sloppy-mode function's `this`, for code that declares its own
    /// `globalThis` (a `let globalThis` is in its temporal dead zone there).
    SloppyThis,
}

/// The file header: a hoisted resolver function, so that functions called
/// before the module body runs (ES module cycles) can count; it replaces
/// itself with the runtime's resolver on first call. Then the top-level table.
pub fn header(names: &Names, global: Global, file_id: u32, hash: &str, after_directives: bool) -> String {
    let lead = if after_directives { ";" } else { "" };
    let (r, c) = (&names.resolver, &names.table);
    let global = match global {
        Global::GlobalThis => "globalThis",
        Global::SloppyThis => "(function () {}).constructor(\"return this\")()",
    };
    format!(
        "{lead}{HEADER_MARKER}function {r}() {{ var rt = {global}.{RUNTIME_GLOBAL}; if (!rt) throw new Error(\"cov-als-native: this file was instrumented for coverage; load the runtime first (require('cov-als-native'))\"); var resolve = rt.file({file_id}, \"{hash}\"); {r} = resolve; return resolve(); }} var {c} = {r}();"
    )
}
