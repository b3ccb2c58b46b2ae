//! The Istanbul file-coverage skeleton of one instrumented file: maps of
//! statements, functions and branches, each entry naming the counter slot that
//! counts it in the file's flat counter table. `CoverageBuilder` hands out the
//! numbers (as istanbul's `SourceCoverage`); the visitor only decides what to count.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Serialized (in live arena indexes) as `[start line, start column, end
/// line, end column]`: a skeleton's locations are most of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(from = "[u32; 4]", into = "[u32; 4]")]
pub struct Location {
    pub start: Position,
    pub end: Position,
}

impl From<[u32; 4]> for Location {
    fn from([line, column, end_line, end_column]: [u32; 4]) -> Self {
        Location { start: Position { line, column }, end: Position { line: end_line, column: end_column } }
    }
}

impl From<Location> for [u32; 4] {
    fn from(l: Location) -> Self {
        [l.start.line, l.start.column, l.end.line, l.end.column]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub loc: Location,
    pub slot: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub decl: Location,
    pub loc: Location,
    pub slot: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPath {
    /// None where Istanbul has no location (the implicit `else` of an `if`).
    pub loc: Option<Location>,
    pub slot: u32,
    /// Counter of truthy evaluations (reportLogic, binary-expr only).
    pub true_slot: Option<u32>,
}

/// Istanbul's branch types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BranchKind {
    If,
    CondExpr,
    /// Logical expressions (`a || b`, `a ?? b`, `a ||= b`).
    BinaryExpr,
    DefaultArg,
    Switch,
}

impl BranchKind {
    /// The `type` Istanbul writes in `branchMap`.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchKind::If => "if",
            BranchKind::CondExpr => "cond-expr",
            BranchKind::BinaryExpr => "binary-expr",
            BranchKind::DefaultArg => "default-arg",
            BranchKind::Switch => "switch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Istanbul's key: branch numbers keep gaps where a branch lost all paths.
    pub key: u32,
    pub kind: BranchKind,
    pub loc: Location,
    pub paths: Vec<BranchPath>,
}

/// Coverage skeleton of one source file (generated or original).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCoverage {
    pub path: String,
    pub statements: Vec<Statement>,
    pub functions: Vec<Function>,
    pub branches: Vec<Branch>,
    /// Raw JSON of the input source map when it is carried, not composed.
    pub input_source_map: Option<String>,
    /// Whether any branch reports truthiness (`bT`).
    pub report_logic: bool,
}

pub const COVERAGE_SCHEMA: &str = "1a1c01bbd47fc00a2c39e90264f33305004495a9";

/// Stable 64-bit FNV-1a hash: cheap, the same on every run and platform.
pub fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// `fnv1a` as hex: Istanbul's `hash` field and the header's check.
pub fn content_hash(text: &str) -> String {
    format!("{:016x}", fnv1a(text))
}

/// What a counter slot counts, in Istanbul's terms (the browser form
/// increments Istanbul's own `s`/`f`/`b`/`bT` objects instead of slots).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// `s[index]`
    Statement(u32),
    /// `f[index]`
    Function(u32),
    /// `b[key][path]`
    Branch { key: u32, path: u32 },
    /// `bT[key][path]`
    BranchTrue { key: u32, path: u32 },
}

/// A branch being built, as handed out by `CoverageBuilder::new_branch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchId(usize);

/// Numbers the entries of one file's coverage as the visitor meets them:
/// counter slots in order of creation, functions and branches in order, and
/// Istanbul's pruning of branches left without paths.
#[derive(Debug, Default)]
pub struct CoverageBuilder {
    cov: FileCoverage,
    /// What each slot counts, by slot.
    counters: Vec<Counter>,
    next_branch_key: u32,
}

impl CoverageBuilder {
    /// `report_logic`: binary-expr paths also get a truthiness counter (`bT`).
    pub fn new(path: String, report_logic: bool) -> Self {
        Self {
            cov: FileCoverage { path, report_logic, ..Default::default() },
            counters: Vec::new(),
            next_branch_key: 0,
        }
    }

    fn slot(&mut self, counter: Counter) -> u32 {
        self.counters.push(counter);
        self.counters.len() as u32 - 1
    }

    /// What `slot` counts.
    pub fn counter(&self, slot: u32) -> Counter {
        self.counters[slot as usize]
    }

    /// A counted statement; returns its counter slot.
    pub fn new_statement(&mut self, loc: Location) -> u32 {
        let slot = self.slot(Counter::Statement(self.cov.statements.len() as u32));
        self.cov.statements.push(Statement { loc, slot });
        slot
    }

    /// A counted function; `None` names it `(anonymous_N)` as Istanbul does.
    /// Returns its counter slot.
    pub fn new_function(&mut self, name: Option<&str>, decl: Location, loc: Location) -> u32 {
        let slot = self.slot(Counter::Function(self.cov.functions.len() as u32));
        let name = match name {
            Some(n) => n.to_string(),
            None => format!("(anonymous_{})", self.cov.functions.len()),
        };
        self.cov.functions.push(Function { name, decl, loc, slot });
        slot
    }

    /// A branch without paths yet; its key is taken even if it ends up empty.
    pub fn new_branch(&mut self, kind: BranchKind, loc: Location) -> BranchId {
        let key = self.next_branch_key;
        self.next_branch_key += 1;
        self.cov.branches.push(Branch { key, kind, loc, paths: Vec::new() });
        BranchId(self.cov.branches.len() - 1)
    }

    /// A path of `branch`; returns its counter slot and, for a logical
    /// expression under reportLogic, its truthiness slot.
    pub fn add_path(&mut self, branch: BranchId, loc: Option<Location>) -> (u32, Option<u32>) {
        let (key, path) = (self.cov.branches[branch.0].key, self.cov.branches[branch.0].paths.len() as u32);
        let slot = self.slot(Counter::Branch { key, path });
        let logic = self.cov.report_logic && self.cov.branches[branch.0].kind == BranchKind::BinaryExpr;
        let true_slot = if logic { Some(self.slot(Counter::BranchTrue { key, path })) } else { None };
        self.cov.branches[branch.0].paths.push(BranchPath { loc, slot, true_slot });
        (slot, true_slot)
    }

    /// The coverage and the length of its counter table. Branches left without
    /// paths are dropped (their keys stay gaps, as in Istanbul).
    pub fn finish(mut self) -> (FileCoverage, u32) {
        self.cov.branches.retain(|b| !b.paths.is_empty());
        let slots = self.counters.len() as u32;
        (self.cov, slots)
    }
}

pub fn write_json_string(out: &mut String, s: &str) {
    // serde_json's escaping is exact JSON; writing into a String cannot fail.
    out.push_str(&serde_json::to_string(s).expect("string serializes"));
}

impl Location {
    pub fn write_json(&self, out: &mut String) {
        let _ = write!(
            out,
            r#"{{"start":{{"line":{},"column":{}}},"end":{{"line":{},"column":{}}}}}"#,
            self.start.line, self.start.column, self.end.line, self.end.column
        );
    }
}

fn write_opt_location(out: &mut String, loc: &Option<Location>) {
    match loc {
        Some(l) => l.write_json(out),
        None => out.push_str(r#"{"start":{},"end":{}}"#),
    }
}

impl FileCoverage {
    /// The count-independent part of the Istanbul JSON, written once and
    /// reused by every flush: `"path":..,"statementMap":..,"fnMap":..,"branchMap":..`.
    pub fn maps_json(&self) -> String {
        let mut out = String::with_capacity(64 * (self.statements.len() + 2 * self.functions.len()));
        out.push_str("\"path\":");
        write_json_string(&mut out, &self.path);
        out.push_str(",\"statementMap\":{");
        for (i, s) in self.statements.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{i}\":");
            s.loc.write_json(&mut out);
        }
        out.push_str("},\"fnMap\":{");
        for (i, f) in self.functions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{i}\":{{\"name\":");
            write_json_string(&mut out, &f.name);
            out.push_str(",\"decl\":");
            f.decl.write_json(&mut out);
            out.push_str(",\"loc\":");
            f.loc.write_json(&mut out);
            let _ = write!(out, ",\"line\":{}}}", f.loc.start.line);
        }
        out.push_str("},\"branchMap\":{");
        for (i, b) in self.branches.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\":{{\"loc\":", b.key);
            b.loc.write_json(&mut out);
            let _ = write!(out, ",\"type\":\"{}\",\"locations\":[", b.kind.as_str());
            for (j, p) in b.paths.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                write_opt_location(&mut out, &p.loc);
            }
            let _ = write!(out, "],\"line\":{}}}", b.loc.start.line);
        }
        out.push('}');
        if let Some(map) = &self.input_source_map {
            out.push_str(",\"inputSourceMap\":");
            out.push_str(map);
        }
        out
    }

    /// Write the full Istanbul file coverage object, reading each counter
    /// through `count(slot)`.
    pub fn write_json_with_counts(&self, out: &mut String, maps_json: &str, hash: &str, count: &dyn Fn(u32) -> u64) {
        out.push('{');
        out.push_str(maps_json);
        out.push_str(",\"s\":{");
        for (i, s) in self.statements.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{i}\":{}", count(s.slot));
        }
        out.push_str("},\"f\":{");
        for (i, f) in self.functions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{i}\":{}", count(f.slot));
        }
        out.push_str("},\"b\":{");
        for (i, b) in self.branches.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\":[", b.key);
            for (j, p) in b.paths.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", count(p.slot));
            }
            out.push(']');
        }
        out.push('}');
        // Istanbul creates `bT` with the first logical expression only.
        if self.report_logic && self.branches.iter().any(|b| b.paths.iter().any(|p| p.true_slot.is_some())) {
            out.push_str(",\"bT\":{");
            let mut first = true;
            for b in &self.branches {
                if b.paths.iter().all(|p| p.true_slot.is_none()) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                let _ = write!(out, "\"{}\":[", b.key);
                for (j, p) in b.paths.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{}", p.true_slot.map(count).unwrap_or(0));
                }
                out.push(']');
            }
            out.push('}');
        }
        let _ = write!(out, ",\"_coverageSchema\":\"{COVERAGE_SCHEMA}\",\"hash\":\"{hash}\"}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_istanbul_shape_with_gapped_branch_keys() {
        let loc = Location { start: Position { line: 1, column: 0 }, end: Position { line: 1, column: 5 } };
        let fc = FileCoverage {
            path: "/a \"b\".js".into(),
            statements: vec![Statement { loc, slot: 0 }],
            functions: vec![Function { name: "f".into(), decl: loc, loc, slot: 1 }],
            branches: vec![Branch {
                key: 2,
                kind: BranchKind::If,
                loc,
                paths: vec![
                    BranchPath { loc: Some(loc), slot: 2, true_slot: None },
                    BranchPath { loc: None, slot: 3, true_slot: None },
                ],
            }],
            input_source_map: None,
            report_logic: false,
        };
        let mut out = String::new();
        let counts = [7u64, 1, 0, 4];
        let maps = fc.maps_json();
        fc.write_json_with_counts(&mut out, &maps, &content_hash(&maps), &|s| counts[s as usize]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["path"], "/a \"b\".js");
        assert_eq!(v["s"]["0"], 7);
        assert_eq!(v["f"]["0"], 1);
        assert_eq!(v["b"]["2"], serde_json::json!([0, 4]));
        assert_eq!(v["branchMap"]["2"]["locations"][1], serde_json::json!({"start": {}, "end": {}}));
        assert_eq!(v["fnMap"]["0"]["decl"]["end"]["column"], 5);
        assert!(v.get("bT").is_none());
    }

    #[test]
    fn builder_numbers_slots_in_order_and_prunes_empty_branches_keeping_key_gaps() {
        let loc = Location::default();
        let mut b = CoverageBuilder::new("/x.js".into(), true);
        assert_eq!(b.new_statement(loc), 0);
        assert_eq!(b.new_function(None, loc, loc), 1);
        assert_eq!(b.new_function(Some("g"), loc, loc), 2);
        let empty = b.new_branch(BranchKind::If, loc);
        let logic = b.new_branch(BranchKind::BinaryExpr, loc);
        // reportLogic gives binary-expr paths a second (truthiness) slot.
        assert_eq!(b.add_path(logic, Some(loc)), (3, Some(4)));
        let cond = b.new_branch(BranchKind::CondExpr, loc);
        assert_eq!(b.add_path(cond, None), (5, None));
        let _ = empty;
        assert_eq!(b.counter(4), Counter::BranchTrue { key: 1, path: 0 });
        assert_eq!(b.counter(2), Counter::Function(1));
        let (fc, counters) = b.finish();
        assert_eq!(counters, 6);
        assert_eq!(fc.functions[0].name, "(anonymous_0)");
        assert_eq!(fc.functions[1].name, "g");
        let keys: Vec<_> = fc.branches.iter().map(|b| (b.key, b.kind)).collect();
        assert_eq!(keys, vec![(1, BranchKind::BinaryExpr), (2, BranchKind::CondExpr)]);
    }
}
