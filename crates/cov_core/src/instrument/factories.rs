//! Module initialisation inside bundles (docs/function-entry.md): a chunk
//! instrumented whole (Next.js's server chunks) is one file to us, and an
//! app module's top level runs inside the bundler's module factory, a
//! function the bundler's `require` calls when something first needs the
//! module. With the chunk's source map composed, a factory is recognisable
//! without knowing the bundler: a function (not a generator) that maps to no
//! original function, yet whose own statements map to an original file's
//! top level (outside every original function). Its body gets the same
//! begin and end as a file's top level. An async factory (a module with
//! top-level `await`: webpack's and Turbopack's async modules) keeps the
//! startup context after each `await` too, as any async function keeps the
//! context it entered with (its cached entry re-takes it on resumption).

use super::edits::Edits;
use super::emit::{self, Entry, Names};
use super::visitor::FnBody;
use crate::coverage::{FileCoverage, Location};
use std::collections::{HashMap, HashSet};

/// Whether `loc` starts inside `outer`.
fn starts_within(loc: &Location, outer: &Location) -> bool {
    outer.start <= loc.start && loc.start < outer.end
}

/// The bodies of `bodies` that are module factories, judged from the
/// composed `files`. A candidate inside a factory of the same original
/// file is not one: a compiled module's export getter, whose `return x`
/// maps to the original's top-level `export default x`, runs at any time.
/// Inside a factory of other files it is (webpack's bootstrap IIFE, mapped
/// to `webpack/bootstrap`, holds the app's module factories).
pub fn find<'b>(bodies: &'b [FnBody], files: &[FileCoverage]) -> Vec<&'b FnBody> {
    let original_functions: HashSet<u32> = files.iter().flat_map(|f| f.functions.iter().map(|f| f.slot)).collect();
    // Statement slot -> the original file (index) at whose top level it lies.
    let mut top_level: HashMap<u32, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        for s in &f.statements {
            if !f.functions.iter().any(|g| starts_within(&s.loc, &g.loc)) {
                top_level.insert(s.slot, i);
            }
        }
    }
    let mut in_order: Vec<&FnBody> = bodies.iter().filter(|b| !b.generator).collect();
    in_order.sort_by_key(|b| b.open_at);
    let mut factories = Vec::new();
    // The factories enclosing the body at hand, and their original files.
    let mut open: Vec<(&FnBody, HashSet<usize>)> = Vec::new();
    for b in in_order {
        while open.last().is_some_and(|(f, _)| f.close_at <= b.open_at) {
            open.pop();
        }
        if b.slot.is_some_and(|s| original_functions.contains(&s)) {
            continue;
        }
        let sources: HashSet<usize> = b.statements.iter().filter_map(|s| top_level.get(s).copied()).collect();
        if sources.is_empty() || open.iter().any(|(_, outer)| !outer.is_disjoint(&sources)) {
            continue;
        }
        factories.push(b);
        open.push((b, sources));
    }
    factories
}

/// Begin module initialisation at the top of each factory body and end it
/// when the body exits: in a `finally` around a cached entry's `try`, or at
/// the body's close where a `try` cannot wrap it (a top-level function
/// declaration; a throw then leaves it to the runtime's microtask check).
pub fn mark(edits: &mut Edits, names: &Names, factories: &[&FnBody]) {
    for b in factories {
        let lead = if b.directives { ";" } else { "" };
        let begin = emit::init_begin(names);
        match b.entry {
            Entry::Cached { .. } => {
                edits.open(b.open_at, b.depth, format!("{lead}{begin} try {{"));
                edits.close(b.close_at, b.depth, format!("}} finally {{ {} }}", emit::init_end_call(names)));
            }
            Entry::Lookup => {
                edits.open(b.open_at, b.depth, format!("{lead}{begin}"));
                edits.close(b.close_at, b.depth, emit::init_end(names));
            }
        }
    }
}
