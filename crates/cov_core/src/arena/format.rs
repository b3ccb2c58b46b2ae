//! An arena's index format: a header, then checksummed records saying what
//! the counter chunks mean (the process, each file's registration, each table).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::skeleton;
use crate::registry::Registration;

/// Bumped whenever the files change layout or meaning.
pub const FORMAT_VERSION: u32 = 1;
pub const INDEX_FILE: &str = "index";
const MAGIC: &[u8; 8] = b"COVALSLV";
pub(super) const HEADER_LEN: usize = 16;

const KIND_META: u32 = 1;
pub(super) const KIND_FILE: u32 = 2;
const KIND_TABLE: u32 = 3;

/// Who wrote an arena.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub package_version: String,
    pub pid: u32,
    /// The process's start time (clock ticks since boot, /proc/<pid>/stat),
    /// so a reused pid is not taken for the writer.
    pub start_time: u64,
}

/// One counter table: `len` u32 slots at slot `offset` of chunk `chunk`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRecord {
    pub table: u32,
    pub file_id: u32,
    pub chunk: u32,
    pub offset: u32,
    pub len: u32,
    pub test: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Meta(Meta),
    File(Registration),
    Table(TableRecord),
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// `len | kind | payload | checksum(len, kind, payload)`, little-endian.
pub fn encode(record: &Record) -> Vec<u8> {
    let (kind, payload) = match record {
        Record::Meta(m) => (KIND_META, serde_json::to_vec(m).expect("meta serializes")),
        Record::File(f) => (KIND_FILE, skeleton::encode(f)),
        Record::Table(t) => {
            let mut p = Vec::with_capacity(20 + t.test.len());
            for n in [t.table, t.file_id, t.chunk, t.offset, t.len] {
                p.extend_from_slice(&n.to_le_bytes());
            }
            p.extend_from_slice(t.test.as_bytes());
            (KIND_TABLE, p)
        }
    };
    frame(kind, &payload)
}

pub(super) fn frame(kind: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(payload);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn decode(kind: u32, payload: &[u8]) -> Result<Record, String> {
    let u32_at = |i: usize| u32::from_le_bytes(payload[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    match kind {
        KIND_META => serde_json::from_slice(payload).map(Record::Meta).map_err(|e| format!("bad meta record: {e}")),
        KIND_FILE => skeleton::decode(payload).map(Record::File).map_err(|e| format!("bad file record: {e}")),
        KIND_TABLE if payload.len() >= 20 => Ok(Record::Table(TableRecord {
            table: u32_at(0),
            file_id: u32_at(1),
            chunk: u32_at(2),
            offset: u32_at(3),
            len: u32_at(4),
            test: String::from_utf8(payload[20..].to_vec()).map_err(|_| "bad table record: test id is not UTF-8")?,
        })),
        KIND_TABLE => Err("bad table record: too short".into()),
        other => Err(format!("unknown record kind {other}")),
    }
}

pub(super) fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h
}

/// Check an index's header: the magic and the format version.
pub fn check_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err("not a cov-als-native live arena index (no header)".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(format!(
            "live arena format {version}, but this cov-als-native reads format {FORMAT_VERSION}: recover it with the version that wrote it"
        ));
    }
    Ok(())
}

/// What replaying an index from some byte offset found.
#[derive(Debug, Default)]
pub struct Replay {
    pub records: Vec<Record>,
    /// Where the valid records end (the next replay starts there).
    pub valid_to: usize,
    /// The first record that is torn or corrupt, if any: everything after it
    /// is ignored (an append-only log has no valid record past a bad one).
    pub problem: Option<String>,
}

/// Replay the records of `bytes` (a whole index) from byte `from` (at least
/// the header's end).
pub fn replay(bytes: &[u8], from: usize) -> Replay {
    let mut at = from.max(HEADER_LEN);
    let mut out = Replay { valid_to: at, ..Default::default() };
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 8 {
            out.problem = Some(format!("torn record at byte {at} ({} bytes not recovered)", rest.len()));
            break;
        }
        let len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        let kind = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        let Some(end) = len.checked_add(16).filter(|e| *e <= rest.len()) else {
            out.problem = Some(format!("torn record at byte {at} ({} bytes not recovered)", rest.len()));
            break;
        };
        let sum = u64::from_le_bytes(rest[end - 8..end].try_into().expect("8 bytes"));
        if checksum(&rest[..end - 8]) != sum {
            out.problem =
                Some(format!("corrupt record at byte {at} (bad checksum; {} bytes not recovered)", rest.len()));
            break;
        }
        match decode(kind, &rest[8..end - 8]) {
            Ok(r) => out.records.push(r),
            Err(e) => {
                out.problem = Some(format!("{e} at byte {at} ({} bytes not recovered)", rest.len()));
                break;
            }
        }
        at += end;
        out.valid_to = at;
    }
    out
}

pub(super) fn chunk_path(dir: &Path, chunk: u32) -> PathBuf {
    dir.join(format!("counts-{chunk}"))
}
