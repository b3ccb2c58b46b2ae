//! Per-test counter tables. JS increments them through a Uint32Array view of
//! this memory; flushes read them here.
//!
//! Each table belongs to one JS context (one isolate) and gets exactly one
//! view, because V8 forbids two external ArrayBuffers over the same memory.
//! A test re-created after a flush, or running in a worker thread, gets new
//! tables; a flush sums all of them. Counters are never zeroed by a flush
//! (that could race with a worker's increment): each table remembers what was
//! already reported and a flush reports the difference. So a function still
//! running after its test was flushed keeps counting into live memory, and
//! those late hits show up in the next flush.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use dashmap::DashMap;
use parking_lot::{Mutex, RwLock};

use crate::arena::{Arena, LiveSlots, Mapping};

/// Where a table's counters live: process memory, or a slice of a
/// memory-mapped arena chunk (crash-safe, see `arena`).
enum Storage {
    Heap(Box<[AtomicU32]>),
    Mapped { mapping: Arc<Mapping>, offset: usize, len: usize },
}

pub struct Table {
    pub file_id: u32,
    storage: Storage,
    /// Its number in this process's arena, when it lives there.
    pub live: Option<u32>,
    /// Counts as of the last flush of this table by this process (in an
    /// arena, the run store's marks are the truth: another process may have
    /// flushed it too).
    reported: Mutex<Box<[u32]>>,
}

impl Table {
    fn new(file_id: u32, len: u32) -> Self {
        // A view needs a non-empty allocation.
        let len = len.max(1) as usize;
        Self {
            file_id,
            storage: Storage::Heap((0..len).map(|_| AtomicU32::new(0)).collect()),
            live: None,
            reported: Mutex::new(vec![0; len].into_boxed_slice()),
        }
    }

    fn mapped(file_id: u32, slots: LiveSlots, len: u32) -> Self {
        let len = len.max(1) as usize;
        Self {
            file_id,
            storage: Storage::Mapped { mapping: slots.mapping, offset: slots.offset, len },
            live: Some(slots.table),
            reported: Mutex::new(vec![0; len].into_boxed_slice()),
        }
    }

    fn counts(&self) -> &[AtomicU32] {
        match &self.storage {
            Storage::Heap(c) => c,
            Storage::Mapped { mapping, offset, len } => mapping.slots(*offset, *len).expect("allocated in bounds"),
        }
    }

    pub fn len(&self) -> usize {
        self.counts().len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts().is_empty()
    }

    /// Pointer for the JS view. JS writes plain u32 stores into this memory
    /// from its own thread; Rust only ever loads from it.
    pub fn as_mut_ptr(&self) -> *mut u32 {
        self.counts().as_ptr() as *mut u32
    }

    pub fn increment(&self, slot: usize) {
        self.counts()[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn snapshot(&self) -> Vec<u32> {
        self.counts().iter().map(|c| c.load(Ordering::Relaxed)).collect()
    }

    /// What this process last reported of this table.
    pub fn reported(&self) -> Vec<u32> {
        self.reported.lock().to_vec()
    }

    /// Remember `counts` (a snapshot) as reported.
    pub fn set_reported(&self, counts: &[u32]) {
        let mut reported = self.reported.lock();
        for (r, c) in reported.iter_mut().zip(counts) {
            *r = *c;
        }
    }

    /// Add the counts not yet reported into `into`; with `mark`, remember them
    /// as reported. Returns whether anything was unreported.
    fn take_unreported(&self, into: &mut [u64], mark: bool) -> bool {
        let mut reported = self.reported.lock();
        let mut any = false;
        for (i, c) in self.counts().iter().enumerate() {
            let now = c.load(Ordering::Relaxed);
            let delta = now.wrapping_sub(reported[i]);
            if delta != 0 {
                any = true;
                if let Some(slot) = into.get_mut(i) {
                    *slot += delta as u64;
                }
                if mark {
                    reported[i] = now;
                }
            }
        }
        any
    }

    fn has_unreported(&self) -> bool {
        let reported = self.reported.lock();
        self.counts().iter().zip(reported.iter()).any(|(c, r)| c.load(Ordering::Relaxed) != *r)
    }
}

/// Unreported counts of one test: file id -> counts per slot.
pub type Counts = HashMap<u32, Vec<u64>>;

#[derive(Default)]
pub struct Tables {
    by_test: DashMap<String, Vec<Arc<Table>>>,
    /// This process's arena: its name keys the marks of its tables until it
    /// is closed, and new tables go into it while `accepting`.
    arena: RwLock<Option<Arc<Arena>>>,
    accepting: AtomicBool,
    /// Why the arena could not take a table (kept for the next flush to report).
    arena_error: Mutex<Option<String>>,
}

impl Tables {
    /// A new table for `test` and `file_id` with `len` counters: in the
    /// arena when there is one, else (or when the arena fails, e.g. a full
    /// disk: the arena is then dropped) in process memory.
    pub fn create(&self, test: &str, file_id: u32, len: u32) -> Arc<Table> {
        let table = match self.accepting_arena().map(|a| a.alloc(test, file_id, len)) {
            Some(Ok(slots)) => Table::mapped(file_id, slots, len),
            Some(Err(e)) => {
                self.fail_arena(&format!("cannot grow the live arena: {e}"));
                Table::new(file_id, len)
            }
            None => Table::new(file_id, len),
        };
        let table = Arc::new(table);
        self.by_test.entry(test.to_string()).or_default().push(Arc::clone(&table));
        table
    }

    /// Put new tables into `arena` (None: into process memory).
    pub fn set_arena(&self, arena: Option<Arc<Arena>>) {
        self.accepting.store(arena.is_some(), Ordering::Release);
        *self.arena.write() = arena;
    }

    /// The arena, while it takes new tables and registrations.
    pub fn accepting_arena(&self) -> Option<Arc<Arena>> {
        if self.accepting.load(Ordering::Acquire) {
            self.arena()
        } else {
            None
        }
    }

    /// The arena cannot be written: new tables go to process memory (its
    /// existing tables keep counting, crash-safe), and the next flush says why.
    pub fn fail_arena(&self, why: &str) {
        self.accepting.store(false, Ordering::Release);
        *self.arena_error.lock() =
            Some(format!("{why} (counts made from now on are not crash-safe; they still flush over HTTP)"));
    }

    pub fn arena(&self) -> Option<Arc<Arena>> {
        self.arena.read().clone()
    }

    /// Why the arena stopped taking tables, once.
    pub fn take_arena_error(&self) -> Option<String> {
        self.arena_error.lock().take()
    }

    /// The tables of `test` (a snapshot of the list).
    pub fn of(&self, test: &str) -> Vec<Arc<Table>> {
        self.by_test.get(test).map(|t| t.clone()).unwrap_or_default()
    }

    /// Every test id with tables.
    pub fn test_ids(&self) -> Vec<String> {
        self.by_test.iter().map(|e| e.key().clone()).collect()
    }

    /// After a flush through the store: drop the tables of `test` that JS
    /// no longer references (their counts are all reported).
    pub fn forget_unreferenced(&self, test: &str) {
        let Some(mut tables) = self.by_test.get_mut(test) else { return };
        tables.retain(|t| Arc::strong_count(t) > 1);
        let empty = tables.is_empty();
        drop(tables);
        if empty {
            self.by_test.remove_if(test, |_, t| t.is_empty());
        }
    }

    /// Sum the unreported counts of `test`. With `mark`, they become reported
    /// and tables no longer referenced from JS are freed.
    pub fn collect(&self, test: &str, mark: bool) -> Counts {
        let mut counts: Counts = HashMap::new();
        let Some(tables) = self.by_test.get_mut(test) else { return counts };
        for t in tables.iter() {
            let into = counts.entry(t.file_id).or_insert_with(|| vec![0; t.len()]);
            if into.len() < t.len() {
                into.resize(t.len(), 0);
            }
            t.take_unreported(into, mark);
        }
        drop(tables);
        if mark {
            self.forget_unreferenced(test);
        }
        counts
    }

    /// The JS view of `table` was collected: free it unless it still holds
    /// unreported counts (then the next flush reports and frees it).
    pub fn release(&self, test: &str, table: &Arc<Table>) {
        if table.has_unreported() {
            return;
        }
        if let Some(mut tables) = self.by_test.get_mut(test) {
            tables.retain(|t| !Arc::ptr_eq(t, table));
            let empty = tables.is_empty();
            drop(tables);
            if empty {
                self.by_test.remove_if(test, |_, t| t.is_empty());
            }
        }
    }

    /// Test ids with counts not yet flushed.
    pub fn pending_tests(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .by_test
            .iter()
            .filter(|e| e.value().iter().any(|t| t.has_unreported()))
            .map(|e| e.key().clone())
            .collect();
        ids.sort();
        ids
    }

    /// Number of live tables (for tests of memory reclamation).
    pub fn table_count(&self) -> usize {
        self.by_test.iter().map(|e| e.value().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_reports_each_hit_once_and_keeps_late_hits() {
        let tables = Tables::default();
        let t = tables.create("a", 7, 3);
        t.increment(0);
        t.increment(2);
        t.increment(2);
        assert_eq!(tables.collect("a", false)[&7], vec![1, 0, 2], "peek");
        assert_eq!(tables.collect("a", true)[&7], vec![1, 0, 2], "flush");
        assert_eq!(tables.collect("a", true)[&7], vec![0, 0, 0], "nothing new");
        // A function still running after the flush keeps counting.
        t.increment(1);
        assert_eq!(tables.pending_tests(), vec!["a".to_string()]);
        assert_eq!(tables.collect("a", true)[&7], vec![0, 1, 0]);
    }

    #[test]
    fn tables_of_one_test_are_summed_and_freed_when_unreferenced() {
        let tables = Tables::default();
        let main = tables.create("t", 1, 2);
        let worker = tables.create("t", 1, 2);
        let other = tables.create("u", 1, 2);
        main.increment(0);
        worker.increment(0);
        other.increment(1);
        assert_eq!(tables.collect("t", true)[&1], vec![2, 0]);
        assert_eq!(tables.table_count(), 3, "views still held");
        drop(worker);
        tables.collect("t", true);
        assert_eq!(tables.table_count(), 2);
        tables.release("t", &main);
        drop(main);
        assert_eq!(tables.table_count(), 1);
        assert!(tables.collect("missing", true).is_empty());
    }

    #[test]
    fn a_released_table_with_unreported_counts_waits_for_the_flush() {
        let tables = Tables::default();
        let t = tables.create("t", 0, 1);
        t.increment(0);
        tables.release("t", &t);
        drop(t);
        assert_eq!(tables.pending_tests(), vec!["t".to_string()]);
        assert_eq!(tables.collect("t", true)[&0], vec![1]);
        assert_eq!(tables.table_count(), 0);
    }

    #[test]
    fn counts_survive_u32_wraparound() {
        let tables = Tables::default();
        let t = tables.create("w", 0, 1);
        t.counts()[0].store(u32::MAX, Ordering::Relaxed);
        tables.collect("w", true);
        t.increment(0);
        t.increment(0);
        assert_eq!(tables.collect("w", true)[&0], vec![2]);
    }
}
