//! This process's arena, written as files are registered and tables created.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::format::{chunk_path, encode, frame, header, Meta, Record, TableRecord, INDEX_FILE, KIND_FILE};
use super::liveness::process_start_time;
use super::mapping::{allocate, Mapping};
use super::skeleton;
use crate::registry::Registration;

pub(super) const FIRST_CHUNK_BYTES: usize = 1 << 20;
const MAX_CHUNK_BYTES: usize = 16 << 20;

/// A table's memory in this process's arena.
pub struct LiveSlots {
    pub table: u32,
    pub mapping: Arc<Mapping>,
    pub offset: usize,
}

struct Writer {
    index: File,
    chunks: Vec<Arc<Mapping>>,
    /// Slots used in the last chunk.
    used: usize,
    next_table: u32,
}

/// This process's arena, written as tables are created.
pub struct Arena {
    pub dir: PathBuf,
    pub name: String,
    writer: Mutex<Writer>,
}

static NONCE: AtomicU64 = AtomicU64::new(0);

impl Arena {
    /// Create a new arena directory under `live_dir` for this process.
    pub fn create(live_dir: &Path, package_version: &str) -> io::Result<Self> {
        // Whether an arena's writer still runs is read from /proc: elsewhere every
        // peer would look dead and be recovered while it counts. No arenas there
        // (tables stay in memory, as with COV_ALS_LIVE=0).
        if !cfg!(target_os = "linux") {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "live arenas need Linux's /proc (process liveness)",
            ));
        }
        let pid = std::process::id();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let nonce = (nanos as u64) ^ NONCE.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9e3779b97f4a7c15);
        let name = format!("{pid}-{nonce:016x}");
        let dir = live_dir.join(&name);
        fs::create_dir_all(&dir)?;
        let mut index = OpenOptions::new().create_new(true).append(true).open(dir.join(INDEX_FILE))?;
        let meta = Meta {
            package_version: package_version.to_string(),
            pid,
            start_time: process_start_time(pid).unwrap_or(0),
        };
        let mut first = header().to_vec();
        first.extend(encode(&Record::Meta(meta)));
        index.write_all(&first)?;
        Ok(Self { dir, name, writer: Mutex::new(Writer { index, chunks: Vec::new(), used: 0, next_table: 0 }) })
    }

    fn append(w: &mut Writer, record: &Record) -> io::Result<()> {
        // One write: a kill tears at most this record, which replay then names.
        w.index.write_all(&encode(record))
    }

    /// Record a file's registration (before any table of it can exist).
    pub fn append_file(&self, file: &Registration) -> io::Result<()> {
        let payload = skeleton::encode(file);
        self.writer.lock().index.write_all(&frame(KIND_FILE, &payload))
    }

    /// Memory for a new table of `len` slots, then its index record.
    pub fn alloc(&self, test: &str, file_id: u32, len: u32) -> io::Result<LiveSlots> {
        let mut w = self.writer.lock();
        let need = len.max(1) as usize;
        let room = w.chunks.last().map_or(0, |c| c.len / 4 - w.used);
        if room < need {
            let n = w.chunks.len() as u32;
            let bytes = (FIRST_CHUNK_BYTES << n.min(4)).min(MAX_CHUNK_BYTES).max(need * 4);
            let bytes = bytes.div_ceil(4096) * 4096;
            let path = chunk_path(&self.dir, n);
            let file = OpenOptions::new().create_new(true).read(true).write(true).open(&path)?;
            if let Err(e) = allocate(&file, bytes) {
                let _ = fs::remove_file(&path);
                return Err(e);
            }
            w.chunks.push(Arc::new(Mapping::map(&file, bytes, true)?));
            w.used = 0;
        }
        let chunk = w.chunks.len() as u32 - 1;
        let offset = w.used;
        let table = w.next_table;
        Self::append(
            &mut w,
            &Record::Table(TableRecord {
                table,
                file_id,
                chunk,
                offset: offset as u32,
                len: need as u32,
                test: test.into(),
            }),
        )?;
        w.used += need;
        w.next_table += 1;
        Ok(LiveSlots { table, mapping: Arc::clone(w.chunks.last().expect("a chunk")), offset })
    }

    /// Bytes this arena holds on disk (index and chunks).
    pub fn disk_bytes(&self) -> u64 {
        dir_bytes(&self.dir)
    }
}

/// Bytes of the files directly in `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}
