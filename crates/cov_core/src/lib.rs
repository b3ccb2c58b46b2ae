//! cov-als-native's core, free of Node: the instrumenter, the registry of
//! instrumented files, per-test counter tables, Istanbul serialization, the
//! run store and live arenas, and `process::Process`, which holds them for one
//! process (the Node binding only converts values in and out of it).
//!
//! Tests: a module that is a folder (`mod.rs`) keeps them in its `tests.rs`; a module that is one file, inline
//! in `#[cfg(test)] mod tests`.

pub mod arena;
pub mod coverage;
pub mod error;
pub mod instrument;
pub mod lines;
pub mod live;
pub mod process;
pub mod registry;
pub mod source_map;
pub mod store;
pub mod tables;
pub mod unit;
pub mod varint;

/// The test id of counts made outside any test (module initialisation,
/// unscoped timers); the JS side gets it from the binding.
pub const STARTUP_ID: &str = "startup";
