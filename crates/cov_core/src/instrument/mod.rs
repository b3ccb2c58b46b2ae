//! `instrument(code, filename, options)`: parse with oxc, run the coverage pass,
//! and return the instrumented code with its Istanbul coverage skeleton.

mod edits;
pub mod emit;
mod factories;
mod hints;
pub mod tokens;
mod visitor;

use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_span::{GetSpan, SourceType};

use crate::coverage::FileCoverage;
use crate::lines::LineIndex;
use crate::source_map;

pub use crate::error::{ErrorKind, InstrumentError};
pub use emit::{names_for, Form, BROWSER_COVERAGE_GLOBAL, HEADER_MARKER, RUNTIME_GLOBAL};

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

impl std::str::FromStr for ModuleMode {
    type Err = String;

    /// The names of the JS option `sourceType`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "unambiguous" => Ok(ModuleMode::Unambiguous),
            "module" => Ok(ModuleMode::Module),
            "script" => Ok(ModuleMode::Script),
            "commonjs" => Ok(ModuleMode::CommonJs),
            other => Err(format!(
                "sourceType must be \"unambiguous\", \"module\", \"script\" or \"commonjs\", got {other:?}"
            )),
        }
    }
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
    /// Count into the Node runtime or into the page's `__coverage__`. The
    /// browser form carries an input map on the coverage (never composes).
    pub form: Form,
    /// Check that the output keeps every input token (`tokens::check`); a
    /// change is an `ErrorKind::TokenChanged` error.
    pub check_tokens: bool,
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
            form: Form::Server,
            check_tokens: false,
        }
    }
}

/// An instrumented file (`instrument` returns none for an `ignore file` hint).
#[derive(Debug)]
pub struct Instrumented {
    pub code: String,
    pub map: Option<String>,
    /// Coverage skeletons, one per reported file (several when a composed
    /// input map names several sources).
    pub files: Vec<FileCoverage>,
    /// Length of the file's counter table.
    pub counters: u32,
    /// Content hash of the file name and input code; the header names it so
    /// the runtime can tell that code and registry belong together.
    pub hash: String,
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
/// `None`: an `ignore file` hint; the code stays as it is.
pub fn instrument(
    code: &str,
    filename: &str,
    file_id: u32,
    options: &InstrumentOptions,
) -> Result<Option<Instrumented>, InstrumentError> {
    let allocator = Allocator::default();
    let source_type = source_type(filename, options.mode);
    let parse_options = ParseOptions {
        // As istanbul's autoWrap: CommonJS bodies may `return` at top level.
        allow_return_outside_function: matches!(options.mode, ModuleMode::CommonJs | ModuleMode::Unambiguous),
        preserve_parens: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&allocator, code, source_type).with_options(parse_options).parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        let first = ret.diagnostics.errors().next();
        let offset = first.and_then(|e| e.labels.first()).map(|l| l.offset()).unwrap_or(0);
        let pos = LineIndex::new(code).position(offset.min(code.len() as u32));
        return Err(InstrumentError {
            kind: ErrorKind::Parse,
            filename: filename.to_string(),
            message: first.map(|e| e.message.to_string()).unwrap_or_else(|| "unparseable input".into()),
            line: pos.line,
            column: pos.column,
        });
    }
    let program = ret.program;
    let hints = hints::Hints::new(code, &program.comments);
    if hints.ignore_file {
        return Ok(None);
    }

    let mut names = names_for(filename);
    if options.form == Form::Server {
        names.file_id = Some(file_id);
    }
    let mut pass = visitor::CoveragePass::new(
        code,
        &hints,
        &names,
        &options.ignore_class_methods,
        options.report_logic,
        options.form,
        filename.to_string(),
    );
    oxc_ast_visit::Visit::visit_program(&mut pass, &program);
    let (mut cov, counters) = std::mem::take(&mut pass.cov).finish();

    let compose = options.compose_source_map && options.form == Form::Server;
    let mut composed = false;
    let mut files = match (&options.input_source_map, compose) {
        (Some(map), true) => {
            composed = true;
            source_map::compose(&cov, map, filename)?
        }
        (Some(map), false) => {
            cov.input_source_map = Some(map.clone());
            vec![cov]
        }
        (None, _) => vec![cov],
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
    let global = if pass.declares_global_this { emit::Global::SloppyThis } else { emit::Global::GlobalThis };
    let after_directives = !program.directives.is_empty();
    // Module initialisation ends after the last statement (before trailing
    // comments, which keep a `//# sourceMappingURL` last), or with the header.
    let init_end = program.body.last().map(|s| s.span().end);
    let header = match options.form {
        Form::Server if init_end.is_none() => {
            emit::header(&names, global, file_id, &hash, after_directives) + &emit::init_end(&names)
        }
        Form::Server => emit::header(&names, global, file_id, &hash, after_directives),
        Form::Browser => {
            let fc = &files[0];
            let mut data = String::new();
            fc.write_json_with_counts(&mut data, &fc.maps_json(), &hash, &|_| 0);
            let mut path = String::new();
            crate::coverage::write_json_string(&mut path, &fc.path);
            emit::browser_header(&names, global, &path, &hash, &data, after_directives)
        }
    };
    let header =
        if header_at as usize == code.len() && program.hashbang.is_some() { format!("\n{header}") } else { header };
    let mut edits = pass.edits;
    if composed {
        factories::mark(&mut edits, &names, &factories::find(&pass.bodies, &files));
    }
    edits.open(header_at, 0, header);
    if let (Form::Server, Some(end)) = (options.form, init_end) {
        edits.close(end, 0, emit::init_end(&names));
    }
    let (out, map, shifts) = edits.apply(code, options.source_map.then_some(filename));
    if options.check_tokens {
        if let Err(change) = tokens::check(code, &out, &shifts, source_type, parse_options) {
            let pos = LineIndex::new(code).position(change.offset);
            return Err(InstrumentError {
                kind: ErrorKind::TokenChanged,
                filename: filename.to_string(),
                message: format!("cov-als-native bug: instrumenting would change this file's code: {change}"),
                line: pos.line,
                column: pos.column,
            });
        }
    }
    Ok(Some(Instrumented { code: out, map, files, counters, hash }))
}

#[cfg(test)]
mod tests;
