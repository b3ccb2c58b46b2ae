//! Another process's arena on disk (live or dead), read incrementally.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::format::{
    check_header, chunk_path, header, replay, Meta, Record, Replay, TableRecord, HEADER_LEN, INDEX_FILE,
};
use super::liveness::is_alive;
use super::mapping::Mapping;

/// A reader of an arena on disk: another live process's, or a dead one's.
pub struct ArenaReader {
    pub dir: PathBuf,
    pub name: String,
    pub meta: Meta,
    read_to: usize,
    chunks: Vec<Option<Mapping>>,
}

impl ArenaReader {
    /// Open the arena at `dir`: its header and first (meta) record. An arena
    /// of another package version is an error naming both.
    pub fn open(dir: &Path, package_version: &str) -> Result<(Self, Replay), String> {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes =
            fs::read(dir.join(INDEX_FILE)).map_err(|e| format!("live arena {name}: cannot read its index: {e}"))?;
        check_header(&bytes).map_err(|e| format!("live arena {name}: {e}"))?;
        let mut replay = replay(&bytes, HEADER_LEN);
        let meta = match replay.records.first() {
            Some(Record::Meta(m)) => m.clone(),
            _ => {
                return Err(format!(
                    "live arena {name}: its index has no process record ({})",
                    replay.problem.as_deref().unwrap_or("empty")
                ))
            }
        };
        if meta.package_version != package_version {
            return Err(format!(
                "live arena {name} was written by cov-als-native {}; this is {package_version}: recover it with cov-als-native {}",
                meta.package_version, meta.package_version
            ));
        }
        replay.records.remove(0);
        let reader = Self { dir: dir.to_path_buf(), name, meta, read_to: replay.valid_to, chunks: Vec::new() };
        Ok((reader, replay))
    }

    /// The records appended since the last read. A torn tail is left for the
    /// next read (its writer may be writing it right now).
    pub fn refresh(&mut self) -> Result<Replay, String> {
        let mut file = File::open(self.dir.join(INDEX_FILE))
            .map_err(|e| format!("live arena {}: cannot read its index: {e}", self.name))?;
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(self.read_to as u64))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map_err(|e| format!("live arena {}: cannot read its index: {e}", self.name))?;
        // Replay expects whole-file offsets: pad with a fake header.
        let mut whole = header().to_vec();
        whole.extend_from_slice(&bytes);
        let mut r = replay(&whole, HEADER_LEN);
        r.valid_to = self.read_to + (r.valid_to - HEADER_LEN);
        self.read_to = r.valid_to;
        Ok(r)
    }

    /// The current counts of a table, or why they cannot be read.
    pub fn counts(&mut self, t: &TableRecord) -> Result<Vec<u32>, String> {
        let i = t.chunk as usize;
        if self.chunks.len() <= i {
            self.chunks.resize_with(i + 1, || None);
        }
        if self.chunks[i].is_none() {
            let path = chunk_path(&self.dir, t.chunk);
            let file = File::open(&path).map_err(|e| format!("live arena {}: chunk {}: {e}", self.name, t.chunk))?;
            let len = file.metadata().map_err(|e| e.to_string())?.len() as usize;
            if len == 0 {
                return Err(format!("live arena {}: chunk {} is empty", self.name, t.chunk));
            }
            self.chunks[i] = Some(Mapping::map(&file, len, false).map_err(|e| e.to_string())?);
        }
        let slots =
            self.chunks[i].as_ref().expect("mapped").slots(t.offset as usize, t.len as usize).ok_or_else(|| {
                format!(
                    "live arena {}: table {} of test {:?} lies beyond the end of chunk {} (truncated file)",
                    self.name, t.table, t.test, t.chunk
                )
            })?;
        Ok(slots.iter().map(|c| c.load(Ordering::Relaxed)).collect())
    }

    pub fn is_alive(&self) -> bool {
        is_alive(&self.meta)
    }
}

/// The arena directories under `live_dir`, sorted.
pub fn list(live_dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(live_dir)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}
