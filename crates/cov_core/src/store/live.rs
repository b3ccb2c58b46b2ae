//! What live arenas already reported: `marks(arena, tbl, counts)` holds, per
//! table of an arena, the counts as of the last flush that reported it;
//! `arenas(name, state, ...)` the arenas that are finished ("recovered" after
//! their process died, "closed" when it exited cleanly), whose marks are
//! gone. Flushes write hits and marks in one transaction, so a kill at any
//! instant leaves both or neither: recovery (counts − marks) is exactly-once.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::{sparse, Result, Store, StoreError, UnitHits};
use crate::unit::Unit;

/// A finished arena, as `arenas` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArenaState {
    pub name: String,
    pub state: String,
    pub tables: u64,
    pub counts: u64,
    pub problems: Vec<String>,
}

/// One transaction over hits, marks and arenas.
pub struct LiveTx<'a> {
    tx: Transaction<'a>,
}

impl Store {
    /// A write transaction (takes the store's write lock until commit).
    pub fn live_write(&mut self) -> Result<LiveTx<'_>> {
        Ok(LiveTx { tx: self.conn.transaction_with_behavior(TransactionBehavior::Immediate)? })
    }

    /// A read transaction (peeks).
    pub fn live_read(&mut self) -> Result<LiveTx<'_>> {
        Ok(LiveTx { tx: self.conn.transaction_with_behavior(TransactionBehavior::Deferred)? })
    }

    /// The finished arenas, by name.
    pub fn arena_states(&self) -> Result<Vec<ArenaState>> {
        let mut stmt = self.conn.prepare("SELECT name, state, tables, counts, problems FROM arenas ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            let problems: String = r.get(4)?;
            Ok(ArenaState {
                name: r.get(0)?,
                state: r.get(1)?,
                tables: r.get::<_, i64>(2)? as u64,
                counts: r.get::<_, i64>(3)? as u64,
                problems: serde_json::from_str(&problems).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Rows of `marks` (for tests and disk-use figures).
    pub fn mark_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM marks", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

impl LiveTx<'_> {
    /// Names of finished arenas: nothing of theirs may be reported again.
    pub fn done_arenas(&self) -> Result<HashSet<String>> {
        let mut stmt = self.tx.prepare_cached("SELECT name FROM arenas")?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<HashSet<_>>>()?;
        Ok(names)
    }

    /// The counts of `arena`'s table `table` already reported, if any were.
    pub fn mark(&self, arena: &str, table: u32) -> Result<Option<Vec<u32>>> {
        let mut stmt = self.tx.prepare_cached("SELECT counts FROM marks WHERE arena = ?1 AND tbl = ?2")?;
        let Some(bytes) = stmt.query_row(params![arena, table], |r| r.get::<_, Vec<u8>>(0)).optional()? else {
            return Ok(None);
        };
        let mut dense = Vec::new();
        sparse::add_into(&mut dense, &bytes)?;
        Ok(Some(dense.into_iter().map(|c| c as u32).collect()))
    }

    /// Remember `counts` as reported for `arena`'s table `table`.
    pub fn set_mark(&self, arena: &str, table: u32, counts: &[u32]) -> Result<()> {
        let wide: Vec<u64> = counts.iter().map(|c| *c as u64).collect();
        let mut stmt = self.tx.prepare_cached("INSERT OR REPLACE INTO marks VALUES (?1, ?2, ?3)")?;
        stmt.execute(params![arena, table, sparse::encode(&wide)])?;
        Ok(())
    }

    /// Add units (server half) and a test's hits.
    pub fn record(&self, test: &str, units: &[Unit], hits: &[UnitHits]) -> Result<()> {
        Store::insert_units(&self.tx, units, "server")?;
        let id = Store::test_id(&self.tx, test)?;
        Store::add_hits(&self.tx, id, "server", hits)
    }

    /// Add units (server half) without hits.
    pub fn record_units(&self, units: &[Unit]) -> Result<()> {
        Store::insert_units(&self.tx, units, "server")
    }

    /// Record `arena` as finished (`state`: "recovered" or "closed") and drop its marks.
    pub fn finish_arena(&self, arena: &str, state: &str, tables: u64, counts: u64, problems: &[String]) -> Result<()> {
        let problems = serde_json::to_string(problems).map_err(|e| StoreError(e.to_string()))?;
        self.tx.execute(
            "INSERT OR REPLACE INTO arenas VALUES (?1, ?2, ?3, ?4, ?5)",
            params![arena, state, tables as i64, counts as i64, problems],
        )?;
        self.tx.execute("DELETE FROM marks WHERE arena = ?1", [arena])?;
        Ok(())
    }

    pub fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}
