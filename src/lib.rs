//! Node bindings: type conversion only. Everything else lives in `cov_core`.
#![deny(clippy::all)]

use std::sync::{Arc, Mutex};

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
static REGISTER_ORDER: Mutex<()> = Mutex::new(());

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
    let browser = opts.form == Form::Browser;
    let id = if browser { 0 } else { REGISTRY.reserve() };
    Ok(match instrument::instrument(&code, &filename, id, &opts) {
        // An `ignore file` hint: the code stays as it is.
        Ok(None) => NativeInstrumentResult { code: Some(code), map: None, file_id: None, error: None },
        Ok(Some(out)) if browser => {
            NativeInstrumentResult { code: Some(out.code), map: out.map, file_id: None, error: None }
        }
        Ok(Some(out)) => {
            // Registry and arena index in the same order (a reader replays the index).
            let _order = REGISTER_ORDER.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(arena) = TABLES.accepting_arena() {
                if let Err(e) = arena.append_file(id, &filename, &out.hash, out.counters, &out.files, supersedes) {
                    TABLES.fail_arena(&format!("cannot write the live arena's index: {e}"));
                }
            }
            REGISTRY.register_version(id, &filename, out.hash, out.counters, &out.files, supersedes);
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

// ---- The run store (docs/run-store.md) ----

use cov_core::store::{Store, StoreError, UnitHits};
use std::collections::{HashMap, HashSet};

/// One open connection per store file, with the units this process already
/// stored there (a flush then writes only new units).
struct OpenStore {
    store: Store,
    inode: u64,
    known: HashSet<String>,
}

static STORES: Lazy<Mutex<HashMap<String, OpenStore>>> = Lazy::new(Default::default);

fn store_error(e: StoreError) -> Error {
    Error::new(Status::GenericFailure, format!("cov-als-native: {e}"))
}

#[cfg(unix)]
fn inode(path: &str) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Without inodes (Windows), a file replaced by another has another creation time.
#[cfg(not(unix))]
fn inode(path: &str) -> Option<u64> {
    let created = std::fs::metadata(path).ok()?.created().ok()?;
    Some(created.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as u64)
}

/// Run `f` on the store at `db`, reopening it when the file was replaced
/// (a test deleting and recreating a run directory).
fn with_store<T>(db: &str, f: impl FnOnce(&mut OpenStore) -> std::result::Result<T, StoreError>) -> Result<T> {
    let mut stores = STORES.lock().unwrap_or_else(|p| p.into_inner());
    let current = inode(db);
    if stores.get(db).is_none_or(|s| Some(s.inode) != current) {
        let store = Store::open(std::path::Path::new(db), env!("CARGO_PKG_VERSION")).map_err(store_error)?;
        let inode = inode(db).unwrap_or(0);
        stores.insert(db.to_string(), OpenStore { store, inode, known: HashSet::new() });
    }
    f(stores.get_mut(db).expect("just opened")).map_err(store_error)
}

#[napi(object)]
pub struct NativeStoreFlush {
    /// Istanbul coverage map JSON of the flushed counts.
    pub coverage: String,
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

/// Flush `test_id` into the store at `db`: new units and the test's non-zero
/// counters in one transaction. Answers every registered file, or with
/// `touched_only` just the files the test touched.
#[napi]
pub fn store_flush(db: String, test_id: String, touched_only: bool) -> NativeStoreFlush {
    if let Some(answer) = live_flush_into(Some(&db), &test_id, Mode::Flush, touched_only) {
        return answer;
    }
    let counts = TABLES.collect(&test_id, true);
    let touched = REGISTRY.touched(&counts);
    let written = with_store(&db, |s| {
        let units = REGISTRY.units(&|h| s.known.contains(h));
        let hits: Vec<UnitHits> = touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
        s.store.record(&test_id, "server", &units, &hits)?;
        s.known.extend(units.into_iter().map(|u| u.hash));
        Ok(())
    });
    let coverage = if touched_only {
        let paths: Vec<&str> = touched.iter().map(|t| t.path.as_str()).collect();
        REGISTRY.coverage_json_of(&paths, &counts)
    } else {
        REGISTRY.coverage_json(&counts)
    };
    let unaccounted = REGISTRY.unaccounted(&counts);
    NativeStoreFlush {
        coverage,
        units: None,
        error: written.err().map(|e| e.reason.clone()),
        warning: (!unaccounted.is_empty()).then(|| format!("test {test_id:?}: {}", unaccounted.join("; "))),
    }
}

/// Record an Istanbul coverage map (JSON) as one half ("server" or "browser") of a test.
#[napi]
pub fn store_record_istanbul(db: String, test_id: String, part: String, coverage: String) -> Result<()> {
    with_store(&db, |s| s.store.record_istanbul(&test_id, &part, &coverage))
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
    with_store(&db, |s| s.store.export(tests.as_deref(), part.as_deref(), all_units))
}

/// Test ids recorded in the store.
#[napi]
pub fn store_tests(db: String) -> Result<Vec<String>> {
    with_store(&db, |s| s.store.tests())
}

/// Add the store at `from` into the store at `into`.
#[napi]
pub fn store_merge(into: String, from: String) -> Result<()> {
    let other = Store::open(std::path::Path::new(&from), env!("CARGO_PKG_VERSION")).map_err(store_error)?;
    with_store(&into, |s| s.store.merge_from(&other))
}

/// Close this process's connection to the store at `db` (before deleting it).
#[napi]
pub fn store_close(db: String) {
    STORES.lock().unwrap_or_else(|p| p.into_inner()).remove(&db);
}

/// JSON array of the tests that hit `path` on lines `from..=to`, by start
/// line or, with `spans`, by overlap (see `cov_core::store::which`); null when the store has no unit for `path`.
#[napi]
pub fn store_which(db: String, path: String, from: u32, to: u32, spans: bool) -> Result<Option<String>> {
    with_store(&db, |s| s.store.which_json(&path, from, to, spans))
}

#[napi(object)]
pub struct NativeLineTests {
    /// Test ids, sorted.
    pub tests: Vec<String>,
    /// JSON: `[[line, [[test index, halves, statements, branches, functions, hits]...]]...]`.
    pub lines: String,
}

/// Every line of `path` some test hit, with those tests (see
/// `cov_core::store::lines`); null when the store has no unit for `path`.
#[napi]
pub fn store_line_tests(db: String, path: String) -> Result<Option<NativeLineTests>> {
    let compact = with_store(&db, |s| s.store.line_tests_compact(&path))?;
    Ok(compact.map(|c| NativeLineTests { tests: c.tests, lines: c.lines }))
}

/// JSON array of every test's per-file totals by half (see
/// `cov_core::store::summary`), for `cov-als report`'s per-test rows.
#[napi]
pub fn store_test_summaries(db: String) -> Result<String> {
    with_store(&db, |s| s.store.test_summaries_json())
}

/// Paths the store has units for.
#[napi]
pub fn store_paths(db: String) -> Result<Vec<String>> {
    with_store(&db, |s| s.store.paths())
}

/// JSON array of the tests every hit counter of which another test hit too
/// (`ignore`: ids that neither count nor cover, the startup bucket).
#[napi]
pub fn store_redundant(db: String, ignore: Vec<String>) -> Result<String> {
    with_store(&db, |s| s.store.redundant_json(&ignore))
}

// ---- Live arenas: crash safety and cluster gathers (docs/crash-safety.md) ----

use cov_core::live::{self, Live, Mode};

/// The live state of the run directory this process counts into.
struct LiveRun {
    live: Live,
    db: String,
}

static LIVE: Lazy<Mutex<Option<LiveRun>>> = Lazy::new(Default::default);

fn live_run() -> std::sync::MutexGuard<'static, Option<LiveRun>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

#[napi(object)]
pub struct NativeLiveOpened {
    /// The arena directory, when one could be created.
    pub dir: Option<String>,
    /// Why not (tables then stay in process memory).
    pub error: Option<String>,
}

/// Count into a memory-mapped arena under `<out_dir>/live/`, and let flushes
/// gather every arena of that run (the store is `<out_dir>/cov-als.db`).
/// Call before instrumenting any file.
#[napi]
pub fn live_open(out_dir: String) -> NativeLiveOpened {
    let out = std::path::Path::new(&out_dir);
    let db = out.join("cov-als.db").to_string_lossy().into_owned();
    *live_run() = Some(LiveRun { live: Live::new(out, env!("CARGO_PKG_VERSION")), db });
    match cov_core::arena::Arena::create(&out.join(live::LIVE_DIR), env!("CARGO_PKG_VERSION")) {
        Ok(arena) => {
            let dir = arena.dir.to_string_lossy().into_owned();
            TABLES.set_arena(Some(Arc::new(arena)));
            NativeLiveOpened { dir: Some(dir), error: None }
        }
        Err(e) => {
            NativeLiveOpened { dir: None, error: Some(format!("cannot create a live arena under {out_dir}: {e}")) }
        }
    }
}

fn render(g: &live::Gathered, touched_only: bool) -> (String, Option<String>) {
    if g.others.is_empty() {
        let coverage = if touched_only {
            let touched = REGISTRY.touched(&g.own);
            let paths: Vec<&str> = touched.iter().map(|t| t.path.as_str()).collect();
            REGISTRY.coverage_json_of(&paths, &g.own)
        } else {
            REGISTRY.coverage_json(&g.own)
        };
        return (coverage, None);
    }
    let mut out = String::from("[");
    for (i, (unit, counts)) in REGISTRY.units_with_counts(&g.own, !touched_only).iter().chain(&g.others).enumerate() {
        if i > 0 {
            out.push(',');
        }
        unit.write_json(&mut out, counts);
    }
    out.push(']');
    (String::new(), Some(out))
}

/// A flush, reset or peek through the live run (when there is one and `db`,
/// if given, is its store). On a store error the answer holds this process's
/// counts from memory, as without arenas.
fn live_flush_into(db: Option<&str>, test_id: &str, mode: Mode, touched_only: bool) -> Option<NativeStoreFlush> {
    let mut run = live_run();
    let run = run.as_mut().filter(|r| db.is_none_or(|d| d == r.db))?;
    let own = TABLES.arena().map(|a| a.name.clone());
    let db = run.db.clone();
    let result = with_store(&db, |s| {
        run.live.flush(&mut s.store, &mut s.known, &TABLES, &REGISTRY, own.as_deref(), test_id, mode)
    });
    let arena_error = TABLES.take_arena_error();
    Some(match result {
        Ok(g) => {
            let (coverage, units) = render(&g, touched_only);
            let mut problems = g.problems;
            problems.extend(arena_error);
            NativeStoreFlush {
                coverage,
                units,
                error: None,
                warning: (!problems.is_empty()).then(|| problems.join("; ")),
            }
        }
        Err(e) => {
            let counts = TABLES.collect(test_id, mode != Mode::Peek);
            let (coverage, _) = render(&live::Gathered { own: counts, ..Default::default() }, touched_only);
            NativeStoreFlush { coverage, units: None, error: Some(e.reason.clone()), warning: arena_error }
        }
    })
}

/// In a live run: `mode` "flush" (into the store), "reset" (marks only: the
/// answer holds the counts, the store does not), or "peek".
#[napi]
pub fn live_flush(test_id: String, mode: String, touched_only: bool) -> Result<NativeStoreFlush> {
    let mode = match mode.as_str() {
        "flush" => Mode::Flush,
        "reset" => Mode::Reset,
        "peek" => Mode::Peek,
        other => return Err(Error::new(Status::InvalidArg, format!("unknown live flush mode {other:?}"))),
    };
    live_flush_into(None, &test_id, mode, touched_only)
        .ok_or_else(|| Error::new(Status::GenericFailure, "cov-als-native: no live run (liveOpen was not called)"))
}

/// Test ids with counts not yet reported, in every arena of the live run.
#[napi]
pub fn live_pending() -> Result<Vec<String>> {
    let mut run = live_run();
    let Some(run) = run.as_mut() else { return Ok(TABLES.pending_tests()) };
    let own = TABLES.arena().map(|a| a.name.clone());
    let db = run.db.clone();
    match with_store(&db, |s| run.live.pending(&mut s.store, &TABLES, own.as_deref())) {
        Ok(ids) => Ok(ids),
        Err(_) => Ok(TABLES.pending_tests()),
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

impl From<live::Recovered> for NativeRecovered {
    fn from(r: live::Recovered) -> Self {
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

/// This process exits cleanly: report what it still holds (its own tables
/// only, never other processes'), record its arena closed and delete its
/// files. Null outside a live run.
#[napi]
pub fn live_close() -> Result<Option<NativeRecovered>> {
    let mut run = live_run();
    let Some(run) = run.as_mut() else { return Ok(None) };
    let db = run.db.clone();
    with_store(&db, |s| run.live.close(&mut s.store, &mut s.known, &TABLES, &REGISTRY)).map(|r| Some(r.into()))
}

/// Recover the arenas of dead processes under `<out_dir>/live/` (all with
/// `force`) into the store of `out_dir`.
#[napi]
pub fn live_recover(out_dir: String, force: bool) -> Result<Vec<NativeRecovered>> {
    let out = std::path::Path::new(&out_dir);
    let db = out.join("cov-als.db").to_string_lossy().into_owned();
    with_store(&db, |s| Ok(live::recover(&mut s.store, out, env!("CARGO_PKG_VERSION"), force)))
        .map(|v| v.into_iter().map(Into::into).collect())
}
