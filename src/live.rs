//! Bindings of the live arenas: crash safety and cluster gathers
//! (docs/crash-safety.md).

use cov_core::live::Mode;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::options::{NativeLiveOpened, NativeRecovered, NativeStoreFlush};
use crate::{store_error, PROCESS};

/// Count into a memory-mapped arena under `<out_dir>/live/`, and let flushes
/// gather every arena of that run (the store is `<out_dir>/cov-als.db`).
/// Call before instrumenting any file.
#[napi]
pub fn live_open(out_dir: String) -> NativeLiveOpened {
    PROCESS.live_open(&out_dir).into()
}

/// In a live run: `mode` "flush" (into the store), "reset" (marks only: the
/// answer holds the counts, the store does not), or "peek".
#[napi]
pub fn live_flush(test_id: String, mode: String, touched_only: bool) -> Result<NativeStoreFlush> {
    let mode: Mode = mode.parse().map_err(|reason: String| Error::new(Status::InvalidArg, reason))?;
    PROCESS
        .live_flush(&test_id, mode, touched_only)
        .map(Into::into)
        .ok_or_else(|| Error::new(Status::GenericFailure, "cov-als-native: no live run (liveOpen was not called)"))
}

/// Test ids with counts not yet reported, in every arena of the live run.
#[napi]
pub fn live_pending() -> Result<Vec<String>> {
    Ok(PROCESS.live_pending())
}

/// This process exits cleanly: report what it still holds (its own tables
/// only, never other processes'), record its arena closed and delete its
/// files. Null outside a live run.
#[napi]
pub fn live_close() -> Result<Option<NativeRecovered>> {
    PROCESS.live_close().map(|r| r.map(Into::into)).map_err(store_error)
}

/// Recover the arenas of dead processes under `<out_dir>/live/` (all with
/// `force`) into the store of `out_dir`.
#[napi]
pub fn live_recover(out_dir: String, force: bool) -> Result<Vec<NativeRecovered>> {
    PROCESS.live_recover(&out_dir, force).map(|v| v.into_iter().map(Into::into).collect()).map_err(store_error)
}
