use std::fs::{self, File};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::writer::FIRST_CHUNK_BYTES;
use super::*;
use crate::registry::Registration;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cov-als-arena-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_record(id: u32) -> Registration {
    Registration {
        id,
        filename: format!("/src/f{id}.js"),
        hash: "h".into(),
        counters: 3,
        files: vec![],
        supersedes: None,
    }
}

fn tables(records: &[Record]) -> Vec<&TableRecord> {
    records.iter().filter_map(|r| if let Record::Table(t) = r { Some(t) } else { None }).collect()
}

#[test]
fn a_hot_updated_version_replays_with_the_version_it_supersedes() {
    let live = tmp("version");
    let arena = Arena::create(&live, "9.9.9").unwrap();
    let f = file_record(0);
    arena.append_file(&f).unwrap();
    arena
        .append_file(&Registration {
            id: 1,
            filename: f.filename.clone(),
            hash: "h2".into(),
            counters: 3,
            files: f.files.clone(),
            supersedes: Some(0),
        })
        .unwrap();
    let (_, replay) = ArenaReader::open(&arena.dir, "9.9.9").unwrap();
    assert_eq!(replay.records[0], Record::File(file_record(0)));
    let Record::File(second) = &replay.records[1] else { panic!("expected a file record") };
    assert_eq!((second.id, second.supersedes), (1, Some(0)));
}

#[test]
fn index_replays_what_was_appended_and_counts_are_shared() {
    let live = tmp("replay");
    let arena = Arena::create(&live, "9.9.9").unwrap();
    let f = file_record(0);
    arena.append_file(&f).unwrap();
    let a = arena.alloc("test a", 0, 3).unwrap();
    let b = arena.alloc("test b", 0, 3).unwrap();
    a.mapping.slots(a.offset, 3).unwrap()[2].fetch_add(5, Ordering::Relaxed);
    b.mapping.slots(b.offset, 3).unwrap()[0].fetch_add(1, Ordering::Relaxed);

    let (mut reader, replay) = ArenaReader::open(&arena.dir, "9.9.9").unwrap();
    assert_eq!(reader.meta.pid, std::process::id());
    assert!(reader.is_alive());
    assert!(replay.problem.is_none());
    assert_eq!(replay.records[0], Record::File(file_record(0)));
    let t = tables(&replay.records);
    assert_eq!((t[0].test.as_str(), t[0].table, t[1].test.as_str(), t[1].offset), ("test a", 0, "test b", 3));
    assert_eq!(reader.counts(t[0]).unwrap(), vec![0, 0, 5]);
    assert_eq!(reader.counts(t[1]).unwrap(), vec![1, 0, 0]);
    // Later appends are read incrementally; later increments are seen live.
    a.mapping.slots(a.offset, 3).unwrap()[2].fetch_add(1, Ordering::Relaxed);
    arena.alloc("test c", 0, 2).unwrap();
    let more = reader.refresh().unwrap();
    assert_eq!(tables(&more.records).iter().map(|t| t.test.as_str()).collect::<Vec<_>>(), vec!["test c"]);
    assert_eq!(reader.counts(t[0]).unwrap(), vec![0, 0, 6]);
    assert!(reader.refresh().unwrap().records.is_empty());
    fs::remove_dir_all(&live).unwrap();
}

#[test]
fn a_file_record_round_trips_its_skeletons() {
    use crate::coverage::{Branch, BranchKind, BranchPath, FileCoverage, Location, Position, Statement};
    let loc = Location { start: Position { line: 3, column: 4 }, end: Position { line: 5, column: 1 } };
    let fc = FileCoverage {
        path: "/src/a.ts".into(),
        statements: vec![Statement { loc, slot: 0 }],
        branches: vec![Branch {
            key: 2,
            kind: BranchKind::BinaryExpr,
            loc,
            paths: vec![BranchPath { loc: None, slot: 1, true_slot: Some(2) }],
        }],
        input_source_map: Some("{}".into()),
        report_logic: true,
        ..Default::default()
    };
    let live = tmp("skeleton");
    let arena = Arena::create(&live, "1").unwrap();
    arena
        .append_file(&Registration {
            id: 4,
            filename: "/out/a.js".into(),
            hash: "h".into(),
            counters: 3,
            files: vec![fc.clone()],
            supersedes: None,
        })
        .unwrap();
    let (_, replay) = ArenaReader::open(&arena.dir, "1").unwrap();
    let want = Registration {
        id: 4,
        filename: "/out/a.js".into(),
        hash: "h".into(),
        counters: 3,
        files: vec![fc],
        supersedes: None,
    };
    assert_eq!(replay.records, vec![Record::File(want)]);
    let index = String::from_utf8_lossy(&fs::read(arena.dir.join(INDEX_FILE)).unwrap()).into_owned();
    assert!(index.contains("/src/a.ts") && !index.contains("\"line\""), "skeletons are binary");
    fs::remove_dir_all(&live).unwrap();
}

#[test]
fn tables_larger_than_a_chunk_get_their_own() {
    let live = tmp("big");
    let arena = Arena::create(&live, "1").unwrap();
    let small = arena.alloc("t", 0, 10).unwrap();
    let big = arena.alloc("t", 1, (FIRST_CHUNK_BYTES / 4 + 7) as u32).unwrap();
    assert!(!Arc::ptr_eq(&small.mapping, &big.mapping));
    big.mapping.slots(big.offset, FIRST_CHUNK_BYTES / 4 + 7).unwrap()[FIRST_CHUNK_BYTES / 4 + 6]
        .store(9, Ordering::Relaxed);
    let (mut reader, replay) = ArenaReader::open(&arena.dir, "1").unwrap();
    let t = tables(&replay.records);
    assert_eq!(t[1].chunk, 1);
    assert_eq!(*reader.counts(t[1]).unwrap().last().unwrap(), 9);
    assert!(arena.disk_bytes() >= (FIRST_CHUNK_BYTES * 2) as u64, "chunks are allocated on disk");
    fs::remove_dir_all(&live).unwrap();
}

#[test]
fn a_torn_or_corrupt_tail_keeps_the_valid_records_and_names_the_rest() {
    let live = tmp("torn");
    let arena = Arena::create(&live, "1").unwrap();
    let f = file_record(0);
    arena.append_file(&f).unwrap();
    arena.alloc("kept", 0, 3).unwrap();
    arena.alloc("torn", 0, 3).unwrap();
    let index = arena.dir.join(INDEX_FILE);
    let whole = fs::read(&index).unwrap();

    // Torn: the last record lost its last 5 bytes (a kill mid-write).
    fs::write(&index, &whole[..whole.len() - 5]).unwrap();
    let (_, replay) = ArenaReader::open(&arena.dir, "1").unwrap();
    assert_eq!(tables(&replay.records).iter().map(|t| t.test.as_str()).collect::<Vec<_>>(), vec!["kept"]);
    let problem = replay.problem.unwrap();
    assert!(problem.starts_with("torn record at byte"), "{problem}");

    // Corrupt: a flipped byte inside the last record's payload.
    let mut bad = whole.clone();
    let at = bad.len() - 10;
    bad[at] ^= 0xff;
    fs::write(&index, &bad).unwrap();
    let (_, replay) = ArenaReader::open(&arena.dir, "1").unwrap();
    assert_eq!(tables(&replay.records).len(), 1);
    assert!(replay.problem.unwrap().contains("bad checksum"));

    // A table whose chunk was truncated is named, not read as zeros.
    fs::write(&index, &whole).unwrap();
    let (mut reader, replay) = ArenaReader::open(&arena.dir, "1").unwrap();
    File::options().write(true).open(arena.dir.join("counts-0")).unwrap().set_len(4).unwrap();
    let t = tables(&replay.records);
    let err = reader.counts(t[1]).unwrap_err();
    assert!(err.contains("beyond the end of chunk 0"), "{err}");
    fs::remove_dir_all(&live).unwrap();
}

#[test]
fn another_version_is_a_clear_error() {
    let live = tmp("version");
    let arena = Arena::create(&live, "0.0.1").unwrap();
    let err = ArenaReader::open(&arena.dir, "0.2.0").err().unwrap();
    assert!(err.contains("written by cov-als-native 0.0.1; this is 0.2.0"), "{err}");
    let index = arena.dir.join(INDEX_FILE);
    let mut bytes = fs::read(&index).unwrap();
    bytes[8] = 7;
    fs::write(&index, &bytes).unwrap();
    let err = ArenaReader::open(&arena.dir, "0.0.1").err().unwrap();
    assert!(err.contains("live arena format 7, but this cov-als-native reads format 1"), "{err}");
    fs::write(&index, b"garbage").unwrap();
    assert!(ArenaReader::open(&arena.dir, "0.0.1").err().unwrap().contains("no header"));
    fs::remove_dir_all(&live).unwrap();
}

#[test]
fn a_dead_pid_is_not_alive() {
    assert!(process_start_time(std::process::id()).is_some());
    let meta = Meta { package_version: "1".into(), pid: std::process::id(), start_time: 1 };
    assert!(!is_alive(&meta), "same pid, another start time: a reused pid");
    assert!(process_start_time(u32::MAX - 1).is_none());
}
