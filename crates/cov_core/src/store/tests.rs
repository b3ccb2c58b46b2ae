use super::*;
use crate::coverage::{Branch, BranchKind, BranchPath, FileCoverage, Function, Location, Position, Statement};
use crate::registry::{Registration, Registry};
use crate::tables::Counts;
use serde_json::{json, Value};

fn loc(line: u32) -> Location {
    Location { start: Position { line, column: 0 }, end: Position { line, column: 4 } }
}

fn skeleton(path: &str) -> FileCoverage {
    FileCoverage {
        path: path.into(),
        statements: vec![Statement { loc: loc(1), slot: 0 }, Statement { loc: loc(2), slot: 1 }],
        functions: vec![Function { name: "f".into(), decl: loc(1), loc: loc(1), slot: 2 }],
        branches: vec![Branch {
            key: 0,
            kind: BranchKind::BinaryExpr,
            loc: loc(2),
            paths: vec![
                BranchPath { loc: Some(loc(2)), slot: 3, true_slot: Some(5) },
                BranchPath { loc: Some(loc(2)), slot: 4, true_slot: Some(6) },
            ],
        }],
        input_source_map: None,
        report_logic: true,
    }
}

fn temp_store(name: &str) -> (std::path::PathBuf, Store) {
    let dir = std::env::temp_dir().join(format!("cov-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cov-als.db");
    let store = Store::open(&path, "0.0.0-test").unwrap();
    (dir, store)
}

/// Export's array of file coverages as a map by path.
fn by_path(export: &str) -> Value {
    let arr: Vec<Value> = serde_json::from_str(export).unwrap();
    Value::Object(arr.into_iter().map(|fc| (fc["path"].as_str().unwrap().to_string(), fc)).collect())
}

fn flush(reg: &Registry, store: &mut Store, test: &str, counts: &Counts) -> String {
    let touched = reg.touched(counts);
    let units = reg.units(&|_| false);
    let hits: Vec<UnitHits> = touched.iter().map(|t| UnitHits { unit: &t.unit, counts: &t.counts }).collect();
    store.record(test, "server", &units, &hits).unwrap();
    reg.coverage_json(counts)
}

#[test]
fn export_of_a_test_equals_its_flush_and_stores_only_touched_rows() {
    let reg = Registry::default();
    let (a, b) = (reg.reserve(), reg.reserve());
    reg.register(&Registration {
        id: a,
        filename: "/a.js".into(),
        hash: "h".into(),
        counters: 7,
        files: vec![skeleton("/a.js")],
        supersedes: None,
    });
    reg.register(&Registration {
        id: b,
        filename: "/b.js".into(),
        hash: "h".into(),
        counters: 7,
        files: vec![skeleton("/b.js")],
        supersedes: None,
    });
    let (dir, mut store) = temp_store("flush");
    let mut counts = Counts::new();
    counts.insert(a, vec![1, 0, 2, 0, 3, 0, 1]);
    counts.insert(b, vec![0; 7]);
    let flushed: Value = serde_json::from_str(&flush(&reg, &mut store, "t1", &counts)).unwrap();
    let exported = by_path(&store.export(Some(&["t1".into()]), Some("server"), true).unwrap().unwrap());
    assert_eq!(exported, flushed, "export equals the flush");
    assert_eq!(exported["/a.js"]["bT"], json!({"0": [0, 1]}));
    let rows: i64 = store.conn.query_row("SELECT count(*) FROM hits", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 1, "only the touched file has a row");
    let touched_only = by_path(&store.export(Some(&["t1".into()]), None, false).unwrap().unwrap());
    assert_eq!(touched_only.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["/a.js"]);
    // A second flush adds into the row.
    flush(&reg, &mut store, "t1", &counts);
    let twice = by_path(&store.export(Some(&["t1".into()]), None, false).unwrap().unwrap());
    assert_eq!(twice["/a.js"]["s"], json!({"0": 2, "1": 0}));
    assert!(store.export(Some(&["nobody".into()]), None, true).unwrap().is_none());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn istanbul_halves_are_kept_apart_and_summed_on_demand() {
    let (dir, mut store) = temp_store("halves");
    let fc = json!({"/c.js": {
        "path": "/c.js",
        "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 3}},
                         "1": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 3}}},
        "fnMap": {}, "branchMap": {}, "s": {"0": 2, "1": 0}, "f": {}, "b": {}}});
    store.record_istanbul("t", "browser", &fc.to_string()).unwrap();
    store.record_istanbul("t", "server", &fc.to_string()).unwrap();
    store.record_istanbul("t", "server", &fc.to_string()).unwrap();
    let half = |part: Option<&str>| by_path(&store.export(Some(&["t".into()]), part, false).unwrap().unwrap());
    assert_eq!(half(Some("browser"))["/c.js"]["s"], json!({"0": 2, "1": 0}));
    assert_eq!(half(Some("server"))["/c.js"]["s"], json!({"0": 4, "1": 0}));
    assert_eq!(half(None)["/c.js"]["s"], json!({"0": 6, "1": 0}), "same unit: summed");
    assert_eq!(half(None)["/c.js"]["statementMap"], fc["/c.js"]["statementMap"]);
    assert_eq!(store.tests().unwrap(), vec!["t".to_string()]);
    let err = store.record_istanbul("t", "server", r#"{"/x.js": {"path": "/x.js"}}"#).unwrap_err();
    assert!(err.0.contains("no statementMap"), "{err}");
    assert!(store.record_istanbul("t", "client", "{}").unwrap_err().0.contains("part must be"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn another_version_fails_naming_both() {
    let (dir, store) = temp_store("version");
    let path = std::path::PathBuf::from(store.path());
    drop(store);
    let err = Store::open(&path, "9.9.9").err().expect("version mismatch").0;
    assert!(err.contains("0.0.0-test") && err.contains("9.9.9") && err.contains("schema 1"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn merging_two_shards_equals_one_store_of_both() {
    let (d1, mut one) = temp_store("shard1");
    let (d2, mut two) = temp_store("shard2");
    let (d3, mut both) = temp_store("both");
    let cov = |n: u64| {
        json!({"/d.js": {"path": "/d.js",
            "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 3}}},
            "fnMap": {}, "branchMap": {}, "s": {"0": n}, "f": {}, "b": {}}})
        .to_string()
    };
    one.record_istanbul("a", "server", &cov(1)).unwrap();
    two.record_istanbul("a", "server", &cov(2)).unwrap();
    two.record_istanbul("b", "browser", &cov(5)).unwrap();
    for (t, p, n) in [("a", "server", 1), ("a", "server", 2), ("b", "browser", 5)] {
        both.record_istanbul(t, p, &cov(n)).unwrap();
    }
    one.merge_from(&two).unwrap();
    assert_eq!(one.tests().unwrap(), both.tests().unwrap());
    for t in ["a", "b"] {
        let names = [t.to_string()];
        assert_eq!(one.export(Some(&names), None, true).unwrap(), both.export(Some(&names), None, true).unwrap());
    }
    for d in [d1, d2, d3] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn which_names_the_tests_that_ran_a_line_by_half() {
    let (dir, mut store) = temp_store("which");
    let cov = |s0: u64, s1: u64| {
        json!({"/w.js": {"path": "/w.js",
            "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 3}},
                             "1": {"start": {"line": 3, "column": 0}, "end": {"line": 4, "column": 1}}},
            "fnMap": {"0": {"name": "f", "decl": {"start": {"line": 3, "column": 0}, "end": {"line": 3, "column": 1}},
                            "loc": {"start": {"line": 3, "column": 0}, "end": {"line": 4, "column": 1}}, "line": 3}},
            "branchMap": {}, "s": {"0": s0, "1": s1}, "f": {"0": s1}, "b": {}}})
        .to_string()
    };
    store.record_istanbul("only line 1", "server", &cov(2, 0)).unwrap();
    store.record_istanbul("both", "server", &cov(1, 1)).unwrap();
    store.record_istanbul("both", "browser", &cov(0, 4)).unwrap();
    let names = |v: Vec<which::Coverer>| v.into_iter().map(|c| c.test).collect::<Vec<_>>();
    assert_eq!(names(store.which("/w.js", 1, 1, false).unwrap().unwrap()), vec!["both", "only line 1"]);
    let line3 = store.which("/w.js", 3, 3, false).unwrap().unwrap();
    assert_eq!(line3.len(), 1);
    let server = line3[0].server.clone().unwrap();
    assert_eq!((server.statements, server.functions, server.lines.clone()), (1, 1, vec![3]));
    assert_eq!(line3[0].browser.clone().unwrap().hits, 4);
    assert!(store.which("/w.js", 2, 2, false).unwrap().unwrap().is_empty(), "no statement starts on line 2");
    // Line 4 is inside the function and statement 1 (lines 3-4): a change there touches them.
    assert!(store.which("/w.js", 4, 4, false).unwrap().unwrap().is_empty());
    let inside = store.which("/w.js", 4, 4, true).unwrap().unwrap();
    assert_eq!(names(inside.clone()), vec!["both"]);
    assert_eq!(inside[0].server.clone().unwrap().functions, 1);
    assert!(store.which("/nope.js", 1, 9, false).unwrap().is_none());
    assert_eq!(store.paths().unwrap(), vec!["/w.js".to_string()]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn redundant_tests_hit_nothing_that_no_other_test_hits() {
    let (dir, mut store) = temp_store("redundant");
    let cov = |s0: u64, s1: u64, s2: u64| {
        let st = |l: u32| json!({"start": {"line": l, "column": 0}, "end": {"line": l, "column": 3}});
        json!({"/r.js": {"path": "/r.js", "statementMap": {"0": st(1), "1": st(2), "2": st(3)},
            "fnMap": {}, "branchMap": {}, "s": {"0": s0, "1": s1, "2": s2}, "f": {}, "b": {}}})
        .to_string()
    };
    store.record_istanbul("wide", "server", &cov(1, 1, 0)).unwrap();
    store.record_istanbul("narrow", "server", &cov(5, 0, 0)).unwrap();
    store.record_istanbul("narrow", "browser", &cov(1, 0, 0)).unwrap();
    store.record_istanbul("own line", "server", &cov(0, 1, 1)).unwrap();
    store.record_istanbul("startup", "server", &cov(0, 0, 1)).unwrap();
    let found = store.redundant(&["startup".to_string()]).unwrap();
    // wide: line 2 is also own line's, line 1 also narrow's -> redundant too.
    assert_eq!(found.iter().map(|r| r.test.as_str()).collect::<Vec<_>>(), vec!["narrow", "wide"]);
    assert_eq!(found[0].counters, 2, "one counter in each half");
    // With startup covering line 3, own line adds nothing either.
    assert_eq!(store.redundant(&[]).unwrap().len(), 4);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn processes_opening_a_new_store_at_once_all_open_it() {
    // Cluster workers' first flushes open a fresh store together: neither the
    // switch to WAL nor the schema and version check may fail one of them with
    // "database is locked". Threads with a connection each lock the file as
    // processes do (SQLite's unix locks are shared per inode within a process).
    for round in 0..20 {
        let dir = std::env::temp_dir().join(format!("cov-store-open-race-{}-{round}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cov-als.db");
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let opened: Vec<_> = (0..4)
            .map(|_| {
                let (path, start) = (path.clone(), std::sync::Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    Store::open(&path, "0.0.0-test").map(|_| ())
                })
            })
            .collect();
        for t in opened {
            if let Err(e) = t.join().unwrap() {
                panic!("round {round}: {}", e.0);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// One original file compiled into two chunks, as webpack and Next do: chunk
/// "a" holds lines 5-6 of it, chunk "b" lines 1-2 and 5-6 again (statements,
/// a function and a branch on each), in its own slot order.
fn chunk(name: &str) -> FileCoverage {
    let span = |from: u32, to: u32| Location {
        start: Position { line: from, column: 2 },
        end: Position { line: to, column: 9 },
    };
    let function = |line: u32, slot: u32| Function {
        name: "(anonymous_0)".into(),
        decl: loc(line),
        loc: span(line, line + 1),
        slot,
    };
    let branch = |line: u32, key: u32, slot: u32| Branch {
        key,
        kind: BranchKind::If,
        loc: span(line, line + 1),
        paths: vec![
            BranchPath { loc: Some(loc(line)), slot, true_slot: None },
            BranchPath { loc: None, slot: slot + 1, true_slot: None },
        ],
    };
    let statement = |line: u32, slot: u32| Statement { loc: loc(line), slot };
    let (statements, functions, branches) = match name {
        "a" => (vec![statement(6, 0), statement(5, 1)], vec![function(5, 2)], vec![branch(6, 0, 3)]),
        _ => (
            vec![statement(2, 0), statement(1, 1), statement(5, 2), statement(6, 3)],
            vec![function(5, 4), function(1, 5)],
            vec![branch(6, 0, 6), branch(2, 1, 8)],
        ),
    };
    FileCoverage {
        path: "/src/page.tsx".into(),
        statements,
        functions,
        branches,
        input_source_map: None,
        report_logic: false,
    }
}

/// A registry that loaded the chunks in `order`, and the counts of one test
/// that ran each chunk's code (the same calls whatever the order).
fn loaded(order: &[&str]) -> (Registry, Counts) {
    let reg = Registry::default();
    let mut counts = Counts::new();
    for name in order {
        let id = reg.reserve();
        let fc = chunk(name);
        let slots = if *name == "a" { 5 } else { 10 };
        reg.register(&Registration {
            id,
            filename: format!("/out/{name}.js"),
            hash: "h".into(),
            counters: slots,
            files: vec![fc.clone()],
            supersedes: None,
        });
        counts.insert(id, if *name == "a" { vec![1, 2, 2, 0, 1] } else { vec![3, 3, 0, 4, 0, 3, 4, 0, 1, 2] });
    }
    (reg, counts)
}

#[test]
fn ids_of_a_file_in_several_chunks_do_not_depend_on_load_order() {
    let (ab, ab_counts) = loaded(&["a", "b"]);
    let (ba, ba_counts) = loaded(&["b", "a"]);
    let ab_json: Value = serde_json::from_str(&ab.coverage_json(&ab_counts)).unwrap();
    assert_eq!(ab.coverage_json(&ab_counts), ba.coverage_json(&ba_counts), "the same report, id for id");
    let page = &ab_json["/src/page.tsx"];
    let lines = |map: &Value| {
        map.as_object().unwrap().values().map(|l| l["start"]["line"].as_u64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(lines(&page["statementMap"]), vec![1, 2, 5, 6], "statements by location");
    assert_eq!(page["s"], json!({"0": 3, "1": 3, "2": 2, "3": 1 + 4}));
    assert_eq!(page["fnMap"]["0"]["name"], "(anonymous_0)");
    assert_eq!(
        (page["fnMap"]["0"]["decl"]["start"]["line"].as_u64(), page["fnMap"]["1"]["name"].as_str()),
        (Some(1), Some("(anonymous_1)"))
    );
    assert_eq!(page["f"], json!({"0": 3, "1": 2}));
    assert_eq!(page["b"], json!({"0": [1, 2], "1": [4, 1]}), "line 2's branch, then line 6's of both chunks");

    // Stores of the two runs hold one unit, and merge as one store of both runs.
    let (d1, mut one) = temp_store("order-ab");
    let (d2, mut two) = temp_store("order-ba");
    flush(&ab, &mut one, "t", &ab_counts);
    flush(&ba, &mut two, "t", &ba_counts);
    let names = ["t".to_string()];
    assert_eq!(one.export(Some(&names), None, true).unwrap(), two.export(Some(&names), None, true).unwrap());
    one.merge_from(&two).unwrap();
    let units: i64 = one.conn.query_row("SELECT count(*) FROM units", [], |r| r.get(0)).unwrap();
    assert_eq!(units, 1, "both runs stored the same unit");
    let merged = by_path(&one.export(Some(&names), None, true).unwrap().unwrap());
    fn twice(v: &Value) -> Value {
        match v {
            Value::Number(n) => json!(n.as_u64().unwrap() * 2),
            Value::Array(a) => Value::Array(a.iter().map(twice).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), twice(v))).collect()),
            other => other.clone(),
        }
    }
    for counter in ["s", "f", "b"] {
        assert_eq!(
            merged["/src/page.tsx"][counter],
            twice(&page[counter]),
            "{counter}: each run's counts, added id for id"
        );
    }
    for d in [d1, d2] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
