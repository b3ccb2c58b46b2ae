//! Instrument one file and print how long it took and what it found:
//! `cargo run --release -p cov_core --example instrument_file -- path/to/file.js [runs]`
use std::time::Instant;

use cov_core::instrument::{instrument, InstrumentOptions, ModuleMode};
use cov_core::registry::{Registration, Registry};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: instrument_file <file.js> [runs]");
    let runs: usize = args.next().map_or(5, |r| r.parse().expect("runs must be a number"));
    let code = std::fs::read_to_string(&path).expect("readable file");
    let opts = InstrumentOptions { mode: ModuleMode::CommonJs, ..Default::default() };
    for _ in 0..runs {
        let t = Instant::now();
        let out = instrument(&code, &path, 0, &opts).expect("instruments").expect("not an ignored file");
        let instrumented = t.elapsed();
        let registry = Registry::default();
        let id = registry.reserve();
        let file = Registration {
            id,
            filename: path.clone(),
            hash: out.hash.clone(),
            counters: out.counters,
            files: out.files.clone(),
            supersedes: None,
        };
        let t = Instant::now();
        registry.register(&file);
        let registered = t.elapsed();
        let s: usize = out.files.iter().map(|f| f.statements.len()).sum();
        println!(
            "instrument {instrumented:?}, register {registered:?}: {} KB -> {} KB, {s} statements, {} counters",
            code.len() / 1024,
            out.code.len() / 1024,
            out.counters
        );
    }
}
