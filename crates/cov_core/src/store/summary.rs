//! Per-test summaries of a whole run in one pass over the hits rows: for each
//! test, half (`server`, `browser`) and both together (`total`), each touched
//! path's Istanbul totals (statements, branches, functions, lines: total and
//! covered) and, for `total`, its covered lines. What `cov-als report` needs
//! for its per-test rows without exporting and parsing each test's maps.
//!
//! The totals are Istanbul's `FileCoverage#toSummary` of the exported file
//! (lines: a line is covered when a statement starting on it ran). They are
//! exact where the file coverage is one unit: `total` then adds the two
//! halves' counts slot by slot, which is what Istanbul's merge by location
//! does for two copies of the same maps. A test touching a path the store has
//! several units for (chunks, or different maps per half), or a unit with two
//! entries at one location (merge by location would fold them), is marked
//! `exact: false`: the caller computes that test with Istanbul itself.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::{sparse, Result, Store, StoreError};
use crate::unit::Layout;

/// What a summary needs of one unit, by flat slot.
struct UnitShape {
    path: String,
    statements: usize,
    functions: usize,
    arms: usize,
    /// Start line of each statement.
    statement_lines: Vec<u32>,
    /// Distinct statement start lines.
    lines: usize,
    /// Exact when it is its path's only unit and no two entries share a location.
    exact: bool,
}

/// One path's totals for one test and half: `[statements total, covered,
/// branches total, covered, functions total, covered, lines total, covered,
/// touched (1 when a statement, function or branch arm ran)]`, after the path.
#[derive(Serialize)]
pub struct FileTotals(String, [u64; 9]);

#[derive(Serialize, Default)]
pub struct TestSummary {
    pub test: String,
    pub exact: bool,
    pub server: Vec<FileTotals>,
    pub browser: Vec<FileTotals>,
    pub total: Vec<FileTotals>,
    /// Per path with a covered line (in `total`), those lines ascending.
    pub lines: Vec<(String, Vec<u32>)>,
}

fn loc_key(loc: &Value) -> String {
    let n = |a: &str, b: &str| loc[a][b].as_i64().unwrap_or(-1);
    format!("{}|{}|{}|{}", n("start", "line"), n("start", "column"), n("end", "line"), n("end", "column"))
}

fn shape(path: String, maps: &str, layout: &Layout, only_unit: bool) -> std::result::Result<UnitShape, String> {
    let v: Value = serde_json::from_str(maps).map_err(|e| format!("unit maps: {e}"))?;
    let mut distinct = true;
    let mut seen = HashSet::new();
    let statement_lines: Vec<u32> = layout
        .s
        .iter()
        .map(|k| {
            let loc = &v["statementMap"][k];
            distinct &= seen.insert(loc_key(loc));
            loc["start"]["line"].as_u64().unwrap_or(0) as u32
        })
        .collect();
    seen.clear();
    for k in &layout.f {
        distinct &= seen.insert(loc_key(&v["fnMap"][k]["loc"]));
    }
    seen.clear();
    for (k, _) in &layout.b {
        let b = &v["branchMap"][k];
        let key = b["locations"].as_array().map(|ls| ls.iter().map(loc_key).collect::<Vec<_>>().join(";"));
        distinct &= seen.insert(key.unwrap_or_else(|| loc_key(&b["loc"])));
    }
    let lines = statement_lines.iter().collect::<BTreeSet<_>>().len();
    Ok(UnitShape {
        path,
        statements: layout.s.len(),
        functions: layout.f.len(),
        arms: layout.b.iter().map(|(_, n)| *n as usize).sum(),
        statement_lines,
        lines,
        exact: only_unit && distinct,
    })
}

fn totals(u: &UnitShape, counts: &[u64]) -> [u64; 9] {
    let at = |i: usize| counts.get(i).copied().unwrap_or(0);
    let covered = |from: usize, n: usize| (from..from + n).filter(|&i| at(i) > 0).count() as u64;
    let s = covered(0, u.statements);
    let f = covered(u.statements, u.functions);
    let b = covered(u.statements + u.functions, u.arms);
    let lines: BTreeSet<u32> = (0..u.statements).filter(|&i| at(i) > 0).map(|i| u.statement_lines[i]).collect();
    [
        u.statements as u64,
        s,
        u.arms as u64,
        b,
        u.functions as u64,
        f,
        u.lines as u64,
        lines.len() as u64,
        u64::from(s + f + b > 0),
    ]
}

/// One test's dense counts by unit and half.
#[derive(Default)]
struct Collected {
    server: BTreeMap<String, Vec<u64>>,
    browser: BTreeMap<String, Vec<u64>>,
}

impl Store {
    /// Every test's summary (see the module doc), sorted by test name.
    pub fn test_summaries(&self) -> Result<Vec<TestSummary>> {
        let mut per_path: HashMap<String, usize> = HashMap::new();
        let mut rows: Vec<(String, String, String, String)> = Vec::new();
        {
            let mut stmt = self.conn.prepare("SELECT hash, path, maps, layout FROM units")?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                let row: (String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                *per_path.entry(row.1.clone()).or_default() += 1;
                rows.push(row);
            }
        }
        let mut units: HashMap<String, UnitShape> = HashMap::with_capacity(rows.len());
        for (hash, path, maps, layout) in rows {
            let layout: Layout = serde_json::from_str(&layout).map_err(|e| StoreError(format!("unit {hash}: {e}")))?;
            let only = per_path[&path] == 1;
            units.insert(hash, shape(path, &maps, &layout, only)?);
        }

        let mut names: BTreeMap<i64, String> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare("SELECT id, name FROM tests")?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                names.insert(r.get(0)?, r.get(1)?);
            }
        }
        // One test's rows at a time (the hits key starts with the test): the
        // memory is one test's counts, whatever the size of the run.
        let mut out = Vec::with_capacity(names.len());
        let mut seen = HashSet::new();
        {
            let mut stmt = self.conn.prepare("SELECT test, unit, part, counts FROM hits ORDER BY test")?;
            let mut q = stmt.query([])?;
            let mut current: Option<(i64, Collected)> = None;
            while let Some(r) = q.next()? {
                let (test, unit, part, counts): (i64, String, String, Vec<u8>) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                if current.as_ref().is_none_or(|(id, _)| *id != test) {
                    if let Some((id, c)) = current.take() {
                        out.extend(summarize_test(&units, &names, id, c)?);
                    }
                    seen.insert(test);
                    current = Some((test, Collected::default()));
                }
                let c = &mut current.as_mut().expect("set above").1;
                let half = if part == "browser" { &mut c.browser } else { &mut c.server };
                sparse::add_into(half.entry(unit).or_default(), &counts)?;
            }
            if let Some((id, c)) = current.take() {
                out.extend(summarize_test(&units, &names, id, c)?);
            }
        }
        for (id, name) in &names {
            if !seen.contains(id) {
                out.push(TestSummary { test: name.clone(), exact: true, ..Default::default() });
            }
        }
        out.sort_by(|a, b| a.test.cmp(&b.test));
        Ok(out)
    }

    /// `test_summaries` as JSON text (for the binding).
    pub fn test_summaries_json(&self) -> Result<String> {
        Ok(serde_json::to_string(&self.test_summaries()?).expect("serializes"))
    }
}

/// The summary of test `id` from its counts (None for a test id without a name).
fn summarize_test(
    units: &HashMap<String, UnitShape>,
    names: &BTreeMap<i64, String>,
    id: i64,
    c: Collected,
) -> Result<Option<TestSummary>> {
    let Some(test) = names.get(&id).cloned() else { return Ok(None) };
    let shape_of = |hash: &String| {
        units.get(hash).ok_or_else(|| StoreError(format!("run store: hits of test {test:?} name unknown unit {hash}")))
    };
    let mut summary = TestSummary { test: test.clone(), exact: true, ..Default::default() };
    for hash in c.server.keys().chain(c.browser.keys()) {
        summary.exact &= shape_of(hash)?.exact;
    }
    if !summary.exact {
        return Ok(Some(summary));
    }
    for (hash, counts) in &c.server {
        let u = shape_of(hash)?;
        summary.server.push(FileTotals(u.path.clone(), totals(u, counts)));
    }
    for (hash, counts) in &c.browser {
        let u = shape_of(hash)?;
        summary.browser.push(FileTotals(u.path.clone(), totals(u, counts)));
    }
    let mut both: BTreeMap<&String, Vec<u64>> = c.server.iter().map(|(h, v)| (h, v.clone())).collect();
    for (hash, counts) in &c.browser {
        let sum = both.entry(hash).or_default();
        if sum.len() < counts.len() {
            sum.resize(counts.len(), 0);
        }
        sum.iter_mut().zip(counts).for_each(|(a, b)| *a += b);
    }
    for (hash, counts) in both {
        let u = shape_of(hash)?;
        summary.total.push(FileTotals(u.path.clone(), totals(u, &counts)));
        let lines: BTreeSet<u32> = (0..u.statements)
            .filter(|&i| counts.get(i).is_some_and(|&n| n > 0))
            .map(|i| u.statement_lines[i])
            .collect();
        if !lines.is_empty() {
            summary.lines.push((u.path.clone(), lines.into_iter().collect()));
        }
    }
    Ok(Some(summary))
}
