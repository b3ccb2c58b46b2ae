//! `instrument(code, filename, options)`: parse with oxc, run the coverage pass,
//! and return the instrumented code with its Istanbul coverage skeleton.

mod edits;
mod hints;
mod visitor;

use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;

use crate::coverage::FileCoverage;
use crate::lines::LineIndex;
use crate::source_map;

/// The global through which instrumented code reaches the runtime. It works in
/// CommonJS, ESM, bundler chunks and `new Function` bodies alike.
pub const RUNTIME_GLOBAL: &str = "__cov_als_native__";

/// Starts every instrumented file's header: how code already instrumented
/// by us is recognised (and not instrumented twice).
pub const HEADER_MARKER: &str = "/*cov-als-native*/";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModuleMode {
    /// Decide from the content (import/export makes it a module).
    #[default]
    Unambiguous,
    Module,
    Script,
    /// A script that may `return` at top level (CommonJS wrapper bodies).
    CommonJs,
}

#[derive(Clone, Debug)]
pub struct InstrumentOptions {
    pub mode: ModuleMode,
    pub report_logic: bool,
    pub ignore_class_methods: Vec<String>,
    /// JSON of the source map from the original sources to `code`.
    pub input_source_map: Option<String>,
    /// Fold the input map into the coverage (report original files); when
    /// false, keep generated positions and carry the map on the coverage.
    pub compose_source_map: bool,
    /// Also return a source map from the output back to `code`.
    pub source_map: bool,
}

impl Default for InstrumentOptions {
    fn default() -> Self {
        Self {
            mode: ModuleMode::Unambiguous,
            report_logic: false,
            ignore_class_methods: Vec::new(),
            input_source_map: None,
            compose_source_map: true,
            source_map: false,
        }
    }
}

#[derive(Debug)]
pub struct Instrumented {
    pub code: String,
    pub map: Option<String>,
    /// Coverage skeletons, one per reported file (several when a composed
    /// input map names several sources; none for an `ignore file` hint).
    pub files: Vec<FileCoverage>,
    /// Length of the file's counter table.
    pub counters: u32,
    /// Content hash of the file name and input code; the header names it so
    /// the runtime can tell that code and registry belong together.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentError {
    /// "parse" when the code does not parse, "sourceMap" when the input map is unusable.
    pub kind: &'static str,
    pub filename: String,
    pub message: String,
    /// 1-based line and 0-based column of the first error, when known.
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.filename, self.line, self.column, self.message)
    }
}

impl std::error::Error for InstrumentError {}

/// Identifier prefix for a file: `__cov_` + base-36 hash of its name.
pub fn names_for(filename: &str) -> visitor::Names {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in filename.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let mut digits = Vec::new();
    let mut n = h >> 8;
    while n > 0 {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    let base: String = digits.into_iter().rev().collect();
    visitor::Names { resolver: format!("__cov_{base}"), table: format!("__cov_{base}_c") }
}

fn source_type(filename: &str, mode: ModuleMode) -> SourceType {
    let base = SourceType::from_path(filename).unwrap_or_else(|_| SourceType::cjs());
    let base = if base.is_typescript() { base } else { base.with_jsx(true) };
    match mode {
        ModuleMode::Unambiguous => base.with_unambiguous(true),
        ModuleMode::Module => base.with_module(true),
        ModuleMode::Script => base.with_script(true),
        ModuleMode::CommonJs => base.with_script(true),
    }
}

/// Instrument `code`. `file_id` is the registry slot the emitted header names.
pub fn instrument(
    code: &str,
    filename: &str,
    file_id: u32,
    options: &InstrumentOptions,
) -> Result<Instrumented, InstrumentError> {
    let allocator = Allocator::default();
    let parse_options = ParseOptions {
        // As istanbul's autoWrap: CommonJS bodies may `return` at top level.
        allow_return_outside_function: matches!(options.mode, ModuleMode::CommonJs | ModuleMode::Unambiguous),
        preserve_parens: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&allocator, code, source_type(filename, options.mode)).with_options(parse_options).parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        let first = ret.diagnostics.errors().next();
        let offset = first.and_then(|e| e.labels.first()).map(|l| l.offset()).unwrap_or(0);
        let pos = LineIndex::new(code).position(offset.min(code.len() as u32));
        return Err(InstrumentError {
            kind: "parse",
            filename: filename.to_string(),
            message: first.map(|e| e.message.to_string()).unwrap_or_else(|| "unparseable input".into()),
            line: pos.line,
            column: pos.column,
        });
    }
    let program = ret.program;
    let hints = hints::Hints::new(code, &program.comments);
    if hints.ignore_file {
        return Ok(Instrumented {
            code: code.to_string(),
            map: None,
            files: Vec::new(),
            counters: 0,
            hash: String::new(),
        });
    }

    let names = names_for(filename);
    let mut pass = visitor::CoveragePass::new(
        code,
        &hints,
        &names,
        &options.ignore_class_methods,
        options.report_logic,
        filename.to_string(),
    );
    oxc_ast_visit::Visit::visit_program(&mut pass, &program);
    // Istanbul drops branches left without paths (their keys stay gaps).
    pass.cov.branches.retain(|b| !b.paths.is_empty());

    let mut files = match (&options.input_source_map, options.compose_source_map) {
        (Some(map), true) => source_map::compose(&pass.cov, map, filename)?,
        (Some(map), false) => {
            pass.cov.input_source_map = Some(map.clone());
            vec![std::mem::take(&mut pass.cov)]
        }
        (None, _) => vec![std::mem::take(&mut pass.cov)],
    };
    files.retain(|f| !f.path.is_empty());
    // Ties the emitted header to this registration: same file name and code.
    let hash = crate::coverage::content_hash(&format!("{filename}\n{code}"));

    // The header goes after a hashbang and the directive prologue.
    // It adds no line, so positions in stack traces stay right without a map.
    let after_hashbang = program.hashbang.as_ref().map(|h| {
        let end = h.span.end as usize;
        code[end..].find('\n').map_or(code.len(), |i| end + i + 1) as u32
    });
    let header_at = program.directives.last().map(|d| d.span.end).or(after_hashbang).unwrap_or(0);
    let lead = if program.directives.is_empty() { "" } else { ";" };
    let (r, c) = (&names.resolver, &names.table);
    // A hoisted function, so that functions called before the module body
    // runs (ES module cycles) can count; it replaces itself with the
    // runtime's resolver on first call. Code that declares its own
    // `globalThis` gets the global from a sloppy-mode function instead.
    let global =
        if pass.declares_global_this { "(function () {}).constructor(\"return this\")()" } else { "globalThis" };
    let header = format!(
        "{lead}{HEADER_MARKER}function {r}() {{ var rt = {global}.{RUNTIME_GLOBAL}; if (!rt) throw new Error(\"cov-als-native: this file was instrumented for coverage; load the runtime first (require('cov-als-native'))\"); var resolve = rt.file({file_id}, \"{hash}\"); {r} = resolve; return resolve(); }} var {c} = {r}();"
    );
    let header =
        if header_at as usize == code.len() && program.hashbang.is_some() { format!("\n{header}") } else { header };
    let mut edits = pass.edits;
    edits.open(header_at, 0, header);
    let (out, map) = edits.apply(code, options.source_map.then_some(filename));
    Ok(Instrumented { code: out, map, files, counters: pass.slots, hash })
}

#[cfg(test)]
mod tests;
