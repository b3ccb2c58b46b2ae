//! The binding's option and result objects, and their conversions from and
//! to `cov_core` values.

use cov_core::instrument::{Form, InstrumentError, InstrumentOptions, ModuleMode};
use cov_core::live::Recovered;
use cov_core::process::Flushed;
use cov_core::store::lines::CompactLineTests;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::json_text::JsonText;

#[napi(object)]
#[derive(Default)]
pub struct NativeInstrumentOptions {
    /// "unambiguous" (default), "module", "script" or "commonjs".
    pub source_type: Option<String>,
    /// Default false.
    pub report_logic: Option<bool>,
    /// Default none.
    pub ignore_class_methods: Option<Vec<String>>,
    /// Input source map as JSON text.
    pub input_source_map: Option<String>,
    /// Default true.
    pub compose_source_map: Option<bool>,
    /// Default false.
    pub source_map: Option<bool>,
    /// Count into the page's `__coverage__` instead of this process's tables
    /// (nothing is registered). Default false.
    pub browser: Option<bool>,
    /// The file id of an earlier version of the same module (a dev server's
    /// hot update): see `Registry::register`.
    pub supersedes: Option<u32>,
    /// Check that the output keeps every input token; a change is an
    /// error of kind "tokenChanged". Default false.
    pub check_tokens: Option<bool>,
}

#[napi(object)]
pub struct NativeInstrumentError {
    /// "parse" (the code), "sourceMap" (the input source map) or
    /// "tokenChanged" (checkTokens found the output would change the code).
    pub kind: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

#[napi(object)]
pub struct NativeInstrumentResult {
    pub code: Option<String>,
    /// Output source map JSON, when asked for.
    pub map: Option<String>,
    /// Registry id, or null when an `ignore file` hint left the file alone.
    pub file_id: Option<u32>,
    pub error: Option<NativeInstrumentError>,
}

/// Option defaults, as documented on `NativeInstrumentOptions` and in index.d.ts.
impl TryFrom<NativeInstrumentOptions> for InstrumentOptions {
    type Error = Error;

    fn try_from(o: NativeInstrumentOptions) -> Result<Self> {
        let mode = match o.source_type.as_deref() {
            None => ModuleMode::default(),
            Some(name) => name.parse().map_err(|reason: String| Error::new(Status::InvalidArg, reason))?,
        };
        Ok(InstrumentOptions {
            mode,
            report_logic: o.report_logic.unwrap_or(false),
            ignore_class_methods: o.ignore_class_methods.unwrap_or_default(),
            input_source_map: o.input_source_map,
            compose_source_map: o.compose_source_map.unwrap_or(true),
            source_map: o.source_map.unwrap_or(false),
            form: if o.browser.unwrap_or(false) { Form::Browser } else { Form::Server },
            check_tokens: o.check_tokens.unwrap_or(false),
        })
    }
}

impl From<InstrumentError> for NativeInstrumentError {
    fn from(e: InstrumentError) -> Self {
        NativeInstrumentError { kind: e.kind.as_str().to_string(), message: e.message, line: e.line, column: e.column }
    }
}

#[napi(object)]
pub struct NativeStoreFlush {
    /// Istanbul coverage map JSON of the flushed counts.
    #[napi(ts_type = "string")]
    pub coverage: JsonText,
    /// When other processes' counts are part of the answer: a JSON array of
    /// Istanbul file coverages (one per unit) to merge by path, instead of `coverage`.
    pub units: Option<String>,
    /// Why the store could not be written (the answer still holds the counts).
    pub error: Option<String>,
    /// What the flush could not read or keep crash-safe (an arena of another
    /// version, a table beyond its chunk, an arena that stopped growing): the
    /// store was written without it.
    pub warning: Option<String>,
}

impl From<Flushed> for NativeStoreFlush {
    fn from(f: Flushed) -> Self {
        NativeStoreFlush { coverage: f.coverage.into(), units: f.units, error: f.error, warning: f.warning }
    }
}

#[napi(object)]
pub struct NativeLineTests {
    /// Test ids, sorted.
    pub tests: Vec<String>,
    /// JSON: `[[line, [[test index, halves, statements, branches, functions, hits]...]]...]`.
    pub lines: String,
}

impl From<CompactLineTests> for NativeLineTests {
    fn from(c: CompactLineTests) -> Self {
        NativeLineTests { tests: c.tests, lines: c.lines }
    }
}

#[napi(object)]
pub struct NativeLiveOpened {
    /// The arena directory, when one could be created.
    pub dir: Option<String>,
    /// Why not (tables then stay in process memory).
    pub error: Option<String>,
}

impl From<std::result::Result<String, String>> for NativeLiveOpened {
    fn from(opened: std::result::Result<String, String>) -> Self {
        match opened {
            Ok(dir) => NativeLiveOpened { dir: Some(dir), error: None },
            Err(error) => NativeLiveOpened { dir: None, error: Some(error) },
        }
    }
}

#[napi(object)]
pub struct NativeRecovered {
    pub arena: String,
    pub tests: u32,
    pub counts: f64,
    pub tables: u32,
    pub problems: Vec<String>,
    pub skipped: Option<String>,
}

impl From<Recovered> for NativeRecovered {
    fn from(r: Recovered) -> Self {
        NativeRecovered {
            arena: r.arena,
            tests: r.tests as u32,
            counts: r.counts as f64,
            tables: r.tables as u32,
            problems: r.problems,
            skipped: r.skipped,
        }
    }
}
