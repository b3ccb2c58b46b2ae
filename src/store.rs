//! Bindings of the run store (docs/run-store.md).

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::options::{NativeLineTests, NativeStoreFlush};
use crate::{store_error, with_store, PROCESS};

/// Flush `test_id` into the store at `db`: new units and the test's non-zero
/// counters in one transaction. Answers every registered file, or with
/// `touched_only` just the files the test touched.
#[napi]
pub fn store_flush(db: String, test_id: String, touched_only: bool) -> NativeStoreFlush {
    PROCESS.store_flush(&db, &test_id, touched_only).into()
}

/// Record an Istanbul coverage map (JSON) as one half ("server" or "browser") of a test.
#[napi]
pub fn store_record_istanbul(db: String, test_id: String, part: String, coverage: String) -> Result<()> {
    with_store(&db, |s| s.record_istanbul(&test_id, &part, &coverage))
}

/// JSON array of Istanbul file coverages of `tests` (all when null) in `part`
/// (both when null); with `all_units` untouched files come with zero counts.
/// Null when a named test is unknown.
#[napi]
pub fn store_export(
    db: String,
    tests: Option<Vec<String>>,
    part: Option<String>,
    all_units: bool,
) -> Result<Option<String>> {
    with_store(&db, |s| s.export(tests.as_deref(), part.as_deref(), all_units))
}

/// Test ids recorded in the store.
#[napi]
pub fn store_tests(db: String) -> Result<Vec<String>> {
    with_store(&db, |s| s.tests())
}

/// Add the store at `from` into the store at `into`.
#[napi]
pub fn store_merge(into: String, from: String) -> Result<()> {
    PROCESS.merge_store(&into, &from).map_err(store_error)
}

/// Close this process's connection to the store at `db` (before deleting it).
#[napi]
pub fn store_close(db: String) {
    PROCESS.close_store(&db);
}

/// JSON array of the tests that hit `path` on lines `from..=to`, by start
/// line or, with `spans`, by overlap (see `cov_core::store::which`); null when the store has no unit for `path`.
#[napi]
pub fn store_which(db: String, path: String, from: u32, to: u32, spans: bool) -> Result<Option<String>> {
    with_store(&db, |s| s.which_json(&path, from, to, spans))
}

/// Every line of `path` some test hit, with those tests (see
/// `cov_core::store::lines`); null when the store has no unit for `path`.
#[napi]
pub fn store_line_tests(db: String, path: String) -> Result<Option<NativeLineTests>> {
    Ok(with_store(&db, |s| s.line_tests_compact(&path))?.map(Into::into))
}

/// JSON array of every test's per-file totals by half (see
/// `cov_core::store::summary`), for `cov-als report`'s per-test rows.
#[napi]
pub fn store_test_summaries(db: String) -> Result<String> {
    with_store(&db, |s| s.test_summaries_json())
}

/// Paths the store has units for.
#[napi]
pub fn store_paths(db: String) -> Result<Vec<String>> {
    with_store(&db, |s| s.paths())
}

/// JSON array of the tests every hit counter of which another test hit too
/// (`ignore`: ids that neither count nor cover, the startup bucket).
#[napi]
pub fn store_redundant(db: String, ignore: Vec<String>) -> Result<String> {
    with_store(&db, |s| s.redundant_json(&ignore))
}
