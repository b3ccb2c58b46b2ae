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
//! This module is the arena files alone; what was already reported lives in
//! the run store (`store::live`), and `live` puts the two together.

mod format;
mod liveness;
mod mapping;
mod reader;
mod skeleton;
mod writer;

pub use format::{check_header, encode, replay, Meta, Record, Replay, TableRecord, FORMAT_VERSION, INDEX_FILE};
pub use liveness::{is_alive, process_start_time};
pub use mapping::Mapping;
pub use reader::{list, ArenaReader};
pub use writer::{dir_bytes, Arena, LiveSlots};

#[cfg(test)]
mod tests;
