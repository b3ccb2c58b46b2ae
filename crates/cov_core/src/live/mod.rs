//! Flushes and recovery over every live arena of a run (docs/run-store.md,
//! "Beyond one process and crash safety").
//!
//! A flush answered by any process of a run takes the store's write lock,
//! reads the test's tables in every unfinished arena under `<outDir>/live/`
//! (its own through its memory, the others' through their mapped files),
//! reports counts − marks, and writes hits and the new marks in one
//! transaction. So cluster workers need no IPC, and a dead process's counts
//! come out exactly once: through a later flush, or `recover`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::arena::{self, ArenaReader, Record, TableRecord};
use crate::registry::Registry;
use crate::store::{Store, StoreError, UnitHits};
use crate::tables::{Counts, Table, Tables};
use crate::unit::Unit;

/// The directory of a run directory that holds its live arenas.
pub const LIVE_DIR: &str = "live";

/// The live arenas' directory of the run directory `out_dir`.
pub fn dir_in(out_dir: &Path) -> PathBuf {
    out_dir.join(LIVE_DIR)
}

/// What a flush does with the counts it gathers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write hits and marks.
    Flush,
    /// Write marks only (drop the counts).
    Reset,
    /// Write nothing.
    Peek,
}

impl std::str::FromStr for Mode {
    type Err = String;

    /// The names the JS side passes.
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "flush" => Ok(Mode::Flush),
            "reset" => Ok(Mode::Reset),
            "peek" => Ok(Mode::Peek),
            other => Err(format!("unknown live flush mode {other:?}")),
        }
    }
}

/// Another process's arena, read incrementally.
struct Other {
    reader: ArenaReader,
    registry: Registry,
    tables: Vec<TableRecord>,
    by_test: HashMap<String, Vec<usize>>,
    /// Why its index cannot be read past some record (a corrupt record: the
    /// tables after it are never seen), named in every flush's warnings.
    stuck: Option<String>,
}

impl Other {
    fn new(reader: ArenaReader) -> Self {
        Self { reader, registry: Registry::default(), tables: Vec::new(), by_test: HashMap::new(), stuck: None }
    }

    /// Take what a replay found; a torn tail is its writer's record in the
    /// making (read again next time), anything else stops the index there.
    fn take(&mut self, replay: crate::arena::Replay) {
        if let Some(p) = replay.problem.filter(|p| !p.starts_with("torn record")) {
            self.stuck = Some(format!(
                "live arena {}: {p}: counts of the tables it records after that are not gathered \
                 (cov-als recover names them once its process is gone)",
                self.reader.name
            ));
        }
        self.apply(replay.records);
    }

    fn apply(&mut self, records: Vec<Record>) {
        for r in records {
            match r {
                Record::File(f) => self.registry.register(&f),
                Record::Table(t) => {
                    self.by_test.entry(t.test.clone()).or_default().push(self.tables.len());
                    self.tables.push(t);
                }
                Record::Meta(_) => {}
            }
        }
    }
}

fn subtract(now: &[u32], base: Option<&[u32]>) -> (Vec<u64>, bool) {
    let mut any = false;
    let delta = now
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let d = n.wrapping_sub(base.and_then(|b| b.get(i)).copied().unwrap_or(0)) as u64;
            any |= d != 0;
            d
        })
        .collect();
    (delta, any)
}

fn add_into(counts: &mut Counts, file_id: u32, delta: &[u64]) {
    let into = counts.entry(file_id).or_default();
    if into.len() < delta.len() {
        into.resize(delta.len(), 0);
    }
    for (a, d) in into.iter_mut().zip(delta) {
        *a += d;
    }
}

/// Element-wise max: this process's own record of what it reported and the
/// store's marks (ahead when another process flushed the table).
fn newest(mark: Option<Vec<u32>>, reported: Vec<u32>) -> Vec<u32> {
    match mark {
        None => reported,
        Some(m) => reported.iter().enumerate().map(|(i, r)| (*r).max(m.get(i).copied().unwrap_or(0))).collect(),
    }
}

/// The counts one flush gathered.
#[derive(Default)]
pub struct Gathered {
    /// This process's counts, by file id (rendered by its own registry).
    pub own: Counts,
    /// Other processes' touched reports, as units with counts.
    pub others: Vec<(Unit, Vec<u64>)>,
    /// Arenas (or tables) whose counts could not be read, and why.
    pub problems: Vec<String>,
}

/// What a recovery did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub arena: String,
    /// Tests that got counts, and the sum of the counts recovered.
    pub tests: u64,
    pub counts: u64,
    pub tables: u64,
    /// Torn or unreadable parts, named.
    pub problems: Vec<String>,
    /// Why the arena was left alone (its process still runs, it was already
    /// recovered, another version wrote it).
    pub skipped: Option<String>,
}

/// The live state of one run directory in this process.
pub struct Live {
    pub live_dir: PathBuf,
    package_version: String,
    others: HashMap<String, Other>,
    /// Arenas that cannot be read (another version...), named once each.
    unreadable: HashMap<String, String>,
}

impl Live {
    pub fn new(out_dir: &Path, package_version: &str) -> Self {
        Self {
            live_dir: dir_in(out_dir),
            package_version: package_version.to_string(),
            others: HashMap::new(),
            unreadable: HashMap::new(),
        }
    }

    /// Read what the other arenas appended since the last look.
    fn refresh(&mut self, own: Option<&str>) {
        let dirs = arena::list(&self.live_dir);
        let present: HashSet<String> =
            dirs.iter().filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
        self.others.retain(|name, _| present.contains(name));
        for dir in dirs {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if Some(name.as_str()) == own || self.unreadable.contains_key(&name) {
                continue;
            }
            if let Some(other) = self.others.get_mut(&name) {
                match other.reader.refresh() {
                    Ok(replay) => other.take(replay),
                    // Its files went away: a clean close (then the arena is done) or a recovery.
                    Err(e) if dir.join(arena::INDEX_FILE).exists() => other.stuck = Some(e),
                    Err(_) => {}
                }
                continue;
            }
            match ArenaReader::open(&dir, &self.package_version) {
                Ok((reader, replay)) => {
                    let mut other = Other::new(reader);
                    other.take(replay);
                    self.others.insert(name, other);
                }
                // An index being created right now has no header yet, or none at all; or the
                // arena went away between the listing and the read (a short-lived worker's clean
                // close): look again next time.
                Err(e) if e.contains("no header") || e.contains("no process record") => {}
                Err(_) if !dir.join(arena::INDEX_FILE).exists() => {}
                Err(e) => {
                    self.unreadable.insert(name, e);
                }
            }
        }
    }

    /// Gather `test`'s unreported counts from this process (`tables`,
    /// `registry`, its arena named `own`) and every other unfinished arena;
    /// with `Flush`/`Reset` write marks (and hits) in one transaction. `known`:
    /// units this process already stored.
    #[allow(clippy::too_many_arguments)]
    pub fn flush(
        &mut self,
        store: &mut Store,
        known: &mut HashSet<String>,
        tables: &Tables,
        registry: &Registry,
        own: Option<&str>,
        test: &str,
        mode: Mode,
    ) -> Result<Gathered, StoreError> {
        self.refresh(own);
        let mut out = Gathered { problems: self.unreadable.values().cloned().collect(), ..Default::default() };
        let own_tables = tables.of(test);
        let tx = if mode == Mode::Peek { store.live_read()? } else { store.live_write()? };
        let done = tx.done_arenas()?;
        let own = own.filter(|o| !done.contains(*o));
        let mut own_marks: Vec<(Arc<Table>, Vec<u32>)> = Vec::new();
        for t in &own_tables {
            let now = t.snapshot();
            let mark = match (own, t.live) {
                (Some(name), Some(no)) => tx.mark(name, no)?,
                _ => None,
            };
            let base = newest(mark, t.reported());
            let (delta, any) = subtract(&now, Some(&base));
            if any {
                add_into(&mut out.own, t.file_id, &delta);
                own_marks.push((Arc::clone(t), now));
            }
        }
        let mut units: Vec<Unit> = Vec::new();
        let mut other_hits: Vec<(Unit, Vec<u64>)> = Vec::new();
        for (name, other) in self.others.iter_mut() {
            if done.contains(name) {
                continue;
            }
            out.problems.extend(other.stuck.clone());
            let mut counts = Counts::new();
            for &i in other.by_test.get(test).into_iter().flatten() {
                let t = &other.tables[i];
                let now = match other.reader.counts(t) {
                    Ok(now) => now,
                    // Closed since the refresh: its process reported its own tables.
                    Err(_) if !other.reader.dir.join(arena::INDEX_FILE).exists() => continue,
                    Err(e) => {
                        out.problems.push(e);
                        continue;
                    }
                };
                let mark = tx.mark(name, t.table)?;
                let (delta, any) = subtract(&now, mark.as_deref());
                if any {
                    add_into(&mut counts, t.file_id, &delta);
                    if mode != Mode::Peek {
                        tx.set_mark(name, t.table, &now)?;
                    }
                }
            }
            if counts.is_empty() {
                continue;
            }
            out.problems.extend(
                other
                    .registry
                    .unaccounted(&counts)
                    .into_iter()
                    .map(|p| format!("live arena {name}, test {test:?}: {p}")),
            );
            if mode == Mode::Flush {
                units.extend(other.registry.units(&|h| known.contains(h)));
            }
            other_hits.extend(other.registry.units_with_counts(&counts, false));
        }
        if mode != Mode::Peek {
            if let Some(name) = own {
                for (t, now) in &own_marks {
                    if let Some(no) = t.live {
                        tx.set_mark(name, no, now)?;
                    }
                }
            }
        }
        out.problems.extend(registry.unaccounted(&out.own).into_iter().map(|p| format!("test {test:?}: {p}")));
        if mode == Mode::Flush {
            units.extend(registry.units(&|h| known.contains(h)));
            units.sort_by(|a, b| a.hash.cmp(&b.hash));
            units.dedup_by(|a, b| a.hash == b.hash);
            let touched = registry.touched(&out.own);
            let mut hits: Vec<UnitHits> =
                touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
            hits.extend(other_hits.iter().map(|(u, c)| UnitHits { unit: &u.hash, counts: c }));
            tx.record(test, &units, &hits)?;
        }
        tx.commit()?;
        if mode == Mode::Flush {
            known.extend(units.into_iter().map(|u| u.hash));
        }
        if mode != Mode::Peek {
            for (t, now) in &own_marks {
                t.set_reported(now);
            }
            drop(own_tables);
            tables.forget_unreferenced(test);
        }
        out.others = other_hits;
        Ok(out)
    }

    /// Test ids with counts not yet reported, here and in the other arenas.
    pub fn pending(
        &mut self,
        store: &mut Store,
        tables: &Tables,
        own: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        self.refresh(own);
        let tx = store.live_read()?;
        let done = tx.done_arenas()?;
        let own = own.filter(|o| !done.contains(*o));
        let mut ids: HashSet<String> = HashSet::new();
        for test in tables.test_ids() {
            for t in tables.of(&test) {
                let mark = match (own, t.live) {
                    (Some(name), Some(no)) => tx.mark(name, no)?,
                    _ => None,
                };
                if subtract(&t.snapshot(), Some(&newest(mark, t.reported()))).1 {
                    ids.insert(test.clone());
                    break;
                }
            }
        }
        for (name, other) in self.others.iter_mut() {
            if done.contains(name) {
                continue;
            }
            for (test, idx) in &other.by_test {
                if ids.contains(test) {
                    continue;
                }
                for &i in idx {
                    let t = &other.tables[i];
                    let Ok(now) = other.reader.counts(t) else { continue };
                    if subtract(&now, tx.mark(name, t.table)?.as_deref()).1 {
                        ids.insert(test.clone());
                        break;
                    }
                }
            }
        }
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        Ok(ids)
    }

    /// This process is exiting cleanly: report what it still holds, its
    /// own tables only (in its arena, and in memory after the arena stopped
    /// growing or when there was none), then record its arena closed
    /// (dropping its marks) in the same transaction and delete its files.
    /// Tables keep counting in memory afterwards.
    ///
    /// Never other processes' counts: a process of the run that exits (a
    /// cluster worker, a dev server's short-lived worker) must not take the
    /// counts a live server is still counting for a test; that server's own
    /// flush reports them, and recovery those of a dead process.
    pub fn close(
        &mut self,
        store: &mut Store,
        known: &mut HashSet<String>,
        tables: &Tables,
        registry: &Registry,
    ) -> Result<Recovered, StoreError> {
        let arena = tables.arena();
        let tx = store.live_write()?;
        let mut rec =
            Recovered { arena: arena.as_ref().map(|a| a.name.clone()).unwrap_or_default(), ..Default::default() };
        let mut reported: Vec<(Arc<Table>, Vec<u32>)> = Vec::new();
        // Recovered already (`recover --force` while it ran): its arena's counts up to then are in the store.
        let done = match &arena {
            Some(a) => tx.done_arenas()?.contains(&a.name),
            None => false,
        };
        let units: Vec<Unit> = registry.units(&|h| known.contains(h));
        let mut ids = tables.test_ids();
        ids.sort();
        for test in ids {
            let mut counts = Counts::new();
            for t in tables.of(&test) {
                let now = t.snapshot();
                let base = match (&arena, t.live) {
                    (Some(_), Some(_)) if done => None,
                    (Some(a), Some(no)) => Some(newest(tx.mark(&a.name, no)?, t.reported())),
                    // In memory: nobody else can see it, what this process reported is the truth.
                    _ => Some(t.reported()),
                };
                if t.live.is_some() {
                    rec.tables += 1;
                }
                if let Some(base) = base {
                    let (delta, any) = subtract(&now, Some(&base));
                    if any {
                        rec.counts += delta.iter().sum::<u64>();
                        add_into(&mut counts, t.file_id, &delta);
                    }
                }
                reported.push((t, now));
            }
            if !counts.is_empty() {
                rec.tests += 1;
                rec.problems.extend(registry.unaccounted(&counts).into_iter().map(|p| format!("test {test:?}: {p}")));
                let touched = registry.touched(&counts);
                let hits: Vec<UnitHits> =
                    touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
                tx.record(&test, &[], &hits)?;
            }
        }
        tx.record_units(&units)?;
        if let Some(a) = arena.as_ref().filter(|_| !done) {
            tx.finish_arena(&a.name, "closed", rec.tables, rec.counts, &rec.problems)?;
        }
        tx.commit()?;
        known.extend(units.into_iter().map(|u| u.hash));
        for (t, now) in reported {
            t.set_reported(&now);
        }
        if let Some(a) = arena {
            tables.set_arena(None);
            let _ = fs::remove_dir_all(&a.dir);
            let _ = fs::remove_dir(&self.live_dir);
        }
        Ok(rec)
    }
}

/// Recover every arena under `<out_dir>/live/` whose process is gone (all
/// of them with `force`): for each, report counts − marks per test, record
/// the arena recovered in the same transaction, then delete its files.
/// Recovering twice adds nothing.
pub fn recover(store: &mut Store, out_dir: &Path, package_version: &str, force: bool) -> Vec<Recovered> {
    let live_dir = dir_in(out_dir);
    let mut out = Vec::new();
    for dir in arena::list(&live_dir) {
        out.push(recover_one(store, &dir, package_version, force).unwrap_or_else(|e| Recovered {
            arena: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            skipped: Some(e.to_string()),
            ..Default::default()
        }));
    }
    let _ = fs::remove_dir(&live_dir);
    out
}

fn recover_one(store: &mut Store, dir: &Path, package_version: &str, force: bool) -> Result<Recovered, StoreError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut rec = Recovered { arena: name.clone(), ..Default::default() };
    let (reader, replay) = match ArenaReader::open(dir, package_version) {
        Ok(r) => r,
        Err(e) => {
            rec.skipped = Some(e);
            return Ok(rec);
        }
    };
    if !force && reader.is_alive() {
        rec.skipped = Some(format!("its process (pid {}) still runs", reader.meta.pid));
        return Ok(rec);
    }
    let mut other = Other::new(reader);
    if let Some(p) = replay.problem {
        rec.problems.push(format!("live arena {name}: {p}"));
    }
    other.apply(replay.records);
    let tx = store.live_write()?;
    if tx.done_arenas()?.contains(&name) {
        drop(tx);
        let _ = fs::remove_dir_all(dir);
        rec.skipped = Some("already recovered".into());
        return Ok(rec);
    }
    rec.tables = other.tables.len() as u64;
    let mut tests: Vec<&String> = other.by_test.keys().collect();
    tests.sort();
    for test in tests {
        let mut counts = Counts::new();
        for &i in &other.by_test[test] {
            let t = &other.tables[i];
            let now = match other.reader.counts(t) {
                Ok(now) => now,
                Err(e) => {
                    rec.problems.push(e);
                    continue;
                }
            };
            let (delta, any) = subtract(&now, tx.mark(&name, t.table)?.as_deref());
            if any {
                rec.counts += delta.iter().sum::<u64>();
                add_into(&mut counts, t.file_id, &delta);
            }
        }
        if counts.is_empty() {
            continue;
        }
        rec.problems.extend(other.registry.unaccounted(&counts).into_iter().map(|p| format!("test {test:?}: {p}")));
        rec.tests += 1;
        let touched = other.registry.touched(&counts);
        let hits: Vec<UnitHits> = touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
        tx.record(test, &[], &hits)?;
    }
    // Every unit, touched or not: exports zero-fill the files a process loaded.
    tx.record_units(&other.registry.units(&|_| false))?;
    tx.finish_arena(&name, "recovered", rec.tables, rec.counts, &rec.problems)?;
    tx.commit()?;
    let _ = fs::remove_dir_all(dir);
    Ok(rec)
}

#[cfg(test)]
mod tests;
