//! Node bindings: type conversion only. Everything else lives in `cov_core`.
#![deny(clippy::all)]

pub mod json_text;
pub mod live;
pub mod options;
pub mod store;

use std::sync::Arc;

use cov_core::instrument::{self, InstrumentOptions};
use cov_core::process::{self, Process};
use cov_core::store::{Store, StoreError};
use json_text::JsonText;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use once_cell::sync::Lazy;
use options::{NativeInstrumentOptions, NativeInstrumentResult};

/// The global through which instrumented code reaches the runtime.
#[napi]
pub const RUNTIME_GLOBAL: &str = instrument::RUNTIME_GLOBAL;

/// How every instrumented file's header starts.
#[napi]
pub const HEADER_MARKER: &str = instrument::HEADER_MARKER;

/// The test id of counts made outside any test.
#[napi]
pub const STARTUP_ID: &str = cov_core::STARTUP_ID;

/// The run store's file name in a run directory.
#[napi]
pub const STORE_FILE: &str = cov_core::store::STORE_FILE;

/// The directory of a run directory that holds the live arenas.
#[napi]
pub const LIVE_DIR: &str = cov_core::live::LIVE_DIR;

/// Process-wide state, shared by the main thread and worker threads (they
/// load the same library).
pub(crate) static PROCESS: Lazy<Process> = Lazy::new(|| Process::new(env!("CARGO_PKG_VERSION")));

pub(crate) fn store_error(e: StoreError) -> Error {
    Error::new(Status::GenericFailure, process::error_message(&e))
}

/// Run `f` on the store at `db`, opened once per process.
pub(crate) fn with_store<T>(db: &str, f: impl FnOnce(&mut Store) -> std::result::Result<T, StoreError>) -> Result<T> {
    PROCESS.with_store(db, f).map_err(store_error)
}

/// Instrument `code`; a parse failure is returned as `error`, not thrown,
/// so the JS layer can raise its typed error.
#[napi]
pub fn instrument(
    code: String,
    filename: String,
    options: Option<NativeInstrumentOptions>,
) -> Result<NativeInstrumentResult> {
    let options = options.unwrap_or_default();
    let supersedes = options.supersedes;
    let opts = InstrumentOptions::try_from(options)?;
    Ok(match PROCESS.instrument(&code, &filename, &opts, supersedes) {
        // An `ignore file` hint: the code stays as it is.
        Ok(None) => NativeInstrumentResult { code: Some(code), map: None, file_id: None, error: None },
        Ok(Some(out)) => {
            NativeInstrumentResult { code: Some(out.code), map: out.map, file_id: out.file_id, error: None }
        }
        Err(e) => NativeInstrumentResult { code: None, map: None, file_id: None, error: Some(e.into()) },
    })
}

/// The header hash registered for a file id, to check that instrumented code
/// belongs to this process's registry.
#[napi]
pub fn file_hash(file_id: u32) -> Option<String> {
    PROCESS.registry.file(file_id).map(|f| f.hash.clone())
}

/// A new counter table for (test, file), as a Uint32Array over Rust memory.
/// The memory lives until the view is garbage-collected and, if it still
/// holds unflushed counts, until the next flush.
#[napi]
pub fn create_table(test_id: String, file_id: u32) -> Result<Uint32Array> {
    let file = PROCESS
        .registry
        .file(file_id)
        .ok_or_else(|| Error::new(Status::InvalidArg, format!("cov-als-native: unknown file id {file_id}")))?;
    let table = PROCESS.tables.create(&test_id, file_id, file.counters);
    let (ptr, len) = (table.as_mut_ptr(), table.len());
    let keep = Arc::clone(&table);
    // SAFETY: `keep` owns the allocation until V8 calls this finalizer.
    Ok(unsafe {
        Uint32Array::with_external_data(ptr, len, move |_, _| {
            PROCESS.tables.release(&test_id, &keep);
        })
    })
}

/// Istanbul coverage map JSON of `test_id`'s unflushed counts; the counts
/// become flushed.
#[napi(ts_return_type = "string")]
pub fn flush_json(test_id: String) -> JsonText {
    PROCESS.coverage_json(&test_id, true).into()
}

/// Like `flush_json`, without marking anything flushed.
#[napi(ts_return_type = "string")]
pub fn peek_json(test_id: String) -> JsonText {
    PROCESS.coverage_json(&test_id, false).into()
}

/// Drop `test_id`'s unflushed counts.
#[napi]
pub fn reset(test_id: String) {
    PROCESS.tables.collect(&test_id, true);
}

/// Test ids with unflushed counts.
#[napi]
pub fn pending_tests() -> Vec<String> {
    PROCESS.tables.pending_tests()
}

/// Live counter tables (for memory-reclamation tests and diagnostics).
#[napi]
pub fn table_count() -> u32 {
    PROCESS.tables.table_count() as u32
}
