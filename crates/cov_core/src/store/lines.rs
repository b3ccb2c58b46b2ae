//! Who covers each line of a file: for every line, the tests whose
//! statement, branch arm or function counters hit there, the data of the
//! merged HTML report's per-line test lists. The same rule as `which` on one
//! line (a statement or arm counts on its start line, a function on the lines
//! from its declaration to the start of its body), computed for all lines of
//! a path in one pass over that path's hits rows.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::which::{Kind, SlotLines};
use super::{sparse, Result, Store};

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

/// Per line, by test index into `names` (unsorted), what each test hit.
struct Collected {
    names: Vec<String>,
    lines: BTreeMap<u32, BTreeMap<u32, LineTest>>,
}

impl Store {
    fn collect_line_tests(&self, path: &str) -> Result<Option<Collected>> {
        let mut out = Collected { names: Vec::new(), lines: BTreeMap::new() };
        let mut index: HashMap<String, u32> = HashMap::new();
        let found = self.for_each_hits_row(path, |lines, name, part, counts| {
            let half = if part == "browser" { BROWSER } else { SERVER };
            let test = *index.entry(name).or_insert_with_key(|name| {
                out.names.push(name.clone());
                out.names.len() as u32 - 1
            });
            for (slot, count) in sparse::decode(counts)? {
                let Some(&SlotLines { kind, start, on_end, .. }) = lines.get(slot as usize) else { continue };
                if count == 0 {
                    continue;
                }
                for line in start..=on_end {
                    let entry = out.lines.entry(line).or_default().entry(test).or_default();
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
            Ok(())
        })?;
        Ok(found.then_some(out))
    }

    /// Every line of `path` some test hit, with those tests. None when the
    /// store has no unit for `path`.
    pub fn line_tests(&self, path: &str) -> Result<Option<LineTests>> {
        let Some(c) = self.collect_line_tests(path)? else { return Ok(None) };
        let by_name =
            |tests: BTreeMap<u32, LineTest>| tests.into_iter().map(|(i, t)| (c.names[i as usize].clone(), t)).collect();
        Ok(Some(c.lines.into_iter().map(|(line, tests)| (line, by_name(tests))).collect()))
    }

    /// `line_tests` in the compact form of the binding and the HTML data
    /// files: the test names (sorted) and, as JSON text, `[[line, [[test
    /// index, halves, statements, branches, functions, hits]...]]...]`.
    pub fn line_tests_compact(&self, path: &str) -> Result<Option<CompactLineTests>> {
        let Some(c) = self.collect_line_tests(path)? else { return Ok(None) };
        // Indices into the names sorted.
        let mut order: Vec<u32> = (0..c.names.len() as u32).collect();
        order.sort_unstable_by(|a, b| c.names[*a as usize].cmp(&c.names[*b as usize]));
        let mut rank = vec![0u64; order.len()];
        for (r, i) in order.iter().enumerate() {
            rank[*i as usize] = r as u64;
        }
        let rows: Vec<(u32, Vec<[u64; 6]>)> = c
            .lines
            .iter()
            .map(|(line, tests)| {
                let mut entries: Vec<[u64; 6]> = tests
                    .iter()
                    .map(|(i, t)| {
                        [
                            rank[*i as usize],
                            t.halves.into(),
                            t.statements.into(),
                            t.branches.into(),
                            t.functions.into(),
                            t.hits,
                        ]
                    })
                    .collect();
                entries.sort_unstable_by_key(|e| e[0]);
                (*line, entries)
            })
            .collect();
        let lines = serde_json::to_string(&rows).expect("serializes");
        let tests = order.into_iter().map(|i| c.names[i as usize].clone()).collect();
        Ok(Some(CompactLineTests { tests, lines }))
    }
}

/// See `Store::line_tests_compact`.
pub struct CompactLineTests {
    pub tests: Vec<String>,
    pub lines: String,
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
        // c first: the store's own order of tests is not the names' order.
        let runs = [
            ("c", "browser", cov([0, 0, 1], 1, [0, 0])),
            ("a", "server", cov([1, 1, 0], 0, [1, 0])),
            ("b", "server", cov([2, 0, 0], 0, [0, 0])),
            ("b", "browser", cov([0, 1, 3], 3, [0, 1])),
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

        let compact = store.line_tests_compact("/l.js").unwrap().unwrap();
        assert_eq!(compact.tests, vec!["a", "b", "c"]);
        let lines: Value = serde_json::from_str(&compact.lines).unwrap();
        assert_eq!(lines[0], json!([1, [[0, 1, 1, 0, 0, 1], [1, 1, 1, 0, 0, 2]]]));
        // Line 4: b's and c's statement and function, in the browser, by sorted index.
        assert_eq!(lines[3], json!([4, [[1, 2, 1, 0, 1, 3], [2, 2, 1, 0, 1, 1]]]));
        assert!(store.line_tests("/nope.js").unwrap().is_none());
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// `{products.map((p) => (` on line 18 of a JSX return (the statement
    /// starts on line 13), the arrow's body on lines 19-21: the arrow is
    /// declared on 18, where no statement starts.
    fn arrow(s: [u64; 2], f: u64) -> Value {
        let at = |l: u32, c: u32| json!({"line": l, "column": c});
        let span = |a: (u32, u32), b: (u32, u32)| json!({"start": at(a.0, a.1), "end": at(b.0, b.1)});
        json!({"/p.tsx": {"path": "/p.tsx",
            "statementMap": {"0": span((13, 2), (27, 3)), "1": span((19, 10), (21, 15))},
            "fnMap": {"0": {"name": "(anonymous_0)", "decl": span((18, 23), (18, 24)), "loc": span((19, 10), (21, 15)), "line": 18}},
            "branchMap": {}, "s": {"0": s[0], "1": s[1]}, "f": {"0": f}, "b": {}}})
    }

    #[test]
    fn a_called_function_is_on_its_declaration_line_and_where_its_body_starts() {
        let dir = std::env::temp_dir().join(format!("cov-store-arrow-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut store = Store::open(&dir.join("cov-als.db"), "0.0.0-test").unwrap();
        store.record_istanbul("render", "server", &arrow([1, 3], 3).to_string()).unwrap();
        store.record_istanbul("empty list", "server", &arrow([1, 0], 0).to_string()).unwrap();
        let which = |from: u32, to: u32, spans: bool| -> Vec<(String, u32)> {
            let found = store.which("/p.tsx", from, to, spans).unwrap().unwrap();
            found.into_iter().map(|c| (c.test, c.server.unwrap().functions)).collect()
        };
        // Line 18: the arrow's declaration only; only the test that called it.
        assert_eq!(which(18, 18, false), vec![("render".to_string(), 1)]);
        assert_eq!(which(19, 19, false), vec![("render".to_string(), 1)], "where its body starts");
        assert!(which(20, 20, false).is_empty(), "inside the body, no entry starts");
        // A change inside it touches it (and the return statement around it).
        assert_eq!(which(20, 20, true), vec![("empty list".to_string(), 0), ("render".to_string(), 1)]);
        assert_eq!(which(13, 13, false), vec![("empty list".to_string(), 0), ("render".to_string(), 0)]);
        let lines = store.line_tests("/p.tsx").unwrap().unwrap();
        assert_eq!(
            lines[&18].get("render"),
            Some(&LineTest { halves: SERVER, statements: 0, branches: 0, functions: 1, hits: 0 })
        );
        assert_eq!(lines[&18].len(), 1);
        assert_eq!(
            lines[&19]["render"],
            LineTest { halves: SERVER, statements: 1, branches: 0, functions: 1, hits: 3 }
        );
        assert_eq!(lines.keys().copied().collect::<Vec<_>>(), vec![13, 18, 19]);
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
