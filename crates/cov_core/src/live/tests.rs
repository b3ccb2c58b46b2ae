use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use super::*;
use crate::arena::Arena;
use crate::coverage::{FileCoverage, Location, Position, Statement};
use crate::registry::Registration;

const VERSION: &str = "test-version";

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cov-als-live-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn skeleton() -> FileCoverage {
    let loc = |line| Location { start: Position { line, column: 0 }, end: Position { line, column: 5 } };
    FileCoverage {
        path: "/src/app.js".into(),
        statements: (0..3).map(|i| Statement { loc: loc(i + 1), slot: i }).collect(),
        ..Default::default()
    }
}

/// One simulated process: its registry, tables and arena in `out`.
struct Process {
    registry: Registry,
    tables: Tables,
    arena: Arc<Arena>,
}

impl Process {
    fn start(out: &Path) -> Self {
        let registry = Registry::default();
        let tables = Tables::default();
        let arena = Arc::new(Arena::create(&out.join(LIVE_DIR), VERSION).unwrap());
        tables.set_arena(Some(Arc::clone(&arena)));
        let id = registry.reserve();
        let file = Registration {
            id,
            filename: "/src/app.js".into(),
            hash: "h".into(),
            counters: 3,
            files: vec![skeleton()],
            supersedes: None,
        };
        registry.register(&file);
        arena.append_file(&file).unwrap();
        Self { registry, tables, arena }
    }

    fn hit(&self, test: &str, slots: &[usize]) -> Arc<crate::tables::Table> {
        let t = self.tables.create(test, 0, 3);
        for s in slots {
            t.increment(*s);
        }
        t
    }
}

fn statements(store: &Store, test: &str) -> Vec<u64> {
    let json = store.export(Some(&[test.to_string()]), Some("server"), false).unwrap();
    let Some(json) = json else { return vec![] };
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let Some(fc) = v.as_array().unwrap().first() else { return vec![] };
    (0..3).map(|i| fc["s"][i.to_string()].as_u64().unwrap()).collect()
}

#[test]
fn a_flush_gathers_every_arena_of_the_run_once() {
    let out = tmp("gather");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let (a, b) = (Process::start(&out), Process::start(&out));
    let _ta = a.hit("t", &[0, 1]);
    let tb = b.hit("t", &[0, 2, 2]);
    let mut live = Live::new(&out, VERSION);
    let mut known = HashSet::new();

    let peek =
        live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Peek).unwrap();
    assert_eq!(peek.own[&0], vec![1, 1, 0]);
    assert_eq!(peek.others.len(), 1);
    assert_eq!(peek.others[0].1, vec![1, 0, 2], "b's counts, in unit order");
    assert!(statements(&store, "t").is_empty(), "a peek writes nothing");

    let g = live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush).unwrap();
    assert_eq!((g.own[&0].clone(), g.others[0].1.clone()), (vec![1, 1, 0], vec![1, 0, 2]));
    assert_eq!(statements(&store, "t"), vec![2, 1, 2]);

    // B flushing the same test now finds nothing new, of its own or of A's.
    let mut live_b = Live::new(&out, VERSION);
    let g =
        live_b.flush(&mut store, &mut known, &b.tables, &b.registry, Some(&b.arena.name), "t", Mode::Flush).unwrap();
    assert!(g.own.is_empty() && g.others.is_empty());
    // Late hits in B arrive through A's next flush, once.
    tb.increment(1);
    let g = live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush).unwrap();
    assert_eq!(g.others[0].1, vec![0, 1, 0]);
    assert_eq!(statements(&store, "t"), vec![2, 2, 2]);
    assert_eq!(live.pending(&mut store, &a.tables, Some(&a.arena.name)).unwrap(), Vec::<String>::new());
    b.hit("u", &[2]);
    assert_eq!(live.pending(&mut store, &a.tables, Some(&a.arena.name)).unwrap(), vec!["u".to_string()]);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn recovery_reports_counts_minus_marks_exactly_once() {
    let out = tmp("recover");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let dead = Process::start(&out);
    let t = dead.hit("t", &[0]);
    dead.hit("startup", &[1, 1]);
    let mut live = Live::new(&out, VERSION);
    let mut known = HashSet::new();
    live.flush(&mut store, &mut known, &dead.tables, &dead.registry, Some(&dead.arena.name), "t", Mode::Flush).unwrap();
    t.increment(0);
    t.increment(2);

    // Its process (this one, in the test) still runs: left alone without force.
    let skipped = recover(&mut store, &out, VERSION, false);
    assert_eq!(skipped[0].skipped.as_deref().map(|s| s.contains("still runs")), Some(true));

    let done = recover(&mut store, &out, VERSION, true);
    assert_eq!((done[0].tests, done[0].counts, done[0].skipped.clone()), (2, 4, None), "{done:?}");
    assert_eq!(statements(&store, "t"), vec![2, 0, 1]);
    assert_eq!(statements(&store, "startup"), vec![0, 2, 0]);
    assert!(!dead.arena.dir.exists(), "recovered arenas are deleted");
    assert_eq!(store.mark_count().unwrap(), 0, "their marks too");
    assert_eq!(store.arena_states().unwrap()[0].state, "recovered");

    // Twice: nothing more, even if the files were left behind (a kill after the commit).
    assert!(recover(&mut store, &out, VERSION, true).is_empty());
    let again = Process::start(&out);
    again.hit("t", &[1]);
    let name = again.arena.name.clone();
    let copy = out.join("copy");
    fs::create_dir_all(&copy).unwrap();
    for f in fs::read_dir(&again.arena.dir).unwrap().flatten() {
        fs::copy(f.path(), copy.join(f.file_name())).unwrap();
    }
    recover(&mut store, &out, VERSION, true);
    fs::create_dir_all(out.join(LIVE_DIR)).unwrap();
    fs::rename(&copy, out.join(LIVE_DIR).join(&name)).unwrap();
    let twice = recover(&mut store, &out, VERSION, true);
    assert_eq!(twice[0].skipped.as_deref(), Some("already recovered"));
    assert_eq!(statements(&store, "t"), vec![2, 1, 1]);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_torn_index_recovers_what_is_valid_and_names_the_rest() {
    let out = tmp("torn");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let p = Process::start(&out);
    p.hit("kept", &[0]);
    p.hit("torn", &[1]);
    let index = p.arena.dir.join(crate::arena::INDEX_FILE);
    let bytes = fs::read(&index).unwrap();
    fs::write(&index, &bytes[..bytes.len() - 3]).unwrap();
    let r = recover(&mut store, &out, VERSION, true);
    assert_eq!(r[0].tests, 1);
    assert!(r[0].problems[0].contains("torn record"), "{:?}", r[0].problems);
    assert_eq!(statements(&store, "kept"), vec![1, 0, 0]);
    assert!(statements(&store, "torn").is_empty());
    assert_eq!(store.arena_states().unwrap()[0].problems, r[0].problems);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_clean_close_reports_the_rest_and_removes_the_files() {
    let out = tmp("close");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let p = Process::start(&out);
    let t = p.hit("t", &[0]);
    let mut live = Live::new(&out, VERSION);
    let mut known = HashSet::new();
    live.flush(&mut store, &mut known, &p.tables, &p.registry, Some(&p.arena.name), "t", Mode::Flush).unwrap();
    t.increment(1);
    let closed = live.close(&mut store, &mut known, &p.tables, &p.registry).unwrap();
    assert_eq!((closed.tests, closed.counts), (1, 1));
    assert!(!p.arena.dir.exists());
    assert_eq!(statements(&store, "t"), vec![1, 1, 0]);
    // Counting goes on in memory, and the next flush reports only what is new.
    t.increment(2);
    let g = live.flush(&mut store, &mut known, &p.tables, &p.registry, None, "t", Mode::Flush).unwrap();
    assert_eq!(g.own[&0], vec![0, 0, 1]);
    assert_eq!(statements(&store, "t"), vec![1, 1, 1]);
    assert_eq!(p.tables.create("t", 0, 3).live, None, "no arena any more");
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn an_arena_that_stops_growing_keeps_its_marks_and_new_tables_go_to_memory() {
    let out = tmp("failed");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let (a, b) = (Process::start(&out), Process::start(&out));
    let t = a.hit("t", &[0, 0]);
    let mut known = HashSet::new();
    // B reports A's table first, then A's arena stops taking tables (a full disk).
    let mut live_b = Live::new(&out, VERSION);
    live_b.flush(&mut store, &mut known, &b.tables, &b.registry, Some(&b.arena.name), "t", Mode::Flush).unwrap();
    a.tables.fail_arena("disk full");
    assert!(a.tables.take_arena_error().unwrap().starts_with("disk full"));
    let fresh = a.hit("t", &[1]);
    assert_eq!((t.live.is_some(), fresh.live), (true, None));
    t.increment(2);
    let mut live_a = Live::new(&out, VERSION);
    let g =
        live_a.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush).unwrap();
    assert_eq!(g.own[&0], vec![0, 1, 1], "B's report of A's table is not repeated");
    assert_eq!(statements(&store, "t"), vec![2, 1, 1]);
    fs::remove_dir_all(&out).unwrap();
}

/// Issue 22: `next dev` ends a short-lived worker process (with the preload)
/// while the server still counts tests. Its exit used to flush every test
/// pending anywhere in the run, so the server's own flush of those tests
/// answered without the counts it had made. An exit reports its own tables only.
#[test]
fn an_exiting_process_reports_only_its_own_tables() {
    let out = tmp("exit-own");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let (server, worker) = (Process::start(&out), Process::start(&out));
    let _t = server.hit("t", &[0, 1]);
    let _s = server.hit("startup", &[2]);
    let _w = worker.hit("startup", &[0]);
    let mut known = HashSet::new();
    let mut live_w = Live::new(&out, VERSION);
    // The run-wide view (GET /__cov/tests) lists the server's test...
    let pending = live_w.pending(&mut store, &worker.tables, Some(&worker.arena.name)).unwrap();
    assert_eq!(pending, vec!["startup".to_string(), "t".to_string()]);
    // ...but the worker's exit takes only what the worker counted.
    let closed = live_w.close(&mut store, &mut known, &worker.tables, &worker.registry).unwrap();
    assert_eq!((closed.tests, closed.counts, closed.problems.len()), (1, 1, 0), "{closed:?}");
    assert!(statements(&store, "t").is_empty(), "nothing of the server's test");
    assert_eq!(statements(&store, "startup"), vec![1, 0, 0], "the worker's startup only");
    // The server's flush answers all of its test, and of its startup.
    let mut live_s = Live::new(&out, VERSION);
    let g = live_s
        .flush(&mut store, &mut known, &server.tables, &server.registry, Some(&server.arena.name), "t", Mode::Flush)
        .unwrap();
    assert_eq!((g.own[&0].clone(), g.others.len()), (vec![1, 1, 0], 0));
    let g = live_s
        .flush(
            &mut store,
            &mut known,
            &server.tables,
            &server.registry,
            Some(&server.arena.name),
            "startup",
            Mode::Flush,
        )
        .unwrap();
    assert_eq!(g.own[&0], vec![0, 0, 1]);
    assert_eq!(statements(&store, "t"), vec![1, 1, 0]);
    assert_eq!(statements(&store, "startup"), vec![1, 0, 1]);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_close_reports_tables_in_memory_too() {
    let out = tmp("close-heap");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let p = Process::start(&out);
    let _mapped = p.hit("t", &[0]);
    p.tables.fail_arena("disk full");
    let _heap = p.hit("t", &[2, 2]);
    let mut known = HashSet::new();
    let mut live = Live::new(&out, VERSION);
    let closed = live.close(&mut store, &mut known, &p.tables, &p.registry).unwrap();
    assert_eq!((closed.tests, closed.counts), (1, 3));
    assert_eq!(statements(&store, "t"), vec![1, 0, 2], "the arena's table and the one in memory");

    // A live run whose arena could not be created at all: its tables are in memory.
    let out2 = tmp("close-none");
    let mut store2 = Store::open(&out2.join("cov-als.db"), VERSION).unwrap();
    let q = Process::start(&out2);
    q.tables.set_arena(None);
    let _t = q.hit("u", &[1]);
    let mut live2 = Live::new(&out2, VERSION);
    let closed = live2.close(&mut store2, &mut HashSet::new(), &q.tables, &q.registry).unwrap();
    assert_eq!((closed.tests, closed.counts), (1, 1));
    assert_eq!(statements(&store2, "u"), vec![0, 1, 0]);
    fs::remove_dir_all(&out).unwrap();
    fs::remove_dir_all(&out2).unwrap();
}

#[test]
fn a_gather_names_the_counts_it_cannot_place() {
    let out = tmp("unplaced");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let (a, b) = (Process::start(&out), Process::start(&out));
    // B counts into a table of a file its index never recorded.
    let slots = b.arena.alloc("t", 7, 2).unwrap();
    slots.mapping.slots(slots.offset, 2).unwrap()[1].fetch_add(4, std::sync::atomic::Ordering::Relaxed);
    let _own = a.hit("t", &[0]);
    let mut live = Live::new(&out, VERSION);
    let g = live
        .flush(&mut store, &mut HashSet::new(), &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush)
        .unwrap();
    assert_eq!(g.own[&0], vec![1, 0, 0]);
    assert_eq!(g.problems.len(), 1, "{:?}", g.problems);
    let p = &g.problems[0];
    assert!(p.contains(&b.arena.name) && p.contains("\"t\"") && p.contains("4 count(s) of file id 7"), "{p}");

    // A corrupt record in a live peer's index: what follows it is named, not read as nothing.
    let index = b.arena.dir.join(crate::arena::INDEX_FILE);
    let len = fs::read(&index).unwrap().len();
    b.hit("u", &[1]);
    let mut bytes = fs::read(&index).unwrap();
    bytes[len + 9] ^= 0xff;
    fs::write(&index, &bytes).unwrap();
    let g = live
        .flush(&mut store, &mut HashSet::new(), &a.tables, &a.registry, Some(&a.arena.name), "u", Mode::Peek)
        .unwrap();
    assert!(g.problems.iter().any(|p| p.contains("bad checksum") && p.contains(&b.arena.name)), "{:?}", g.problems);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_hot_update_that_moves_code_names_the_old_versions_counts() {
    let out = tmp("moved");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let p = Process::start(&out);
    let _old = p.hit("t", &[0, 1]);
    // Version 2 of /src/app.js: other statements (the code moved).
    let v2 = p.registry.reserve();
    let mut moved = skeleton();
    moved.statements[2].loc.start.line = 9;
    let file = Registration {
        id: v2,
        filename: "/src/app.js".into(),
        hash: "h2".into(),
        counters: 3,
        files: vec![moved],
        supersedes: Some(0),
    };
    p.arena.append_file(&file).unwrap();
    p.registry.register(&file);
    let new = p.tables.create("t", v2, 3);
    new.increment(2);
    let mut live = Live::new(&out, VERSION);
    let g = live
        .flush(&mut store, &mut HashSet::new(), &p.tables, &p.registry, Some(&p.arena.name), "t", Mode::Flush)
        .unwrap();
    assert_eq!(statements(&store, "t"), vec![0, 0, 1], "the newest version only");
    assert_eq!(g.problems.len(), 1, "{:?}", g.problems);
    assert!(g.problems[0].starts_with("test \"t\": 2 count(s) of /src/app.js are in no report"), "{}", g.problems[0]);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn an_arena_that_goes_away_between_listing_and_reading_is_no_problem() {
    let out = tmp("vanish");
    let mut store = Store::open(&out.join("cov-als.db"), VERSION).unwrap();
    let a = Process::start(&out);
    let _ta = a.hit("t", &[0]);
    // A directory listed without its index: one being created, or a worker's
    // arena removed by its clean close after the listing.
    fs::create_dir_all(out.join(LIVE_DIR).join("99999-gone")).unwrap();
    let mut live = Live::new(&out, VERSION);
    let mut known = HashSet::new();
    let g = live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush).unwrap();
    assert_eq!(g.problems, Vec::<String>::new());
    assert_eq!(statements(&store, "t"), vec![1, 0, 0]);
    // A peer read once whose files then go away (closed after reporting its own tables).
    let b = Process::start(&out);
    let _tb = b.hit("t", &[2]);
    let _ = live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Peek).unwrap();
    fs::remove_dir_all(out.join(LIVE_DIR).join(&b.arena.name)).unwrap();
    let g = live.flush(&mut store, &mut known, &a.tables, &a.registry, Some(&a.arena.name), "t", Mode::Flush).unwrap();
    assert_eq!(g.problems, Vec::<String>::new());
    fs::remove_dir_all(&out).unwrap();
}
