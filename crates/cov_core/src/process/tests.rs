use std::fs;
use std::path::PathBuf;

use super::*;
use crate::store::STORE_FILE;

const VERSION: &str = "0.0.0-test";

fn run_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cov-als-process-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Instrument a two-statement file into `p` and count its first statement for `test`.
fn count_one(p: &Process, test: &str) -> u32 {
    let out =
        p.instrument("let a = 1;\nlet b = 2;\n", "/src/app.js", &InstrumentOptions::default(), None).unwrap().unwrap();
    let id = out.file_id.expect("the server form registers");
    let table = p.tables.create(test, id, p.registry.file(id).unwrap().counters);
    table.increment(0);
    id
}

fn db_of(dir: &std::path::Path) -> String {
    dir.join(STORE_FILE).to_string_lossy().into_owned()
}

#[test]
fn a_store_flush_writes_the_test_and_answers_its_counts() {
    let dir = run_dir("flush");
    let p = Process::new(VERSION);
    count_one(&p, "t");
    let db = db_of(&dir);
    let answer = p.store_flush(&db, "t", true);
    assert_eq!((answer.error.as_deref(), answer.units.as_deref()), (None, None));
    let map: serde_json::Value = serde_json::from_str(&answer.coverage).unwrap();
    assert_eq!(map["/src/app.js"]["s"]["0"], 1);
    assert_eq!(p.with_store(&db, |s| s.tests()).unwrap(), vec!["t".to_string()]);
    assert_eq!(p.store_flush(&db, "t", true).coverage, "{}", "flushed counts are not answered twice");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_replaced_store_file_is_reopened() {
    let dir = run_dir("replaced");
    let p = Process::new(VERSION);
    let db = db_of(&dir);
    count_one(&p, "before");
    p.store_flush(&db, "before", false);
    fs::remove_dir_all(&dir).unwrap();
    fs::create_dir_all(&dir).unwrap();
    let tables = p.tables.create("after", 0, 2);
    tables.increment(1);
    let answer = p.store_flush(&db, "after", false);
    assert_eq!(answer.error, None);
    assert_eq!(p.with_store(&db, |s| s.tests()).unwrap(), vec!["after".to_string()], "a new file, not the deleted one");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_store_error_keeps_the_counts_in_the_answer() {
    let dir = run_dir("unwritable");
    let p = Process::new(VERSION);
    count_one(&p, "t");
    let db = dir.join("missing").join(STORE_FILE).to_string_lossy().into_owned();
    let answer = p.store_flush(&db, "t", false);
    assert!(answer.error.unwrap().starts_with("cov-als-native: cannot open run store"));
    let map: serde_json::Value = serde_json::from_str(&answer.coverage).unwrap();
    assert_eq!(map["/src/app.js"]["s"]["0"], 1);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_live_run_flushes_into_its_store_and_closes_its_arena() {
    let dir = run_dir("live");
    let p = Process::new(VERSION);
    assert!(p.live_flush("t", Mode::Flush, false).is_none(), "no live run yet");
    let arena = p.live_open(dir.to_str().unwrap());
    if cfg!(target_os = "linux") {
        assert!(arena.unwrap().starts_with(&*dir.join(live::LIVE_DIR).to_string_lossy()));
    }
    count_one(&p, "t");
    assert_eq!(p.live_pending(), vec!["t".to_string()]);
    let peek = p.live_flush("t", Mode::Peek, true).unwrap();
    assert!(peek.coverage.contains("/src/app.js"));
    // A store flush naming the live run's store goes through the live run.
    let flushed = p.store_flush(&db_of(&dir), "t", true);
    assert_eq!((flushed.coverage, flushed.error), (peek.coverage, None));
    assert!(p.live_pending().is_empty());
    let closed = p.live_close().unwrap().unwrap();
    assert_eq!(closed.counts, 0, "everything was flushed");
    assert!(p.live_recover(dir.to_str().unwrap(), false).unwrap().is_empty(), "a clean close leaves no arena");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_flush_modes_are_named_as_the_js_side_names_them() {
    assert_eq!("reset".parse::<Mode>(), Ok(Mode::Reset));
    assert_eq!("drop".parse::<Mode>(), Err("unknown live flush mode \"drop\"".to_string()));
}
