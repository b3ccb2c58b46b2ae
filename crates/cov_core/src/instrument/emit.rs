//! Every piece of code the instrumenter inserts, as named functions (istanbul
//! keeps them as named templates). The visitor decides where they go.
//!
//! Emitted shape (names per file, see `Names`; `E` is the runtime's entry
//! cache `__cov_als_native__.h`, whose `E.c` holds the current test context
//! while an instrumented frame is on the stack; docs/function-entry.md):
//! - file header:      `function R() {..} var C = R();` (`header`)
//! - function entry:   `var P = E.c; try { var C = R(P, 1); C[f]++; ..body..
//!   } finally { E.c = P; }`: the first instrumented frame of a job looks the
//!   context up and caches it, nested frames read the cache, every exit
//!   restores it. Bodies with a function declaration at their top level keep
//!   `var C = R();` (a `try` block would make the declaration block-scoped),
//!   and so do leaves (no call in their own frame: nothing to hand a context to)
//! - counters:         `C[k]++` in bodies; `R()[k]++` where no body exists yet
//!   (parameter defaults, class field initializers)
//! - suspension points hand the cache back before suspending:
//!   `await E.s(x, P, P = void 0)`, `yield E.s(x, P, P = void 0)`; after an
//!   await an async function re-takes its own context (`E.c = X`), after a
//!   yield a generator its caller's (`C = R(P = E.c, 1)`), as it does at the
//!   top of its catch and finally blocks (generators resume in the caller's
//!   context, also through throw() and return())
//! - module initialisation: the header begins it (`var I = (R.b || R)(0, 0,
//!   1)`, before the top-level table is resolved) and `var I = R.e(I);`
//!   after the program's last statement ends it; in between the runtime may point the
//!   entry cache at the startup context, so a file's synchronous top-level
//!   code, and what it calls, counts the same whichever test loads it
//!   (`init_end`; docs/function-entry.md)

use crate::coverage::{fnv1a, Counter};

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
    /// The entry cache's value when the invocation began (restored at exit).
    pub prev: String,
    /// An async function's own test context (re-taken after each await).
    pub context: String,
    /// The token of the file's module initialisation (`R.b()` to `R.e(I)`).
    pub init: String,
    /// The file's registry slot, on the server: a function entry reads the
    /// cached context's table inline (`P.tables[id]`) and calls `R` only
    /// when the cache is empty or the table not yet made.
    pub file_id: Option<u32>,
}

/// The runtime's entry cache, shared by every instrumented file of the thread
/// (a property of the runtime global, read as a free identifier so that a
/// function running before its file's header (ES module cycles) reaches it too).
pub const ENTRY_CACHE: &str = "__cov_als_native__.h";

/// Identifier prefix for a file: `__cov_` + base-36 hash of its name.
pub fn names_for(filename: &str) -> Names {
    let mut digits = Vec::new();
    let mut n = fnv1a(filename) >> 8;
    while n > 0 {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    let base: String = digits.into_iter().rev().collect();
    Names {
        resolver: format!("__cov_{base}"),
        table: format!("__cov_{base}_c"),
        prev: format!("__cov_{base}_p"),
        context: format!("__cov_{base}_x"),
        init: format!("__cov_{base}_i"),
        file_id: None,
    }
}

/// Which runtime the code counts into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Form {
    /// Per-test tables of the Node runtime (`<RUNTIME_GLOBAL>.file(id, hash)`).
    #[default]
    Server,
    /// Istanbul's own global object, `__coverage__[path]` with `s`/`f`/`b`
    /// counters, as babel-plugin-istanbul emits: for pages, one per test.
    Browser,
}

/// Istanbul's default coverage variable, read by nyc and Playwright fixtures.
pub const BROWSER_COVERAGE_GLOBAL: &str = "__coverage__";

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

/// `C[k]++` or `R()[k]++`; in the browser form `C.s[i]++`, `C.f[i]++`, `C.b[k][p]++`.
pub fn increment(names: &Names, site: Site, form: Form, slot: u32, counter: Counter) -> String {
    let table = table(names, site);
    match (form, counter) {
        (Form::Server, _) => format!("{table}[{slot}]++"),
        (Form::Browser, Counter::Statement(i)) => format!("{table}.s[{i}]++"),
        (Form::Browser, Counter::Function(i)) => format!("{table}.f[{i}]++"),
        (Form::Browser, Counter::Branch { key, path }) => format!("{table}.b[{key}][{path}]++"),
        (Form::Browser, Counter::BranchTrue { key, path }) => format!("{table}.bT[{key}][{path}]++"),
    }
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
pub fn logic_open(names: &Names, site: Site, form: Form, increment: &str, true_slot: u32, counter: Counter) -> String {
    let (table, slot) = match (form, counter) {
        (Form::Browser, Counter::BranchTrue { key, path }) => (format!("{}.bT[{key}]", table(names, site)), path),
        _ => (table(names, site), true_slot),
    };
    format!("({increment}, {}.t({table}, {slot}, ", names.resolver)
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
pub fn function_counter(increment: Option<&str>) -> String {
    increment.map(|inc| format!(" {inc};")).unwrap_or_default()
}

/// How a function body resolves its table at entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `var C = R();`: a lookup (or a read of the cache) per invocation.
    Lookup,
    /// Sets the entry cache for the frames it calls and restores it at exit
    /// (`try`/`finally` around the body); `is_async`: keeps its own context
    /// in `X` to re-take after each await.
    Cached { is_async: bool },
}

/// Top of a block body: resolve the table once per invocation, then count
/// the function. `after_directives`: the body has a directive prologue, which
/// must stay first (the `;` ends its last directive). A cached entry opens a
/// `try` that `body_epilogue` closes.
pub fn body_prologue(names: &Names, entry: Entry, function_counter: &str, after_directives: bool) -> String {
    let lead = if after_directives { ";" } else { "" };
    let (r, c) = (&names.resolver, &names.table);
    match (entry, names.file_id) {
        (Entry::Lookup, None) => format!("{lead}var {c} = {r}();{function_counter}"),
        // The cache's table inline: a call per entry costs more than the body of
        // a small function once the caller's inlining budget is spent.
        (Entry::Lookup, Some(id)) => {
            format!("{lead}var {c} = {ENTRY_CACHE}.c; {c} = {c} && {c}.tables[{id}] || {r}();{function_counter}")
        }
        (Entry::Cached { is_async }, file_id) => {
            let (p, x) = (&names.prev, &names.context);
            let own = if is_async { format!(", {x} = {ENTRY_CACHE}.c") } else { String::new() };
            let table = match file_id {
                Some(id) => format!("{p} && {p}.tables[{id}] || {r}({p}, 1)"),
                None => format!("{r}({p}, 1)"),
            };
            format!("{lead}var {p} = {ENTRY_CACHE}.c; try {{ var {c} = {table}{own};{function_counter}")
        }
    }
}

/// Closes what `body_prologue` opened, before the body's `}`.
pub fn body_epilogue(names: &Names, entry: Entry) -> String {
    match entry {
        Entry::Lookup => String::new(),
        Entry::Cached { .. } => format!("}} finally {{ {ENTRY_CACHE}.c = {}; }}", names.prev),
    }
}

/// Opens an arrow's expression body as a block (`=> expr` becomes
/// `=> {..; return expr}`, as Istanbul does), counting the return statement.
/// `expression_body_close` closes it.
pub fn expression_body_open(names: &Names, entry: Entry, function_counter: &str, return_increment: &str) -> String {
    format!("{{{} {return_increment}; return ", body_prologue(names, entry, function_counter, false))
}
pub fn expression_body_close(names: &Names, entry: Entry) -> String {
    format!("{}}}", body_epilogue(names, entry))
}

/// Top of a class static block: it runs once, in its own context.
pub fn static_block_prologue(names: &Names) -> String {
    format!("var {} = {}();", names.table, names.resolver)
}

/// Before a suspension point of a cached body (the operand of `await`,
/// `yield`, `for await`'s iterable, an async generator's `return`): hand the
/// cache back to whoever the frame returns to, and forget that value (after
/// resuming, the frame restores nothing at exit). `suspend_close` ends it.
pub fn suspend_open() -> String {
    format!("{ENTRY_CACHE}.s(")
}
pub fn suspend_close(names: &Names) -> String {
    format!(", {p}, {p} = void 0)", p = names.prev)
}
/// `yield` and `yield*` without an operand.
pub fn suspend_nothing(names: &Names) -> String {
    format!(" {}void 0{}", suspend_open(), suspend_close(names))
}

/// Re-resolution where a generator resumes: opens `R.y(yield x`, which
/// `yield_close` ends with `, C = R())` (or, in a cached body, re-takes the
/// caller's cache: `, C = R(P = E.c, 1))`, and an async generator's own
/// context: `, X = E.c`).
pub fn yield_open(names: &Names) -> String {
    format!("{}.y(", names.resolver)
}
pub fn yield_close(names: &Names, entry: Entry) -> String {
    let (r, c) = (&names.resolver, &names.table);
    match entry {
        Entry::Lookup => format!(", {c} = {r}())"),
        Entry::Cached { is_async } => {
            let own = if is_async { format!(", {} = {ENTRY_CACHE}.c", names.context) } else { String::new() };
            format!(", {c} = {r}({p} = {ENTRY_CACHE}.c, 1){own})", p = names.prev)
        }
    }
}

/// After an await in a cached async body: `R.y(await E.s(x, ..), E.c = X)`.
pub fn await_open(names: &Names) -> String {
    format!("{}.y(", names.resolver)
}
pub fn await_close(names: &Names) -> String {
    format!(", {ENTRY_CACHE}.c = {})", names.context)
}

/// Inside a cached async body's `for await` loop body: the body runs after a
/// resumption, with its own context; before the next iteration's await, the
/// cache is empty. `for_await_body_close` closes it.
pub fn for_await_body_open(names: &Names) -> String {
    format!("{ENTRY_CACHE}.c = {}; try {{", names.context)
}
pub fn for_await_body_close() -> String {
    format!("}} finally {{ {ENTRY_CACHE}.c = void 0; }}")
}

/// At the top of catch and finally blocks of generators and cached async
/// bodies, which can run right after a resumption (throw(), return(), a
/// rejected await): `C = R();`, an async generator `C = R(void 0, 1), X = E.c;`,
/// an async function `E.c = X;`.
pub fn re_resolve(names: &Names, generator: bool, entry: Entry) -> String {
    let (r, c, x) = (&names.resolver, &names.table, &names.context);
    match (generator, entry) {
        (true, Entry::Cached { is_async: true }) => format!("{c} = {r}(void 0, 1), {x} = {ENTRY_CACHE}.c;"),
        (true, _) => format!("{c} = {r}();"),
        (false, Entry::Cached { is_async: true }) => format!("{ENTRY_CACHE}.c = {x};"),
        (false, _) => String::new(),
    }
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
/// itself with the runtime's resolver on first call (the third argument:
/// begin the module's initialisation instead, `R.b()`). Then the beginning
/// of module initialisation and the top-level table.
pub fn header(names: &Names, global: Global, file_id: u32, hash: &str, after_directives: bool) -> String {
    let lead = if after_directives { ";" } else { "" };
    let (r, c, i) = (&names.resolver, &names.table, &names.init);
    let global = match global {
        Global::GlobalThis => "globalThis",
        Global::SloppyThis => "(function () {}).constructor(\"return this\")()",
    };
    format!(
        "{lead}{HEADER_MARKER}function {r}(p, e, b) {{ var rt = {global}.{RUNTIME_GLOBAL}; if (!rt) throw new Error(\"cov-als-native: this file was instrumented for coverage; load the runtime first (require('cov-als-native'))\"); var resolve = rt.file({file_id}, \"{hash}\"); {r} = resolve; return b ? resolve.b() : resolve(); }} var {i} = ({r}.b || {r})(0, 0, 1), {c} = {r}();"
    )
}

/// The beginning of module initialisation inside a bundler's module factory
/// (`factories`): as the header's, which also works before the header ran.
pub fn init_begin(names: &Names) -> String {
    let (r, i) = (&names.resolver, &names.init);
    format!("var {i} = ({r}.b || {r})(0, 0, 1);")
}

/// Its end, as an expression statement (in a factory's `finally`).
pub fn init_end_call(names: &Names) -> String {
    format!("{}.e({});", names.resolver, names.init)
}

/// After the program's last statement (the `;` ends one that relies on
/// ASI): the end of module initialisation that the header began. A `var`
/// statement, because it has no completion value: a script's (what `eval`
/// and `vm` return) stays its last statement's.
pub fn init_end(names: &Names) -> String {
    format!(";var {i} = {}.e({i});", names.resolver, i = names.init)
}

/// The browser form's header: the same hoisted resolver shape, over the
/// page's `__coverage__[path]` (created from `coverage_json`, Istanbul's
/// file coverage with zero counts, unless a same-hash entry exists). Its
/// `y` and `t` are the server runtime's (resume value, truthiness count).
pub fn browser_header(
    names: &Names,
    global: Global,
    path_json: &str,
    hash: &str,
    coverage_json: &str,
    after_directives: bool,
) -> String {
    let lead = if after_directives { ";" } else { "" };
    let (r, c) = (&names.resolver, &names.table);
    let global = match global {
        Global::GlobalThis => "globalThis",
        Global::SloppyThis => "(function () {}).constructor(\"return this\")()",
    };
    let all = BROWSER_COVERAGE_GLOBAL;
    format!(
        "{lead}{HEADER_MARKER}function {r}() {{ var g = {global}; var all = g.{all} || (g.{all} = {{}}); var fc = all[{path_json}]; if (!fc || fc.hash !== \"{hash}\") fc = all[{path_json}] = {coverage_json}; var resolve = function () {{ return fc; }}; resolve.y = function (v) {{ return v; }}; resolve.t = function (t, k, v) {{ if (v && (!Array.isArray(v) || v.length) && (Object.getPrototypeOf(v) !== Object.prototype || Object.values(v).length)) t[k]++; return v; }}; {r} = resolve; return fc; }} var {c} = {r}();"
    )
}
