//! Everything one process holds for coverage: its registry of instrumented
//! files, its counter tables, its open run stores and the live run it counts
//! into (docs/run-store.md, docs/crash-safety.md). The Node binding keeps one
//! `Process` and only converts values in and out of it.

mod stores;

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::arena::Arena;
use crate::instrument::{self, Form, InstrumentError, InstrumentOptions};
use crate::live::{self, Gathered, Live, Mode, Recovered};
use crate::registry::{Registration, Registry};
use crate::store::{self, Store, StoreError, UnitHits};
use crate::tables::Tables;
use stores::Stores;

/// What instrumenting a file answers.
pub struct InstrumentedFile {
    pub code: String,
    /// Output source map JSON, when asked for.
    pub map: Option<String>,
    /// Registry id; none in the browser form (nothing is registered).
    pub file_id: Option<u32>,
}

/// What a flush answers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Istanbul coverage map JSON of the flushed counts.
    pub coverage: String,
    /// When other processes' counts are part of the answer: a JSON array of
    /// Istanbul file coverages (one per unit) to merge by path, instead of `coverage`.
    pub units: Option<String>,
    /// Why the store could not be written (the answer still holds the counts).
    pub error: Option<String>,
    /// What the flush could not read or keep crash-safe: the store was written without it.
    pub warning: Option<String>,
}

/// How a store error reads on the JS side, thrown or in a flush's answer.
pub fn error_message(e: &StoreError) -> String {
    format!("cov-als-native: {e}")
}

/// The live run this process counts into: its arenas' state and its store.
struct LiveRun {
    live: Live,
    db: String,
}

pub struct Process {
    pub registry: Registry,
    pub tables: Tables,
    /// Written into every store and arena, and checked when reading them.
    package_version: String,
    /// Registry and arena index take files in the same order (a reader replays the index).
    register_order: Mutex<()>,
    stores: Stores,
    live: Mutex<Option<LiveRun>>,
}

impl Process {
    pub fn new(package_version: &str) -> Self {
        Self {
            registry: Registry::default(),
            tables: Tables::default(),
            package_version: package_version.to_string(),
            register_order: Mutex::new(()),
            stores: Stores::default(),
            live: Mutex::new(None),
        }
    }

    /// Instrument `code` and, in the server form, register it (and record it
    /// in the live arena). `Ok(None)`: an `ignore file` hint left it alone.
    pub fn instrument(
        &self,
        code: &str,
        filename: &str,
        options: &InstrumentOptions,
        supersedes: Option<u32>,
    ) -> Result<Option<InstrumentedFile>, InstrumentError> {
        let browser = options.form == Form::Browser;
        let id = if browser { 0 } else { self.registry.reserve() };
        let Some(out) = instrument::instrument(code, filename, id, options)? else { return Ok(None) };
        if browser {
            return Ok(Some(InstrumentedFile { code: out.code, map: out.map, file_id: None }));
        }
        let file = Registration {
            id,
            filename: filename.to_string(),
            hash: out.hash,
            counters: out.counters,
            files: out.files,
            supersedes,
        };
        let _order = self.register_order.lock();
        if let Some(arena) = self.tables.accepting_arena() {
            if let Err(e) = arena.append_file(&file) {
                self.tables.fail_arena(&format!("cannot write the live arena's index: {e}"));
            }
        }
        self.registry.register(&file);
        Ok(Some(InstrumentedFile { code: out.code, map: out.map, file_id: Some(id) }))
    }

    /// Istanbul coverage map JSON of `test`'s unflushed counts; with `mark`
    /// they become flushed.
    pub fn coverage_json(&self, test: &str, mark: bool) -> String {
        self.registry.coverage_json(&self.tables.collect(test, mark))
    }

    /// Run `f` on the store at `db` (opened once, reopened when replaced).
    pub fn with_store<T>(
        &self,
        db: &str,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.stores.with(db, &self.package_version, |s| f(&mut s.store))
    }

    /// Close this process's connection to the store at `db` (before deleting it).
    pub fn close_store(&self, db: &str) {
        self.stores.close(db);
    }

    /// Add the store at `from` into the store at `into`.
    pub fn merge_store(&self, into: &str, from: &str) -> Result<(), StoreError> {
        let other = Store::open(Path::new(from), &self.package_version)?;
        self.with_store(into, |s| s.merge_from(&other))
    }

    /// Flush `test` into the store at `db`: new units and the test's non-zero
    /// counters in one transaction (through the live run when `db` is its
    /// store). Answers every registered file, or with `touched_only` just the
    /// files the test touched.
    pub fn store_flush(&self, db: &str, test: &str, touched_only: bool) -> Flushed {
        if let Some(answer) = self.live_flush_into(Some(db), test, Mode::Flush, touched_only) {
            return answer;
        }
        let counts = self.tables.collect(test, true);
        let touched = self.registry.touched(&counts);
        let written = self.stores.with(db, &self.package_version, |s| {
            let units = self.registry.units(&|h| s.known.contains(h));
            let hits: Vec<UnitHits> = touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
            s.store.record(test, "server", &units, &hits)?;
            s.known.extend(units.into_iter().map(|u| u.hash));
            Ok(())
        });
        let coverage = if touched_only {
            let paths: Vec<&str> = touched.iter().map(|t| t.path.as_str()).collect();
            self.registry.coverage_json_of(&paths, &counts)
        } else {
            self.registry.coverage_json(&counts)
        };
        let unaccounted = self.registry.unaccounted(&counts);
        Flushed {
            coverage,
            units: None,
            error: written.err().map(|e| error_message(&e)),
            warning: (!unaccounted.is_empty()).then(|| format!("test {test:?}: {}", unaccounted.join("; "))),
        }
    }

    /// Count into a memory-mapped arena under `<out_dir>/live/`, and let
    /// flushes gather every arena of that run. Call before instrumenting any
    /// file. Answers the arena directory, or why there is none (tables then
    /// stay in process memory).
    pub fn live_open(&self, out_dir: &str) -> Result<String, String> {
        let out = Path::new(out_dir);
        let db = store::path_in(out).to_string_lossy().into_owned();
        *self.live.lock() = Some(LiveRun { live: Live::new(out, &self.package_version), db });
        match Arena::create(&live::dir_in(out), &self.package_version) {
            Ok(arena) => {
                let dir = arena.dir.to_string_lossy().into_owned();
                self.tables.set_arena(Some(Arc::new(arena)));
                Ok(dir)
            }
            Err(e) => Err(format!("cannot create a live arena under {out_dir}: {e}")),
        }
    }

    /// A flush, reset or peek through the live run; none outside one.
    pub fn live_flush(&self, test: &str, mode: Mode, touched_only: bool) -> Option<Flushed> {
        self.live_flush_into(None, test, mode, touched_only)
    }

    /// `live_flush`, when there is a live run and `db`, if given, is its
    /// store. On a store error the answer holds this process's counts from
    /// memory, as without arenas.
    fn live_flush_into(&self, db: Option<&str>, test: &str, mode: Mode, touched_only: bool) -> Option<Flushed> {
        let mut run = self.live.lock();
        let run = run.as_mut().filter(|r| db.is_none_or(|d| d == r.db))?;
        let own = self.tables.arena().map(|a| a.name.clone());
        let result = self.stores.with(&run.db, &self.package_version, |s| {
            run.live.flush(&mut s.store, &mut s.known, &self.tables, &self.registry, own.as_deref(), test, mode)
        });
        let arena_error = self.tables.take_arena_error();
        Some(match result {
            Ok(g) => {
                let (coverage, units) = self.render(&g, touched_only);
                let mut problems = g.problems;
                problems.extend(arena_error);
                Flushed { coverage, units, error: None, warning: (!problems.is_empty()).then(|| problems.join("; ")) }
            }
            Err(e) => {
                let counts = self.tables.collect(test, mode != Mode::Peek);
                let (coverage, _) = self.render(&Gathered { own: counts, ..Default::default() }, touched_only);
                Flushed { coverage, units: None, error: Some(error_message(&e)), warning: arena_error }
            }
        })
    }

    /// A gather as Istanbul JSON: a coverage map of this process's counts, or,
    /// with other processes' counts in it, an array of file coverages.
    fn render(&self, g: &Gathered, touched_only: bool) -> (String, Option<String>) {
        if g.others.is_empty() {
            let coverage = if touched_only {
                let touched = self.registry.touched(&g.own);
                let paths: Vec<&str> = touched.iter().map(|t| t.path.as_str()).collect();
                self.registry.coverage_json_of(&paths, &g.own)
            } else {
                self.registry.coverage_json(&g.own)
            };
            return (coverage, None);
        }
        let mut out = String::from("[");
        let own = self.registry.units_with_counts(&g.own, !touched_only);
        for (i, (unit, counts)) in own.iter().chain(&g.others).enumerate() {
            if i > 0 {
                out.push(',');
            }
            unit.write_json(&mut out, counts);
        }
        out.push(']');
        (String::new(), Some(out))
    }

    /// Test ids with counts not yet reported, in every arena of the live run
    /// (this process's tables alone outside one, or when its store fails).
    pub fn live_pending(&self) -> Vec<String> {
        let mut run = self.live.lock();
        let Some(run) = run.as_mut() else { return self.tables.pending_tests() };
        let own = self.tables.arena().map(|a| a.name.clone());
        self.stores
            .with(&run.db, &self.package_version, |s| run.live.pending(&mut s.store, &self.tables, own.as_deref()))
            .unwrap_or_else(|_| self.tables.pending_tests())
    }

    /// This process exits cleanly: report what it still holds (its own
    /// tables only, never other processes'), record its arena closed and
    /// delete its files. None outside a live run.
    pub fn live_close(&self) -> Result<Option<Recovered>, StoreError> {
        let mut run = self.live.lock();
        let Some(run) = run.as_mut() else { return Ok(None) };
        self.stores
            .with(&run.db, &self.package_version, |s| {
                run.live.close(&mut s.store, &mut s.known, &self.tables, &self.registry)
            })
            .map(Some)
    }

    /// Recover the arenas of dead processes under `<out_dir>/live/` (all with
    /// `force`) into the store of `out_dir`.
    pub fn live_recover(&self, out_dir: &str, force: bool) -> Result<Vec<Recovered>, StoreError> {
        let out = Path::new(out_dir);
        let db = store::path_in(out).to_string_lossy().into_owned();
        self.with_store(&db, |s| Ok(live::recover(s, out, &self.package_version, force)))
    }
}

#[cfg(test)]
mod tests;
