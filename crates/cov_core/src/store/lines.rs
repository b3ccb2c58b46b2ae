//! Who covers each line of a file: for every line, the tests whose
//! statement, branch arm or function counters hit there, the data of the
//! merged HTML report's per-line test lists. The same rule as `which` on one
//! line (an entry counts on its start line), computed for all lines of a path
//! in one pass over that path's hits rows.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::which::{slot_lines, Kind};
use super::{sparse, Layout, Result, Store, StoreError};

/// What one test hit on one line, both halves together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineTest {
    /// Bit 1: the server half hit the line; bit 2: the browser half.
    pub halves: u8,
    pub statements: u32,
    pub branches: u32,
    pub functions: u32,
    /// Sum of the counts of the statements starting on the line.
    pub hits: u64,
}

pub const SERVER: u8 = 1;
pub const BROWSER: u8 = 2;

/// Per line (ascending), the tests (by name, sorted) that hit it.
pub type LineTests = BTreeMap<u32, BTreeMap<String, LineTest>>;

impl Store {
    /// Every line of `path` some test hit, with those tests. None when the
    /// store has no unit for `path`.
    pub fn line_tests(&self, path: &str) -> Result<Option<LineTests>> {
        let mut units = self.conn.prepare_cached("SELECT hash, maps, layout FROM units WHERE path = ?1")?;
        let units: Vec<(String, String, String)> =
            units.query_map([path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        if units.is_empty() {
            return Ok(None);
        }
        let mut hits = self.conn.prepare_cached(
            "SELECT tests.name, hits.part, hits.counts FROM hits JOIN tests ON tests.id = hits.test WHERE hits.unit = ?1",
        )?;
        let mut out = LineTests::new();
        for (hash, maps, layout) in units {
            let layout: Layout = serde_json::from_str(&layout).map_err(|e| StoreError(format!("unit {hash}: {e}")))?;
            let lines = slot_lines(&maps, &layout)?;
            let mut rows = hits.query(params![hash])?;
            while let Some(r) = rows.next()? {
                let (name, part, counts): (String, String, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
                let half = if part == "browser" { BROWSER } else { SERVER };
                for (slot, count) in sparse::decode(&counts)? {
                    let Some(&(kind, line, _)) = lines.get(slot as usize) else { continue };
                    if count == 0 {
                        continue;
                    }
                    let entry = out.entry(line).or_default().entry(name.clone()).or_default();
                    entry.halves |= half;
                    match kind {
                        Kind::Statement => {
                            entry.statements += 1;
                            entry.hits += count;
                        }
                        Kind::Function => entry.functions += 1,
                        Kind::Branch => entry.branches += 1,
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// `line_tests` as compact JSON (for the binding and the HTML data files):
    /// `{"tests": [name...], "lines": [[line, [[test index, halves,
    /// statements, branches, functions, hits]...]]...]}`, tests sorted.
    pub fn line_tests_json(&self, path: &str) -> Result<Option<String>> {
        let Some(lines) = self.line_tests(path)? else { return Ok(None) };
        let mut names: Vec<&String> = lines.values().flat_map(|t| t.keys()).collect();
        names.sort_unstable();
        names.dedup();
        let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let rows: Vec<(u32, Vec<[u64; 6]>)> = lines
            .iter()
            .map(|(line, tests)| {
                let entries = tests
                    .iter()
                    .map(|(name, t)| {
                        let i = index[name] as u64;
                        [i, t.halves.into(), t.statements.into(), t.branches.into(), t.functions.into(), t.hits]
                    })
                    .collect();
                (*line, entries)
            })
            .collect();
        let json = serde_json::json!({ "tests": names, "lines": rows });
        Ok(Some(json.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Istanbul file coverage of /l.js with the given counts: statements on
    /// lines 1, 2, 4 (4-5 is a function body declared on line 4), an if on
    /// line 2 with arms on lines 2 and 3.
    fn cov(s: [u64; 3], f: u64, b: [u64; 2]) -> Value {
        let at = |l: u32, c: u32| json!({"line": l, "column": c});
        let loc = |a: u32, b: u32| json!({"start": at(a, 0), "end": at(b, 9)});
        json!({"/l.js": {"path": "/l.js",
            "statementMap": {"0": loc(1, 1), "1": loc(2, 2), "2": loc(4, 5)},
            "fnMap": {"0": {"name": "g", "decl": loc(4, 4), "loc": loc(4, 5), "line": 4}},
            "branchMap": {"0": {"type": "if", "line": 2, "loc": loc(2, 3), "locations": [loc(2, 2), loc(3, 3)]}},
            "s": {"0": s[0], "1": s[1], "2": s[2]}, "f": {"0": f}, "b": {"0": b}}})
    }

    /// The tests each line belongs to, derived from the per-test maps alone:
    /// statements, the function and branch arms by their start line.
    fn expected(maps: &[(&str, Value)]) -> BTreeMap<u32, Vec<String>> {
        let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (test, map) in maps {
            let fc = &map["/l.js"];
            let mut lines = Vec::new();
            for (k, n) in fc["s"].as_object().unwrap() {
                if n.as_u64().unwrap() > 0 {
                    lines.push(fc["statementMap"][k]["start"]["line"].as_u64().unwrap() as u32);
                }
            }
            if fc["f"]["0"].as_u64().unwrap() > 0 {
                lines.push(fc["fnMap"]["0"]["loc"]["start"]["line"].as_u64().unwrap() as u32);
            }
            for (i, n) in fc["b"]["0"].as_array().unwrap().iter().enumerate() {
                if n.as_u64().unwrap() > 0 {
                    lines.push(fc["branchMap"]["0"]["locations"][i]["start"]["line"].as_u64().unwrap() as u32);
                }
            }
            lines.sort_unstable();
            lines.dedup();
            for l in lines {
                out.entry(l).or_default().push(test.to_string());
            }
        }
        for v in out.values_mut() {
            v.sort();
            v.dedup();
        }
        out
    }

    #[test]
    fn line_tests_agree_with_each_tests_map_and_with_which() {
        let dir = std::env::temp_dir().join(format!("cov-store-lines-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut store = Store::open(&dir.join("cov-als.db"), "0.0.0-test").unwrap();
        let runs = [
            ("a", "server", cov([1, 1, 0], 0, [1, 0])),
            ("b", "server", cov([2, 0, 0], 0, [0, 0])),
            ("b", "browser", cov([0, 1, 3], 3, [0, 1])),
            ("c", "browser", cov([0, 0, 1], 1, [0, 0])),
        ];
        for (test, part, map) in &runs {
            store.record_istanbul(test, part, &map.to_string()).unwrap();
        }
        let maps: Vec<(&str, Value)> = runs.iter().map(|(t, _, m)| (*t, m.clone())).collect();
        let got = store.line_tests("/l.js").unwrap().unwrap();
        let names: BTreeMap<u32, Vec<String>> = got.iter().map(|(l, t)| (*l, t.keys().cloned().collect())).collect();
        assert_eq!(names, expected(&maps));
        for line in 1..=5 {
            let which: Vec<String> =
                store.which("/l.js", line, line, false).unwrap().unwrap().into_iter().map(|c| c.test).collect();
            assert_eq!(which, names.get(&line).cloned().unwrap_or_default(), "line {line}");
        }
        // Line 2: a's statement and if arm (server), b's statement (browser);
        // line 3: the else arm, which b took in the browser.
        assert_eq!(got[&2]["a"], LineTest { halves: SERVER, statements: 1, branches: 1, functions: 0, hits: 1 });
        assert_eq!(got[&2]["b"], LineTest { halves: BROWSER, statements: 1, branches: 0, functions: 0, hits: 1 });
        assert_eq!(got[&3]["b"], LineTest { halves: BROWSER, statements: 0, branches: 1, functions: 0, hits: 0 });
        assert_eq!(got[&1]["b"], LineTest { halves: SERVER, statements: 1, branches: 0, functions: 0, hits: 2 });
        assert_eq!(got[&4]["b"].functions, 1);

        let json: Value = serde_json::from_str(&store.line_tests_json("/l.js").unwrap().unwrap()).unwrap();
        assert_eq!(json["tests"], json!(["a", "b", "c"]));
        assert_eq!(json["lines"][0], json!([1, [[0, 1, 1, 0, 0, 1], [1, 1, 1, 0, 0, 2]]]));
        assert!(store.line_tests("/nope.js").unwrap().is_none());
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
