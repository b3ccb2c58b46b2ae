//! Who covers these lines: the tests whose counters hit a statement, branch
//! arm or function of one file within a line range, read from the units of
//! that path and the hits rows of those units (indexed, so the cost is that
//! file's rows, not the run's).

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;
use serde_json::Value;

use super::{sparse, Result, Store, StoreError};
use crate::unit::Layout;

/// What a test hit in the range, in one half.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Half {
    /// Statements starting in the range with a count (Istanbul's line coverage).
    pub statements: u32,
    pub branches: u32,
    pub functions: u32,
    /// Lines of the range whose statements ran, ascending.
    pub lines: Vec<u32>,
    /// Sum of the counts of those statements.
    pub hits: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverer {
    pub test: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Half>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<Half>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Statement,
    Function,
    Branch,
}

/// Where one flat slot of a unit is, in lines.
#[derive(Clone, Copy)]
pub(super) struct SlotLines {
    pub kind: Kind,
    /// Its first line.
    pub start: u32,
    /// The last line it is "on": a statement or branch arm is on its start
    /// line (Istanbul's line coverage); a function on the lines from its
    /// declaration to where its body starts (`(p) => (` on one line and the
    /// body on the next is on both).
    pub on_end: u32,
    /// Its last line (what a change inside it touches).
    pub end: u32,
}

/// The lines of each flat slot of a unit, and its kind.
pub(super) fn slot_lines(maps: &str, layout: &Layout) -> std::result::Result<Vec<SlotLines>, String> {
    let v: Value = serde_json::from_str(maps).map_err(|e| format!("unit maps: {e}"))?;
    let line = |loc: Option<&Value>, end: &str| loc.and_then(|l| l[end]["line"].as_u64()).map(|n| n as u32);
    let span = |kind: Kind, loc: Option<&Value>| {
        let start = line(loc, "start").unwrap_or(0);
        SlotLines { kind, start, on_end: start, end: line(loc, "end").unwrap_or(0).max(start) }
    };
    let mut out = Vec::with_capacity(layout.counters());
    for k in &layout.s {
        out.push(span(Kind::Statement, v["statementMap"].get(k)));
    }
    for k in &layout.f {
        let f = &v["fnMap"][k];
        let (decl, body) = (f.get("decl"), f.get("loc"));
        let mut s = span(Kind::Function, body.or(decl));
        // Istanbul's `decl` is the name (or the function's first character),
        // `loc` the body: the function is declared from the one to the other.
        if let Some(d) = line(decl, "start").filter(|d| *d > 0) {
            let body_start = s.start;
            s.start = s.start.min(d);
            s.on_end = body_start.max(d);
            s.end = s.end.max(s.on_end);
        }
        out.push(s);
    }
    for (k, n) in &layout.b {
        let b = &v["branchMap"][k];
        for i in 0..*n as usize {
            // An arm without a location (the implicit else) counts on the branch's line.
            let arm = b["locations"].get(i).filter(|l| l["start"]["line"].is_u64());
            out.push(span(Kind::Branch, arm.or(b.get("loc"))));
        }
    }
    Ok(out)
}

impl Store {
    /// Paths the store has units for, sorted.
    pub fn paths(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT DISTINCT path FROM units ORDER BY path")?;
        let paths = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(paths)
    }

    /// The tests that hit something of `path` on lines `from..=to`, sorted by
    /// name. A statement or branch arm is on the line where it starts
    /// (Istanbul's line coverage), a function on the lines from its
    /// declaration to the start of its body (`SlotLines::on_end`); with
    /// `spans`, an entry is wherever its location overlaps the range (what a
    /// change inside it touches). None when the store has no unit for `path`.
    pub fn which(&self, path: &str, from: u32, to: u32, spans: bool) -> Result<Option<Vec<Coverer>>> {
        let mut by_test: BTreeMap<String, Coverer> = BTreeMap::new();
        let found = self.for_each_hits_row(path, |lines, name, part, counts| {
            let mut half = Half::default();
            for (slot, count) in sparse::decode(counts)? {
                let Some(&SlotLines { kind, start, on_end, end }) = lines.get(slot as usize) else { continue };
                let end = if spans { end } else { on_end };
                if count == 0 || end < from || start > to {
                    continue;
                }
                let line = start.clamp(from, to);
                match kind {
                    Kind::Statement => {
                        half.statements += 1;
                        half.hits += count;
                        half.lines.push(line);
                    }
                    Kind::Function => half.functions += 1,
                    Kind::Branch => half.branches += 1,
                }
            }
            if half.statements + half.functions + half.branches == 0 {
                return Ok(());
            }
            let entry = by_test.entry(name.clone()).or_insert_with(|| Coverer { test: name, ..Default::default() });
            let slot = if part == "browser" { &mut entry.browser } else { &mut entry.server };
            let merged = slot.get_or_insert_with(Half::default);
            merged.statements += half.statements;
            merged.functions += half.functions;
            merged.branches += half.branches;
            merged.hits += half.hits;
            merged.lines.extend(half.lines);
            merged.lines.sort_unstable();
            merged.lines.dedup();
            Ok(())
        })?;
        Ok(found.then(|| by_test.into_values().collect()))
    }

    /// Calls `row` with each hits row of `path`'s units: the unit's slot
    /// lines, the test's name, the half and the sparse counts. False when
    /// the store has no unit for `path`. (`which` and `line_tests` read the
    /// same rows, through the `path` and `unit` indexes.)
    pub(super) fn for_each_hits_row(
        &self,
        path: &str,
        mut row: impl FnMut(&[SlotLines], String, &str, &[u8]) -> Result<()>,
    ) -> Result<bool> {
        let mut units = self.conn.prepare_cached("SELECT hash, maps, layout FROM units WHERE path = ?1")?;
        let units: Vec<(String, String, String)> =
            units.query_map([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        if units.is_empty() {
            return Ok(false);
        }
        let mut hits = self.conn.prepare_cached(
            "SELECT tests.name, hits.part, hits.counts FROM hits JOIN tests ON tests.id = hits.test WHERE hits.unit = ?1",
        )?;
        for (hash, maps, layout) in units {
            let layout: Layout = serde_json::from_str(&layout).map_err(|e| StoreError(format!("unit {hash}: {e}")))?;
            let lines = slot_lines(&maps, &layout)?;
            let mut rows = hits.query(params![hash])?;
            while let Some(r) = rows.next()? {
                let (name, part, counts): (String, String, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
                row(&lines, name, &part, &counts)?;
            }
        }
        Ok(true)
    }

    /// `which` as JSON text (for the binding).
    pub fn which_json(&self, path: &str, from: u32, to: u32, spans: bool) -> Result<Option<String>> {
        Ok(self.which(path, from, to, spans)?.map(|v| serde_json::to_string(&v).expect("serializes")))
    }
}
