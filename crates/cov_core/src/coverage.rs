//! The Istanbul file-coverage skeleton of one instrumented file: maps of
//! statements, functions and branches, each entry naming the counter slot that
//! counts it in the file's flat counter table.

use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub loc: Location,
    pub slot: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub decl: Location,
    pub loc: Location,
    pub slot: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchPath {
    /// None where Istanbul has no location (the implicit `else` of an `if`).
    pub loc: Option<Location>,
    pub slot: u32,
    /// Counter of truthy evaluations (reportLogic, binary-expr only).
    pub true_slot: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Istanbul's key: branch numbers keep gaps where a branch lost all paths.
    pub key: u32,
    pub kind: &'static str,
    pub loc: Location,
    pub paths: Vec<BranchPath>,
}

/// Coverage skeleton of one source file (generated or original).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// Stable 64-bit content hash (FNV-1a) as hex: cheap, the same on every run
/// and platform. Used for Istanbul's `hash` field and the header's check.
pub fn content_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
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
            let _ = write!(out, ",\"type\":\"{}\",\"locations\":[", b.kind);
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
                kind: "if",
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
}
