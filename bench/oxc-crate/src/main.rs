//! Usage:
//!   cov_als_oxc_bench alt <file> <rounds>     alternate ours/oxc `rounds` times, print one JSON line per call
//!   cov_als_oxc_bench once <ours|oxc|none> <file>  one call, print peak RSS (VmHWM) before/after as JSON
//!
//! "ours" = cov_core::instrument::instrument (CommonJs mode, default options:
//! the same code path as the napi `instrument()` minus registry/napi).
//! "oxc"  = oxc_coverage_instrument::instrument (CommonJs source type,
//! Istanbul compat profile, optional-chain tracking off: the configuration
//! closest to istanbul-lib-instrument's output, which is what ours matches).
use std::time::Instant;

fn ours(src: &str, file: &str) -> usize {
    let opts = cov_core::instrument::InstrumentOptions {
        mode: cov_core::instrument::ModuleMode::CommonJs,
        ..Default::default()
    };
    let out = cov_core::instrument::instrument(src, file, 0, &opts).expect("ours: instrument failed");
    out.code.len()
}

fn oxc(src: &str, file: &str) -> usize {
    use oxc_coverage_instrument::{CompatProfile, InstrumentOptions, InstrumentSourceType};
    let opts = InstrumentOptions::default()
        .with_compat(Some(CompatProfile::Istanbul))
        .with_source_type(Some(InstrumentSourceType::CommonJs))
        .with_track_optional_chain(false);
    let out = oxc_coverage_instrument::instrument(src, file, &opts).expect("oxc: instrument failed");
    out.code.len()
}

fn vm_hwm_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmHWM:") {
            return rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
        }
    }
    0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("alt") => {
            let file = &args[2];
            let rounds: usize = args[3].parse().unwrap();
            let src = std::fs::read_to_string(file).unwrap();
            // warm-up, one each
            let (a, b) = (ours(&src, file), oxc(&src, file));
            println!("{{\"warmup\":true,\"oursBytes\":{a},\"oxcBytes\":{b}}}");
            for r in 0..rounds {
                // alternate which goes first
                let order: [&str; 2] = if r % 2 == 0 { ["ours", "oxc"] } else { ["oxc", "ours"] };
                for which in order {
                    let t = Instant::now();
                    let n = if which == "ours" { ours(&src, file) } else { oxc(&src, file) };
                    let ns = t.elapsed().as_nanos();
                    println!("{{\"round\":{r},\"tool\":\"{which}\",\"ns\":{ns},\"bytes\":{n}}}");
                }
            }
        }
        Some("once") => {
            let which = args[2].as_str();
            let file = &args[3];
            let src = std::fs::read_to_string(file).unwrap();
            let before = vm_hwm_kb();
            let t = Instant::now();
            let n = match which {
                "ours" => ours(&src, file),
                "oxc" => oxc(&src, file),
                _ => 0,
            };
            let ns = t.elapsed().as_nanos();
            let after = vm_hwm_kb();
            println!("{{\"tool\":\"{which}\",\"ns\":{ns},\"bytes\":{n},\"hwmBeforeKb\":{before},\"hwmAfterKb\":{after}}}");
        }
        _ => {
            eprintln!("usage: cov_als_oxc_bench alt <file> <rounds> | once <ours|oxc|none> <file>");
            std::process::exit(2);
        }
    }
}
