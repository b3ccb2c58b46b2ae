//! Node bindings: type conversion only. Everything else lives in `cov_core`.
#![deny(clippy::all)]

use std::sync::Arc;

use cov_core::instrument::{self, Form, InstrumentError, InstrumentOptions, ModuleMode};
use cov_core::registry::Registry;
use cov_core::tables::Tables;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use once_cell::sync::Lazy;

/// The global through which instrumented code reaches the runtime.
#[napi]
pub const RUNTIME_GLOBAL: &str = instrument::RUNTIME_GLOBAL;

/// How every instrumented file's header starts.
#[napi]
pub const HEADER_MARKER: &str = instrument::HEADER_MARKER;

/// The test id of counts made outside any test.
#[napi]
pub const STARTUP_ID: &str = cov_core::STARTUP_ID;

/// Process-wide state, shared by the main thread and worker threads (they
/// load the same library).
static REGISTRY: Lazy<Registry> = Lazy::new(Registry::default);
static TABLES: Lazy<Tables> = Lazy::new(Tables::default);

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
}

#[napi(object)]
pub struct NativeInstrumentError {
    /// "parse" (the code) or "sourceMap" (the input source map).
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
        })
    }
}

impl From<InstrumentError> for NativeInstrumentError {
    fn from(e: InstrumentError) -> Self {
        NativeInstrumentError { kind: e.kind.as_str().to_string(), message: e.message, line: e.line, column: e.column }
    }
}

/// Instrument `code`; a parse failure is returned as `error`, not thrown,
/// so the JS layer can raise its typed error.
#[napi]
pub fn instrument(
    code: String,
    filename: String,
    options: Option<NativeInstrumentOptions>,
) -> Result<NativeInstrumentResult> {
    let opts = InstrumentOptions::try_from(options.unwrap_or_default())?;
    let browser = opts.form == Form::Browser;
    let id = if browser { 0 } else { REGISTRY.reserve() };
    Ok(match instrument::instrument(&code, &filename, id, &opts) {
        // An `ignore file` hint: the code stays as it is.
        Ok(None) => NativeInstrumentResult { code: Some(code), map: None, file_id: None, error: None },
        Ok(Some(out)) if browser => {
            NativeInstrumentResult { code: Some(out.code), map: out.map, file_id: None, error: None }
        }
        Ok(Some(out)) => {
            REGISTRY.register(id, &filename, out.hash, out.counters, &out.files);
            NativeInstrumentResult { code: Some(out.code), map: out.map, file_id: Some(id), error: None }
        }
        Err(e) => NativeInstrumentResult { code: None, map: None, file_id: None, error: Some(e.into()) },
    })
}

/// The header hash registered for a file id, to check that instrumented code
/// belongs to this process's registry.
#[napi]
pub fn file_hash(file_id: u32) -> Option<String> {
    REGISTRY.file(file_id).map(|f| f.hash.clone())
}

/// A new counter table for (test, file), as a Uint32Array over Rust memory.
/// The memory lives until the view is garbage-collected and, if it still
/// holds unflushed counts, until the next flush.
#[napi]
pub fn create_table(test_id: String, file_id: u32) -> Result<Uint32Array> {
    let file = REGISTRY
        .file(file_id)
        .ok_or_else(|| Error::new(Status::InvalidArg, format!("cov-als-native: unknown file id {file_id}")))?;
    let table = TABLES.create(&test_id, file_id, file.counters);
    let (ptr, len) = (table.as_mut_ptr(), table.len());
    let keep = Arc::clone(&table);
    // SAFETY: `keep` owns the allocation until V8 calls this finalizer.
    Ok(unsafe {
        Uint32Array::with_external_data(ptr, len, move |_, _| {
            TABLES.release(&test_id, &keep);
        })
    })
}

/// Istanbul coverage map JSON of `test_id`'s unflushed counts; the counts
/// become flushed.
#[napi]
pub fn flush_json(test_id: String) -> String {
    REGISTRY.coverage_json(&TABLES.collect(&test_id, true))
}

/// Like `flush_json`, without marking anything flushed.
#[napi]
pub fn peek_json(test_id: String) -> String {
    REGISTRY.coverage_json(&TABLES.collect(&test_id, false))
}

/// Drop `test_id`'s unflushed counts.
#[napi]
pub fn reset(test_id: String) {
    TABLES.collect(&test_id, true);
}

/// Test ids with unflushed counts.
#[napi]
pub fn pending_tests() -> Vec<String> {
    TABLES.pending_tests()
}

/// Live counter tables (for memory-reclamation tests and diagnostics).
#[napi]
pub fn table_count() -> u32 {
    TABLES.table_count() as u32
}
