//! Live counter arenas: the files that let a killed process's counts be
//! recovered (docs/run-store.md, "Crash safety").
//!
//! An arena is a directory `<outDir>/live/<pid>-<nonce>/` of one process:
//! - `counts-<n>`: chunks of u32 counters, memory-mapped shared. Counter
//!   tables are slices of them, so JS increments are plain stores into the
//!   page cache, which outlives a SIGKILL. Chunks are allocated on disk up
//!   front (`posix_fallocate`): a full disk fails the allocation, never a
//!   store into a mapped page (that would be a SIGBUS).
//! - `index`: an append-only log of checksummed records saying what the
//!   chunks mean: the process (package version, pid, start time), each
//!   instrumented file's registration (its skeletons, so a reader rebuilds the
//!   registry) and each table (test id, file id, chunk, offset, length). A
//!   record is written with one `write` after the memory it describes exists,
//!   so a torn tail only ever loses the last record being written.
//!
//! This module is the file format alone; what was already reported lives in
//! the run store (`store::live`), and `live` puts the two together.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
#[cfg(unix)]
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::registry::Registration;

/// Bumped whenever the files change layout or meaning.
pub const FORMAT_VERSION: u32 = 1;
pub const INDEX_FILE: &str = "index";
const MAGIC: &[u8; 8] = b"COVALSLV";
const HEADER_LEN: usize = 16;
const FIRST_CHUNK_BYTES: usize = 1 << 20;
const MAX_CHUNK_BYTES: usize = 16 << 20;

const KIND_META: u32 = 1;
const KIND_FILE: u32 = 2;
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

/// A file record's payload: its skeletons in a compact binary form (`varint`
/// numbers, length-prefixed strings), a few bytes per counter; JSON would be
/// several times larger and slower to write at every registration.
mod skeleton {
    use crate::coverage::{Branch, BranchKind, BranchPath, FileCoverage, Function, Location, Position, Statement};

    use crate::registry::Registration;
    use crate::varint::{self, VarintError};

    const KINDS: [BranchKind; 5] =
        [BranchKind::If, BranchKind::CondExpr, BranchKind::BinaryExpr, BranchKind::DefaultArg, BranchKind::Switch];

    fn num(out: &mut Vec<u8>, n: u32) {
        varint::write(out, n as u64);
    }

    fn text(out: &mut Vec<u8>, s: &str) {
        num(out, s.len() as u32);
        out.extend_from_slice(s.as_bytes());
    }

    fn loc(out: &mut Vec<u8>, l: &Location) {
        for n in [l.start.line, l.start.column, l.end.line, l.end.column] {
            num(out, n);
        }
    }

    pub fn encode(file: &Registration) -> Vec<u8> {
        let Registration { id, ref filename, ref hash, counters, ref files, supersedes } = *file;
        let mut out = Vec::with_capacity(
            64 + files.iter().map(|f| 12 * (f.statements.len() + 2 * f.branches.len())).sum::<usize>(),
        );
        num(&mut out, id);
        text(&mut out, filename);
        text(&mut out, hash);
        num(&mut out, counters);
        num(&mut out, files.len() as u32);
        for f in files {
            text(&mut out, &f.path);
            out.push(f.report_logic as u8);
            match &f.input_source_map {
                Some(m) => {
                    out.push(1);
                    text(&mut out, m);
                }
                None => out.push(0),
            }
            num(&mut out, f.statements.len() as u32);
            for st in &f.statements {
                loc(&mut out, &st.loc);
                num(&mut out, st.slot);
            }
            num(&mut out, f.functions.len() as u32);
            for func in &f.functions {
                text(&mut out, &func.name);
                loc(&mut out, &func.decl);
                loc(&mut out, &func.loc);
                num(&mut out, func.slot);
            }
            num(&mut out, f.branches.len() as u32);
            for b in &f.branches {
                num(&mut out, b.key);
                out.push(KINDS.iter().position(|k| *k == b.kind).expect("a known kind") as u8);
                loc(&mut out, &b.loc);
                num(&mut out, b.paths.len() as u32);
                for p in &b.paths {
                    out.push(p.loc.is_some() as u8 | (p.true_slot.is_some() as u8) << 1);
                    if let Some(l) = &p.loc {
                        loc(&mut out, l);
                    }
                    num(&mut out, p.slot);
                    if let Some(t) = p.true_slot {
                        num(&mut out, t);
                    }
                }
            }
        }
        if let Some(old) = supersedes {
            out.push(1);
            num(&mut out, old);
        }
        out
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Reader<'_> {
        fn byte(&mut self) -> Result<u8, String> {
            let b = *self.bytes.get(self.at).ok_or("truncated")?;
            self.at += 1;
            Ok(b)
        }

        fn num(&mut self) -> Result<u32, String> {
            let n = varint::read(self.bytes, &mut self.at).map_err(|e| match e {
                VarintError::Truncated => "truncated",
                VarintError::TooLong => "number too long",
            })?;
            u32::try_from(n).map_err(|_| "number out of range".into())
        }

        fn count(&mut self) -> Result<usize, String> {
            let n = self.num()? as usize;
            // Every entry takes at least a byte: a count beyond the rest is corrupt.
            if n > self.bytes.len() - self.at {
                return Err("count beyond the record".into());
            }
            Ok(n)
        }

        fn text(&mut self) -> Result<String, String> {
            let n = self.count()?;
            let s = std::str::from_utf8(&self.bytes[self.at..self.at + n]).map_err(|_| "text is not UTF-8")?;
            self.at += n;
            Ok(s.to_string())
        }

        fn loc(&mut self) -> Result<Location, String> {
            let (line, column, end_line, end_column) = (self.num()?, self.num()?, self.num()?, self.num()?);
            Ok(Location { start: Position { line, column }, end: Position { line: end_line, column: end_column } })
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Registration, String> {
        let mut r = Reader { bytes, at: 0 };
        let (id, filename, hash, counters) = (r.num()?, r.text()?, r.text()?, r.num()?);
        let mut files = Vec::new();
        for _ in 0..r.count()? {
            let path = r.text()?;
            let report_logic = r.byte()? != 0;
            let input_source_map = if r.byte()? != 0 { Some(r.text()?) } else { None };
            let mut statements = Vec::new();
            for _ in 0..r.count()? {
                statements.push(Statement { loc: r.loc()?, slot: r.num()? });
            }
            let mut functions = Vec::new();
            for _ in 0..r.count()? {
                functions.push(Function { name: r.text()?, decl: r.loc()?, loc: r.loc()?, slot: r.num()? });
            }
            let mut branches = Vec::new();
            for _ in 0..r.count()? {
                let key = r.num()?;
                let kind = *KINDS.get(r.byte()? as usize).ok_or("unknown branch kind")?;
                let loc = r.loc()?;
                let mut paths = Vec::new();
                for _ in 0..r.count()? {
                    let flags = r.byte()?;
                    let loc = if flags & 1 != 0 { Some(r.loc()?) } else { None };
                    let slot = r.num()?;
                    let true_slot = if flags & 2 != 0 { Some(r.num()?) } else { None };
                    paths.push(BranchPath { loc, slot, true_slot });
                }
                branches.push(Branch { key, kind, loc, paths });
            }
            files.push(FileCoverage { path, statements, functions, branches, input_source_map, report_logic });
        }
        // Optional tail: the version a hot update supersedes.
        let supersedes = if r.at < bytes.len() && r.byte()? == 1 { Some(r.num()?) } else { None };
        if r.at != bytes.len() {
            return Err("trailing bytes".into());
        }
        Ok(Registration { id, filename, hash, counters, files, supersedes })
    }
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

fn frame(kind: u32, payload: &[u8]) -> Vec<u8> {
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

fn header() -> [u8; HEADER_LEN] {
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

/// A shared memory mapping of one chunk file, unmapped when the last table
/// pointing into it is gone.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; every access goes through
// atomics (Rust) or JS's own typed-array stores.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    #[cfg(not(unix))]
    fn map(_file: &File, _len: usize, _writable: bool) -> io::Result<Self> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "memory-mapped arenas need a Unix system"))
    }

    #[cfg(unix)]
    fn map(file: &File, len: usize, writable: bool) -> io::Result<Self> {
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: a fresh mapping of `len` bytes of an open file; checked below.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { ptr: ptr as *mut u8, len })
    }

    /// Slots `offset..offset + len` (in u32s), if the mapping holds them.
    pub fn slots(&self, offset: usize, len: usize) -> Option<&[AtomicU32]> {
        let end = offset.checked_add(len)?.checked_mul(4)?;
        if end > self.len {
            return None;
        }
        // SAFETY: in bounds, 4-aligned (mappings are page-aligned), and the
        // memory lives as long as `self`.
        Some(unsafe { std::slice::from_raw_parts((self.ptr as *const AtomicU32).add(offset), len) })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `map` mapped.
        #[cfg(unix)]
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len)
        };
    }
}

fn chunk_path(dir: &Path, chunk: u32) -> PathBuf {
    dir.join(format!("counts-{chunk}"))
}

/// Reserve `len` bytes on disk for `file`, so later stores into its mapping
/// cannot fail for want of space.
#[cfg(not(target_os = "linux"))]
fn allocate(file: &File, len: usize) -> io::Result<()> {
    file.set_len(len as u64)
}

#[cfg(target_os = "linux")]
fn allocate(file: &File, len: usize) -> io::Result<()> {
    // SAFETY: plain syscall on an open descriptor.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len as libc::off_t) } {
        0 => Ok(()),
        // Filesystems without fallocate: a sparse file is the best we can do.
        libc::EOPNOTSUPP | libc::EINVAL => file.set_len(len as u64),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

/// Clock ticks since boot at which `pid` started, or None when no such
/// process runs (zombies count as gone).
pub fn process_start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is parenthesized and may hold spaces.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().collect();
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Whether the process that wrote `meta` still runs.
pub fn is_alive(meta: &Meta) -> bool {
    process_start_time(meta.pid) == Some(meta.start_time)
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
